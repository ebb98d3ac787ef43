# Kubernetes helpers: where each workload kind keeps its pod template.
package gitops_compliance.lib.kubernetes

import data.gitops_compliance.lib.util

# Kinds that carry a pod template (GXP-10 labels, the GPU rules). Core kinds only: operator
# kinds with several templates (Kubeflow PyTorchJob, JobSet, LeaderWorkerSet, RayCluster)
# are not read yet.
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

# Every container and init container of a resource's pod template:
# {"prefix": "spec.template.", "field": "containers", "index": 0, "container": {...}}.
# Paths and names are formatted only for findings (container_path, container_name):
# formatting every container of a large unit costs more than the checks themselves.
containers(resource) := {c |
	tpl := pod_template(resource)
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
