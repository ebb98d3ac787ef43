# Kubernetes helpers: where each workload kind keeps its pod template.
package gitops_compliance.lib.kubernetes

import data.gitops_compliance.lib.util

# Kinds that carry one pod template (GXP-10 labels, the GPU rules). Operator kinds with
# several templates are read by pod_templates() below.
pod_template_kinds := {kind | some kind, _ in _templates}

# Where the template sits, as a path for object.get and as an attribute-path prefix.
_templates := {
	"Pod": {"steps": [], "prefix": ""},
	"Deployment": {"steps": ["spec", "template"], "prefix": "spec.template."},
	"StatefulSet": {"steps": ["spec", "template"], "prefix": "spec.template."},
	"DaemonSet": {"steps": ["spec", "template"], "prefix": "spec.template."},
	"ReplicaSet": {"steps": ["spec", "template"], "prefix": "spec.template."},
	"Job": {"steps": ["spec", "template"], "prefix": "spec.template."},
	"CronJob": {"steps": ["spec", "jobTemplate", "spec", "template"], "prefix": "spec.jobTemplate.spec.template."},
	"ReplicationController": {"steps": ["spec", "template"], "prefix": "spec.template."},
	"PodTemplate": {"steps": ["template"], "prefix": "template."},
}

# The pod template of a Kubernetes resource: {"prefix": "<attribute path>.", "template": {...}}.
# For a Pod the "template" is the object itself (its metadata and spec) and prefix is "".
pod_template(resource) := {"prefix": where.prefix, "template": template} if {
	resource.kind == "kubernetes"
	where := _templates[resource.type]
	template := util.as_object(object.get(resource.config, where.steps, {}))
}

# Attribute path of a field below the pod template: "spec.template." + suffix.
template_attr(tpl, suffix) := concat("", [tpl.prefix, suffix])

# Every pod template of a resource: {"prefix", "template", "pods"} — the single template of
# the kinds above, and one per role of the ML operator kinds: Kubeflow training jobs
# (spec.<framework>ReplicaSpecs.<Role>.template), JobSet (spec.replicatedJobs[i].template
# .spec.template), LeaderWorkerSet (leaderTemplate / workerTemplate) and RayCluster (head and
# worker groups). "pods" is how many pods of that template run at once, for the operator
# kinds (the core kinds' counts depend on HPAs and are GPU-02's); null for the core kinds.
pod_templates(resource) := {t |
	tpl := pod_template(resource)
	t := {"prefix": tpl.prefix, "template": tpl.template, "pods": null}
} | _operator_templates(resource)

_replica_specs := {
	"PyTorchJob": "pytorchReplicaSpecs", "TFJob": "tfReplicaSpecs", "MPIJob": "mpiReplicaSpecs",
	"XGBoostJob": "xgbReplicaSpecs", "PaddleJob": "paddleReplicaSpecs", "JAXJob": "jaxReplicaSpecs",
}

# Kinds whose pod templates pod_templates() reads besides the single-template ones.
operator_kinds := {kind | some kind, _ in _replica_specs} | {"JobSet", "LeaderWorkerSet", "RayCluster"}

_operator_templates(resource) := {t |
	resource.kind == "kubernetes"
	field := _replica_specs[resource.type]
	some role, replica in util.as_object(object.get(resource.config, ["spec", field], {}))
	is_object(replica)
	t := {
		"prefix": sprintf("spec.%s.%s.template.", [field, role]),
		"template": util.as_object(object.get(replica, "template", {})),
		"pods": _whole_or(object.get(replica, "replicas", 1), 1),
	}
} | {t |
	resource.kind == "kubernetes"
	resource.type == "JobSet"
	some i, job in util.as_array(object.get(resource.config, ["spec", "replicatedJobs"], []))
	is_object(job)
	job_spec := util.as_object(object.get(job, ["template", "spec"], {}))
	t := {
		"prefix": sprintf("spec.replicatedJobs[%d].template.spec.template.", [i]),
		"template": util.as_object(object.get(job_spec, "template", {})),
		"pods": _whole_or(object.get(job, "replicas", 1), 1) * _job_pods(job_spec),
	}
} | {t |
	resource.kind == "kubernetes"
	resource.type == "LeaderWorkerSet"
	lws := util.as_object(object.get(resource.config, ["spec", "leaderWorkerTemplate"], {}))
	groups := _whole_or(object.get(resource.config, ["spec", "replicas"], 1), 1)
	size := _whole_or(object.get(lws, "size", 1), 1)
	some role in ["leaderTemplate", "workerTemplate"]
	is_object(object.get(lws, role, null))
	t := {
		"prefix": sprintf("spec.leaderWorkerTemplate.%s.", [role]),
		"template": lws[role],
		"pods": groups * _lws_pods(lws, role, size),
	}
} | {t |
	resource.kind == "kubernetes"
	resource.type == "RayCluster"
	head := util.as_object(object.get(resource.config, ["spec", "headGroupSpec"], {}))
	t := {"prefix": "spec.headGroupSpec.template.", "template": util.as_object(object.get(head, "template", {})), "pods": 1}
} | {t |
	resource.kind == "kubernetes"
	resource.type == "RayCluster"
	some i, group in util.as_array(object.get(resource.config, ["spec", "workerGroupSpecs"], []))
	is_object(group)
	t := {
		"prefix": sprintf("spec.workerGroupSpecs[%d].template.", [i]),
		"template": util.as_object(object.get(group, "template", {})),
		"pods": _whole_or(object.get(group, "maxReplicas", object.get(group, "replicas", 1)), 1),
	}
}

# A Job runs `parallelism` pods at once (default 1), never more than its completions.
_job_pods(spec) := min({
	_whole_or(object.get(spec, "parallelism", 1), 1),
	_whole_or(object.get(spec, "completions", null), _whole_or(object.get(spec, "parallelism", 1), 1)),
})

# A LeaderWorkerSet group is `size` pods: one leader and size - 1 workers when a leader
# template is given, else size workers.
_lws_pods(_, "leaderTemplate", _) := 1

_lws_pods(lws, "workerTemplate", size) := size - 1 if is_object(object.get(lws, "leaderTemplate", null))

_lws_pods(lws, "workerTemplate", size) := size if not is_object(object.get(lws, "leaderTemplate", null))

# A whole number (2, 2.0, "2"), or `fallback`.
_whole_or(value, _) := value if {
	is_number(value)
	value >= 0
	round(value) == value
}

_whole_or(value, _) := to_number(value) if {
	is_string(value)
	regex.match(`^[0-9]+$`, value)
}

_whole_or(value, fallback) := fallback if not _is_whole(value)

_is_whole(value) if {
	is_number(value)
	value >= 0
	round(value) == value
}

_is_whole(value) if {
	is_string(value)
	regex.match(`^[0-9]+$`, value)
}

# Every container and init container of a resource's pod templates:
# {"prefix": "spec.template.", "field": "containers", "index": 0, "container": {...}}.
# Paths and names are formatted only for findings (container_path, container_name):
# formatting every container of a large unit costs more than the checks themselves.
containers(resource) := {c |
	some tpl in pod_templates(resource)
	some c in template_containers(tpl)
}

# The containers and init containers of one pod template (an entry of pod_templates).
template_containers(tpl) := {c |
	spec := util.as_object(object.get(tpl.template, "spec", {}))
	some field in ["initContainers", "containers"]
	list := object.get(spec, field, [])
	is_array(list)
	some i, container in list
	is_object(container)
	c := {"prefix": tpl.prefix, "field": field, "index": i, "container": container}
}

# "spec.template.spec.containers[0]"
container_path(c) := sprintf("%sspec.%s[%d]", [c.prefix, c.field, c.index])

# The container's name, or its index when it has none.
container_name(c) := sprintf("%v", [object.get(c.container, "name", c.index)])

# The pod spec of a resource's pod template ({} when it has none).
pod_spec(resource) := spec if {
	tpl := pod_template(resource)
	spec := util.as_object(object.get(tpl.template, "spec", {}))
}

# A sidecar: an init container with restartPolicy Always (Kubernetes >= 1.29). It starts
# before the later init containers and keeps running beside the app containers.
sidecar(c) if {
	c.field == "initContainers"
	object.get(c.container, "restartPolicy", "") == "Always"
}

# The namespace an object lands in: unset means "the namespace kubectl targets", named
# "default" like the loader's addresses (Kind/default/name).
namespace(resource) := ns if {
	ns := object.get(resource, "namespace", null)
	is_string(ns)
	ns != ""
}

namespace(resource) := "default" if {
	ns := object.get(resource, "namespace", null)
	not _named(ns)
}

_named(ns) if {
	is_string(ns)
	ns != ""
}

# Kubernetes objects of the given types in the whole scope: the unit's own resources and
# data.inventory (the same objects in a scan; without an inventory, the unit alone).
scope_objects(types) := {r | some r in input.resources; r.kind == "kubernetes"; r.type in types} | {r |
	some r in data.inventory.kubernetes
	r.type in types
}

# Whether a toleration tolerates a taint ({"key", "effect", optional "value"}), per the
# scheduler: an empty key with Exists matches every taint; an empty effect matches every
# effect; Exists matches any value; Equal (the default operator) needs the taint's value.
# A taint given without a value matches an Equal toleration of any value.
tolerates(toleration, taint) if {
	is_object(toleration)
	_toleration_key_matches(toleration, taint)
	_toleration_effect_matches(toleration, taint)
	_toleration_value_matches(toleration, taint)
}

_toleration_key_matches(t, _) if {
	object.get(t, "key", "") == ""
	object.get(t, "operator", "") == "Exists"
}

_toleration_key_matches(t, taint) if t.key == taint.key

_toleration_effect_matches(t, _) if object.get(t, "effect", "") == ""

_toleration_effect_matches(t, taint) if t.effect == object.get(taint, "effect", "")

_toleration_value_matches(t, _) if object.get(t, "operator", "") == "Exists"

_toleration_value_matches(t, taint) if {
	object.get(t, "operator", "Equal") in {"Equal", ""}
	not "value" in object.keys(taint)
}

_toleration_value_matches(t, taint) if {
	object.get(t, "operator", "Equal") in {"Equal", ""}
	object.get(t, "value", "") == taint.value
}
