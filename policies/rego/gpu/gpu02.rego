# METADATA
# title: GPUs per container, per pod and per workload stay within the caps
# description: >-
#   A runaway GPU request is the most expensive typo on an ML platform. Three caps apply to
#   each GPU resource (nvidia.com/gpu, nvidia.com/mig-<profile>, amd.com/gpu) separately: a
#   container's count; a pod's effective request as the scheduler and ResourceQuota compute
#   it (Kubernetes >= 1.29: the larger of the app containers plus every sidecar init
#   container, and each ordinary init container plus the sidecars started before it); and a
#   workload's total, pods x the pod's request, where pods is replicas (the largest
#   maxReplicas of a HorizontalPodAutoscaler or KEDA ScaledObject targeting it, when one
#   does), a Job's parallelism (at most its completions), a CronJob's Job, one per node for
#   a DaemonSet and 1 for a Pod; the ML operator kinds (Kubeflow training jobs, JobSet,
#   LeaderWorkerSet, RayCluster) add up their roles' pods.
# scope: package
# custom:
#   id: GPU-02
#   severity: high
#   family: gpu
#   controls: []
#   regulatory: false
#   applies_to: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate, PyTorchJob, TFJob, MPIJob, XGBoostJob, PaddleJob, JAXJob, JobSet, LeaderWorkerSet, RayCluster]
#   remediation: >-
#     Lower the GPU count, the replicas / HPA maxReplicas or the Job parallelism; if the
#     workload really needs more, raise gpu_max_per_container, gpu_max_per_pod or
#     gpu_max_per_workload under params in .gitops-compliance.yaml through change control.
package gitops_compliance.gpu.gpu02

import data.gitops_compliance.lib.gpu
import data.gitops_compliance.lib.kubernetes as k8s
import data.gitops_compliance.lib.util

max_per_container := data.gitops_compliance.params.gpu_max_per_container

max_per_pod := data.gitops_compliance.params.gpu_max_per_pod

max_per_workload := data.gitops_compliance.params.gpu_max_per_workload

deny contains finding if {
	some p in gpu_pods
	some e in p.counts
	c := e.c
	some name, n in e.gpus
	n > max_per_container
	finding := util.item(p, {
		"msg": sprintf("%s container \"%s\" asks for %d %s, above the cap of %d per container", [p.address, k8s.container_name(c), n, name, max_per_container]),
		"attribute": sprintf("%s.resources.limits[\"%s\"]", [k8s.container_path(c), name]),
	})
}

deny contains finding if {
	some p in gpu_pods
	some name, n in p.request
	n > max_per_pod
	finding := util.item(p, {
		"msg": sprintf("%s: each pod asks for %d %s (effective request: init containers, app containers and sidecars), above the cap of %d per pod", [p.address, n, name, max_per_pod]),
		"attribute": concat("", [p.prefix, "spec"]),
	})
}

deny contains finding if {
	some p in gpu_pods
	not p.operator
	count(p.pods) > 0
	some name, n in p.request
	total := p.pods.n * n
	total > max_per_workload
	not _said_per_pod(p.pods.n, n)
	finding := util.item(p, {
		"msg": sprintf("%s runs %d GPUs of %s at once (%s x %d per pod), above the cap of %d per workload", [p.address, total, name, p.pods.why, n, max_per_workload]),
		"attribute": p.pods.attr,
	})
}

# ML operator kinds (Kubeflow jobs, JobSet, LeaderWorkerSet, RayCluster): the workload is
# every role together, each role's pods x its pod's request.
deny contains finding if {
	some key in {[p.address, p.file] | some p in gpu_pods; p.operator}
	parts := [p | some p in gpu_pods; p.operator; p.address == key[0]; p.file == key[1]]
	names := {n |
		some p in parts
		some n, _ in p.request
	}
	some name in names
	total := sum([n |
		some p in parts
		n := p.pods.n * object.get(p.request, name, 0)
	])
	total > max_per_workload
	how := concat(" + ", sort([sprintf("%s: %d x %d", [trim_suffix(trim_suffix(p.prefix, "."), ".template"), p.pods.n, object.get(p.request, name, 0)]) |
		some p in parts
		object.get(p.request, name, 0) > 0
	]))
	finding := util.item({"address": key[0], "file": key[1]}, {
		"msg": sprintf("%s runs %d GPUs of %s at once (%s), above the cap of %d per workload", [key[0], total, name, how, max_per_workload]),
		"attribute": "spec",
	})
}

# One pod above the pod cap is already reported per pod (same number, same place).
_said_per_pod(pods, n) if {
	pods == 1
	n > max_per_pod
}

# Every GPU pod template of the unit with its effective request per GPU resource and its
# pod count (empty for a PodTemplate, which runs nothing by itself).
gpu_pods contains p if {
	some r in input.resources
	some t in gpu.templates(r)
	names := gpu.resource_names(t.counts)
	count(names) > 0
	p := {
		"address": r.address,
		"file": object.get(r, "file", ""),
		"prefix": t.prefix,
		"counts": t.counts,
		"request": {name: gpu.pod_request(t.counts, name) | some name in names},
		"pods": _template_pods(r, t),
		"operator": t.pods != null,
	}
}

_template_pods(r, t) := _workload_pods(r) if t.pods == null

_template_pods(_, t) := {"n": t.pods} if t.pods != null

_workload_pods(r) := _pods(r)

_workload_pods(r) := {} if not _pods(r)

_pods(r) := {"n": 1, "why": "1 pod", "attr": "spec"} if r.type == "Pod"

# A DaemonSet runs one pod on every node its selector and tolerations admit; the node count
# is not in the manifests, so the cap is checked per node.
_pods(r) := {"n": 1, "why": "1 pod per node", "attr": "spec.template.spec"} if r.type == "DaemonSet"

_pods(r) := {"n": n, "why": sprintf("%d replicas (autoscaled by %s)", [n, by]), "attr": "spec.replicas"} if {
	r.type in _scalable
	targets := {s | some s in _scalers; _targets(s, r)}
	count(targets) > 0
	n := max({s.max | some s in targets})
	by := concat(", ", sort([s.by | some s in targets]))
}

_pods(r) := {"n": n, "why": sprintf("%d replicas", [n]), "attr": "spec.replicas"} if {
	r.type in _scalable
	not _autoscaled(r)
	n := _count(object.get(r.config, ["spec", "replicas"], 1), 1)
}

_pods(r) := object.union(_job_pods(object.get(r.config, "spec", {})), {"attr": "spec.parallelism"}) if r.type == "Job"

_pods(r) := object.union(_job_pods(object.get(r.config, ["spec", "jobTemplate", "spec"], {})), {"attr": "spec.jobTemplate.spec.parallelism"}) if {
	r.type == "CronJob"
}

_scalable := {"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"}

# A Job runs `parallelism` pods at once (default 1), never more than its completions.
_job_pods(spec) := {"n": n, "why": sprintf("parallelism %d", [n])} if {
	parallelism := _count(object.get(spec, "parallelism", 1), 1)
	completions := object.get(spec, "completions", null)
	n := min({parallelism, _count(completions, parallelism)})
}

# A whole number, or `fallback` when the value is absent or not one (the API server would
# reject it; GPU-02 does not guess a larger number).
_count(value, _) := gpu.amount(value) if gpu.whole(value)

_count(value, fallback) := fallback if not gpu.whole(value)

_autoscaled(r) if {
	some s in _scalers
	_targets(s, r)
}

_targets(s, r) if {
	s.namespace == k8s.namespace(r)
	s.kind == r.type
	s.name == r.name
}

# HorizontalPodAutoscalers and KEDA ScaledObjects of the whole scope (they may sit in
# another file or unit than their target), with the most replicas they may set.
_scalers contains s if {
	some h in k8s.scope_objects({"HorizontalPodAutoscaler"})
	spec := util.as_object(object.get(h.config, "spec", {}))
	ref := util.as_object(object.get(spec, "scaleTargetRef", {}))
	limit := object.get(spec, "maxReplicas", null)
	gpu.whole(limit)
	s := {"namespace": k8s.namespace(h), "kind": object.get(ref, "kind", ""), "name": object.get(ref, "name", ""), "max": gpu.amount(limit), "by": h.address}
}

# KEDA creates an HPA from a ScaledObject: kind defaults to Deployment, maxReplicaCount to 100.
_scalers contains s if {
	some h in k8s.scope_objects({"ScaledObject"})
	spec := util.as_object(object.get(h.config, "spec", {}))
	ref := util.as_object(object.get(spec, "scaleTargetRef", {}))
	s := {"namespace": k8s.namespace(h), "kind": object.get(ref, "kind", "Deployment"), "name": object.get(ref, "name", ""), "max": _count(object.get(spec, "maxReplicaCount", 100), 100), "by": h.address}
}
