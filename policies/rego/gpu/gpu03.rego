# METADATA
# title: GPU namespaces have a ResourceQuota within the team's allocation
# description: >-
#   Every namespace that runs GPU workloads has a GPU allocation configured
#   (gpu_namespace_allocations) and a ResourceQuota with requests.<resource> for each GPU
#   resource its pods use (nvidia.com/gpu, each nvidia.com/mig-<profile>, amd.com/gpu), no
#   larger than that allocation. Kubernetes quotas extended resources only under the
#   requests. prefix: a quota key limits.nvidia.com/gpu (or a bare nvidia.com/gpu) is
#   accepted by the API server and caps nothing, so it is a finding of its own. A whole-scope
#   rule: quotas and namespaces are read from data.inventory; an unset namespace is
#   "default".
# scope: package
# custom:
#   id: GPU-03
#   severity: high
#   family: gpu
#   controls: []
#   regulatory: false
#   applies_to: [Namespace, ResourceQuota, Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate, PyTorchJob, TFJob, MPIJob, XGBoostJob, PaddleJob, JAXJob, JobSet, LeaderWorkerSet, RayCluster]
#   remediation: >-
#     Add the namespace's allocation under params.gpu_namespace_allocations in
#     .gitops-compliance.yaml and a ResourceQuota in the namespace with
#     spec.hard["requests.nvidia.com/gpu"] (and requests.<MIG resource> for MIG slices) no
#     larger than it; write GPU quota keys with the requests. prefix.
package gitops_compliance.gpu.gpu03

import data.gitops_compliance.lib.gpu
import data.gitops_compliance.lib.kubernetes as k8s
import data.gitops_compliance.lib.util

allocations := data.gitops_compliance.params.gpu_namespace_allocations

# A namespace's allocation per GPU resource; a number is whole NVIDIA GPUs.
allocation(ns) := {"nvidia.com/gpu": a} if {
	a := allocations[ns]
	is_number(a)
}

allocation(ns) := a if {
	a := allocations[ns]
	is_object(a)
}

# GPU workloads of this unit with their namespace and GPU resource names.
gpu_workloads contains w if {
	some r in input.resources
	names := gpu.pod_resource_names(r)
	count(names) > 0
	w := {"address": r.address, "file": object.get(r, "file", ""), "namespace": k8s.namespace(r), "resources": names}
}

# Namespaces with GPU workloads in this unit -> the GPU resources their pods use, and the
# resource the findings name: the Namespace object when the scope declares it, else the
# unit's first GPU workload of the namespace (by file, then address).
gpu_namespaces[ns] := {"resources": resources, "subject": _subject(ns, workloads)} if {
	some ns in {w.namespace | some w in gpu_workloads}
	workloads := [w | some w in gpu_workloads; w.namespace == ns]
	resources := {name | some w in workloads; some name in w.resources}
}

# Namespace objects of the scope by name: [[file, address], ...] sorted.
declared_namespaces[name] := sort([[object.get(n, "file", ""), n.address] | some n in namespace_objects; n.name == name]) if {
	some name in {n.name | some n in namespace_objects}
}

namespace_objects := k8s.scope_objects({"Namespace"})

_subject(ns, _) := {"address": declared[0][1], "file": declared[0][0], "what": sprintf("namespace %s", [ns])} if {
	declared := declared_namespaces[ns]
}

_subject(ns, workloads) := {"address": first[1], "file": first[0], "what": sprintf("namespace %s (of %s)", [ns, first[1]])} if {
	not declared_namespaces[ns]
	first := sort([[w.file, w.address] | some w in workloads])[0]
}

# ResourceQuotas of the scope per namespace, with their GPU keys.
quotas contains q if {
	some r in k8s.scope_objects({"ResourceQuota"})
	hard := util.as_object(object.get(r.config, ["spec", "hard"], {}))
	q := {"address": r.address, "file": object.get(r, "file", ""), "namespace": k8s.namespace(r), "hard": hard}
}

deny contains finding if {
	some ns, used in gpu_namespaces
	not allocations[ns]
	finding := util.item(used.subject, {
		"msg": sprintf("%s runs GPU workloads (%s) but has no GPU allocation: set params.gpu_namespace_allocations[\"%s\"]", [used.subject.what, concat(", ", sort(used.resources)), ns]),
		"attribute": sprintf("gpu_namespace_allocations[\"%s\"]", [ns]),
	})
}

deny contains finding if {
	some ns, used in gpu_namespaces
	allocations[ns]
	some name in used.resources
	not name in object.keys(allocation(ns))
	finding := util.item(used.subject, {
		"msg": sprintf("%s uses %s but its GPU allocation does not list it: set params.gpu_namespace_allocations[\"%s\"][\"%s\"]", [used.subject.what, name, ns, name]),
		"attribute": sprintf("gpu_namespace_allocations[\"%s\"][\"%s\"]", [ns, name]),
	})
}

deny contains finding if {
	some ns, used in gpu_namespaces
	some name in used.resources
	key := concat("", ["requests.", name])
	not _capped(ns, key)
	finding := util.item(used.subject, {
		"msg": sprintf("%s runs GPU workloads but no ResourceQuota in it sets %s: nothing caps the GPUs its pods can take", [used.subject.what, key]),
		"attribute": sprintf("ResourceQuota.spec.hard[\"%s\"]", [key]),
	})
}

_capped(ns, key) if {
	some q in quotas
	q.namespace == ns
	key in object.keys(q.hard)
}

# The quota of a GPU namespace above the allocation. With several quotas Kubernetes enforces
# each one, so the namespace is within its allocation when any of them is.
deny contains finding if {
	some ns, used in gpu_namespaces
	allowed := allocation(ns)
	some name in used.resources
	limit := allowed[name]
	key := concat("", ["requests.", name])
	not _within(ns, key, limit)
	some q in quotas
	q.namespace == ns
	value := q.hard[key]
	finding := util.item(q, _above(q, ns, key, value, limit))
}

_within(ns, key, limit) if {
	some q in quotas
	q.namespace == ns
	value := q.hard[key]
	gpu.whole(value)
	gpu.amount(value) <= limit
}

_above(q, ns, key, value, limit) := {
	"msg": sprintf("%s sets %s to %v, above the allocation of namespace %s (%d)", [q.address, key, value, ns, limit]),
	"attribute": sprintf("spec.hard[\"%s\"]", [key]),
} if gpu.whole(value)

_above(q, _, key, value, _) := {
	"msg": sprintf("%s sets %s to %v, not a whole number of GPUs: the allocation could not be verified", [q.address, key, value]),
	"attribute": sprintf("spec.hard[\"%s\"]", [key]),
} if not gpu.whole(value)

# A GPU quota key without the requests. prefix caps nothing (any quota of the unit, whether
# or not its namespace runs GPU workloads yet).
deny contains finding if {
	some r in input.resources
	r.kind == "kubernetes"
	r.type == "ResourceQuota"
	some key, value in util.as_object(object.get(r.config, ["spec", "hard"], {}))
	name := _unprefixed(key)
	gpu.resource_name(name)
	finding := util.item(r, {
		"msg": sprintf("%s sets %s (%v): Kubernetes quotas extended resources only as requests.%s, so this caps nothing", [r.address, key, value, name]),
		"attribute": sprintf("spec.hard[\"%s\"]", [key]),
	})
}

_unprefixed(key) := substring(key, count("limits."), -1) if startswith(key, "limits.")

_unprefixed(key) := key if not startswith(key, "limits.")
