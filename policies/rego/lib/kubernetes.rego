# Kubernetes helpers: where each workload kind keeps its pod template.
package gitops_compliance.lib.kubernetes

import data.gitops_compliance.lib.util

# Kinds that carry a pod template (GXP-10 labels, GPU-01 and later GPU rules).
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
