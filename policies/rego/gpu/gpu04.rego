# METADATA
# title: GPU pods tolerate the GPU taint and select GPU nodes; other pods keep off
# description: >-
#   GPU nodes are tainted so that only GPU pods land on them. A GPU pod therefore carries a
#   toleration of one of the GPU taints (gpu_taints) and a nodeSelector or required node
#   affinity on an accelerator label (gpu_node_label_keys) — a Job admitted by Kueue gets
#   both from its queue's ResourceFlavor, when the scope shows that flavor. A pod that asks
#   for no GPU must not tolerate a GPU taint (a key-less Exists toleration tolerates every
#   taint) unless it is exempt (gpu_toleration_exempt: node agents such as exporters).
# scope: package
# custom:
#   id: GPU-04
#   severity: medium
#   family: gpu
#   controls: []
#   regulatory: false
#   applies_to: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate, PyTorchJob, TFJob, MPIJob, XGBoostJob, PaddleJob, JAXJob, JobSet, LeaderWorkerSet, RayCluster]
#   remediation: >-
#     GPU pods: add a toleration of the GPU taint (key nvidia.com/gpu, effect NoSchedule)
#     and a nodeSelector such as nvidia.com/gpu.present: "true". Other pods: drop the
#     toleration (or the key-less operator Exists one); node agents that must run on GPU
#     nodes go on params.gpu_toleration_exempt.
package gitops_compliance.gpu.gpu04

import data.gitops_compliance.lib.gpu
import data.gitops_compliance.lib.kubernetes as k8s
import data.gitops_compliance.lib.util

taints := data.gitops_compliance.params.gpu_taints

label_keys := {k | some k in data.gitops_compliance.params.gpu_node_label_keys}

exempt := data.gitops_compliance.params.gpu_toleration_exempt

queue_label := "kueue.x-k8s.io/queue-name"

# Every pod template of the unit, read once.
pods contains p if {
	some r in input.resources
	some t in gpu.templates(r)
	p := {
		"address": r.address,
		"file": object.get(r, "file", ""),
		"namespace": k8s.namespace(r),
		"prefix": t.prefix,
		"spec": t.spec,
		"gpus": gpu.resource_names(t.counts),
		"queue": _queue(r),
	}
}

# The LocalQueue a workload goes to: its queue-name label, else (Jobs, CronJobs: Kueue's
# LocalQueueDefaulting) the namespace's LocalQueue named "default" when the scope has one.
_queue(r) := _queue_name(r) if _queue_name(r) != ""

_queue(r) := "default" if {
	_queue_name(r) == ""
	r.type in {"Job", "CronJob"}
	some q in local_queues
	q.name == "default"
	q.namespace == k8s.namespace(r)
}

_queue(r) := "" if {
	_queue_name(r) == ""
	not _default_queue(r)
}

_default_queue(r) if {
	r.type in {"Job", "CronJob"}
	some q in local_queues
	q.name == "default"
	q.namespace == k8s.namespace(r)
}

deny contains finding if {
	some p in pods
	count(p.gpus) > 0
	not _tolerates_gpu(p.spec)
	not _flavors_tolerate(p)
	finding := util.item(p, {
		"msg": sprintf("%s asks for GPUs but tolerates none of the GPU taints (%s): it cannot land on a GPU node", [p.address, concat(", ", _taint_texts)]),
		"attribute": concat("", [p.prefix, "spec.tolerations"]),
	})
}

deny contains finding if {
	some p in pods
	count(p.gpus) > 0
	not _selects_gpu_nodes(p.spec)
	not _flavors_select(p)
	finding := util.item(p, {
		"msg": sprintf("%s asks for GPUs but neither its nodeSelector nor a required node affinity names an accelerator label (%s)", [p.address, concat(", ", sort(label_keys))]),
		"attribute": concat("", [p.prefix, "spec.nodeSelector"]),
	})
}

deny contains finding if {
	some p in pods
	count(p.gpus) == 0
	_tolerates_gpu(p.spec)
	not _exempt(p)
	finding := util.item(p, {
		"msg": sprintf("%s asks for no GPU but tolerates a GPU taint: it can take a GPU node's CPU and memory from GPU pods (exempt node agents in params.gpu_toleration_exempt)", [p.address]),
		"attribute": concat("", [p.prefix, "spec.tolerations"]),
	})
}

_taint_texts := sort([_taint_text(t) | some t in taints])

_taint_text(t) := sprintf("%s=%s:%s", [t.key, t.value, t.effect]) if "value" in object.keys(t)

_taint_text(t) := sprintf("%s:%s", [t.key, t.effect]) if not "value" in object.keys(t)

_tolerates_gpu(spec) if {
	some toleration in util.as_array(object.get(spec, "tolerations", []))
	some taint in taints
	k8s.tolerates(toleration, taint)
}

# nodeSelector on an accelerator label, or every required node-affinity term (terms are
# ORed) with an In / Exists / Gt expression on one.
_selects_gpu_nodes(spec) if {
	some key, _ in util.as_object(object.get(spec, "nodeSelector", {}))
	key in label_keys
}

_selects_gpu_nodes(spec) if {
	terms := util.as_array(object.get(spec, ["affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"], []))
	count(terms) > 0
	every term in terms {
		_gpu_term(term)
	}
}

_gpu_term(term) if {
	some e in util.as_array(object.get(util.as_object(term), "matchExpressions", []))
	is_object(e)
	e.key in label_keys
	object.get(e, "operator", "") in {"In", "Exists", "Gt"}
}

_exempt(p) if {
	some pattern in exempt
	glob.match(pattern, ["/"], p.address)
}

# Kueue: a Job with a queue-name label is admitted to a flavor of its ClusterQueue, whose
# nodeLabels and tolerations Kueue adds to the pod template. Counted only when the whole
# chain is in the scope (LocalQueue -> ClusterQueue -> ResourceFlavor) and every flavor
# that can hold the GPU resources supplies them.
_flavors_tolerate(p) if {
	names := _gpu_flavor_names(p)
	count(names) > 0
	every name in names {
		some f in flavors
		f.name == name
		_tolerates_gpu(f.spec)
	}
}

_flavors_select(p) if {
	names := _gpu_flavor_names(p)
	count(names) > 0
	every name in names {
		some f in flavors
		f.name == name
		_selects_gpu_nodes({"nodeSelector": object.get(f.spec, "nodeLabels", {})})
	}
}

# Kueue objects of the scope (a name may repeat across environments' folders): flavors
# with their specs, LocalQueues, the resource groups of each ClusterQueue.
flavors contains {"name": f.name, "spec": util.as_object(object.get(f.config, "spec", {}))} if {
	some f in k8s.scope_objects({"ResourceFlavor"})
}

local_queues contains {"namespace": k8s.namespace(q), "name": q.name, "cluster_queue": object.get(q.config, ["spec", "clusterQueue"], "")} if {
	some q in k8s.scope_objects({"LocalQueue"})
}

queue_groups contains {"cluster_queue": cq.name, "covered": covered, "flavors": names} if {
	some cq in k8s.scope_objects({"ClusterQueue"})
	some group in util.as_array(object.get(cq.config, ["spec", "resourceGroups"], []))
	covered := {name | some name in util.as_array(object.get(util.as_object(group), "coveredResources", []))}
	names := {object.get(util.as_object(f), "name", "") | some f in util.as_array(object.get(util.as_object(group), "flavors", []))}
}

# The flavors of the resource groups of the pod's ClusterQueue that cover one of its GPU
# resources (empty when the queue is not in the scope).
_gpu_flavor_names(p) := {name |
	p.queue != ""
	some lq in local_queues
	lq.name == p.queue
	lq.namespace == p.namespace
	some group in queue_groups
	group.cluster_queue == lq.cluster_queue
	count(group.covered & p.gpus) > 0
	some name in group.flavors
}

_queue_name(r) := object.get(r.config, ["metadata", "labels", queue_label], "") if r.type != "CronJob"

_queue_name(r) := object.get(r.config, ["spec", "jobTemplate", "metadata", "labels", queue_label], "") if r.type == "CronJob"
