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
#   applies_to: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate]
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

deny contains finding if {
	some r in input.resources
	gpu.gpu_pod(r)
	tpl := k8s.pod_template(r)
	not _tolerates_gpu(k8s.pod_spec(r))
	not _flavors_tolerate(r)
	finding := util.item(r, {
		"msg": sprintf("%s asks for GPUs but tolerates none of the GPU taints (%s): it cannot land on a GPU node", [r.address, concat(", ", _taint_texts)]),
		"attribute": k8s.template_attr(tpl, "spec.tolerations"),
	})
}

deny contains finding if {
	some r in input.resources
	gpu.gpu_pod(r)
	tpl := k8s.pod_template(r)
	not _selects_gpu_nodes(k8s.pod_spec(r))
	not _flavors_select(r)
	finding := util.item(r, {
		"msg": sprintf("%s asks for GPUs but neither its nodeSelector nor a required node affinity names an accelerator label (%s)", [r.address, concat(", ", sort(label_keys))]),
		"attribute": k8s.template_attr(tpl, "spec.nodeSelector"),
	})
}

deny contains finding if {
	some r in input.resources
	tpl := k8s.pod_template(r)
	not gpu.gpu_pod(r)
	_tolerates_gpu(k8s.pod_spec(r))
	not _exempt(r)
	finding := util.item(r, {
		"msg": sprintf("%s asks for no GPU but tolerates a GPU taint: it can take a GPU node's CPU and memory from GPU pods (exempt node agents in params.gpu_toleration_exempt)", [r.address]),
		"attribute": k8s.template_attr(tpl, "spec.tolerations"),
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

_exempt(r) if {
	some pattern in exempt
	glob.match(pattern, ["/"], r.address)
}

# Kueue: a Job with a queue-name label is admitted to a flavor of its ClusterQueue, whose
# nodeLabels and tolerations Kueue adds to the pod template. Counted only when the whole
# chain is in the scope (LocalQueue -> ClusterQueue -> ResourceFlavor) and every flavor
# that can hold the GPU resources supplies them.
_flavors_tolerate(r) if {
	names := _gpu_flavor_names(r)
	count(names) > 0
	every name in names {
		some f in _flavors
		f.name == name
		_tolerates_gpu(f.spec)
	}
}

_flavors_select(r) if {
	names := _gpu_flavor_names(r)
	count(names) > 0
	every name in names {
		some f in _flavors
		f.name == name
		_selects_gpu_nodes({"nodeSelector": object.get(f.spec, "nodeLabels", {})})
	}
}

_flavors contains {"name": f.name, "spec": util.as_object(object.get(f.config, "spec", {}))} if {
	some f in k8s.scope_objects({"ResourceFlavor"})
}

# The flavors of the resource groups of the workload's ClusterQueue that cover one of its
# GPU resources (empty when the queue is not in the scope).
_gpu_flavor_names(r) := {object.get(util.as_object(flavor), "name", "") |
	queue := _queue_name(r)
	names := gpu.pod_resource_names(r)
	some lq in k8s.scope_objects({"LocalQueue"})
	lq.name == queue
	k8s.namespace(lq) == k8s.namespace(r)
	some cq in k8s.scope_objects({"ClusterQueue"})
	cq.name == object.get(lq.config, ["spec", "clusterQueue"], "")
	some group in util.as_array(object.get(cq.config, ["spec", "resourceGroups"], []))
	some name in util.as_array(object.get(util.as_object(group), "coveredResources", []))
	name in names
	some flavor in util.as_array(object.get(util.as_object(group), "flavors", []))
}

_queue_name(r) := object.get(r.config, ["metadata", "labels", queue_label], "") if r.type != "CronJob"

_queue_name(r) := object.get(r.config, ["spec", "jobTemplate", "metadata", "labels", queue_label], "") if r.type == "CronJob"
