# GPU helpers shared by the GPU-xx policies: which resource names are GPUs, how many a
# container and a pod ask for, which pods are GPU pods.
#
# "GPU resource" (POLICIES.md): nvidia.com/gpu, nvidia.com/mig-<profile> (MIG slices in the
# device plugin's mixed strategy), amd.com/gpu. Counts are per resource name: a MIG slice is
# one device of its own resource, never a fraction of nvidia.com/gpu.
package gitops_compliance.lib.gpu

import data.gitops_compliance.lib.kubernetes as k8s
import data.gitops_compliance.lib.util

resource_name(name) if name in {"nvidia.com/gpu", "amd.com/gpu"}

resource_name(name) if mig(name)

mig(name) if startswith(name, "nvidia.com/mig-")

# Whole, non-negative quantities: 2, 2.0, "2", "2.0". Anything else ("0.5", "500m", "1k")
# is not a whole number of devices (GPU-01 reports it).
whole(value) if {
	is_number(value)
	value >= 0
	round(value) == value
}

whole(value) if {
	is_string(value)
	regex.match(`^[0-9]+(\.0*)?$`, value)
}

# The number of a whole quantity; call only after whole() (regorus raises on to_number of a
# non-number where OPA is undefined).
amount(value) := value if is_number(value)

amount(value) := to_number(value) if {
	is_string(value)
	whole(value)
}

_section(resources, name) := util.as_object(object.get(resources, name, {}))

# {resource name: count} of a container. Kubernetes schedules extended resources from
# limits and requires requests, when set, to equal them; the larger whole value of the two
# counts, so a container GPU-01 rejects is never under-counted. Values that are not whole
# numbers are GPU-01's and count as nothing here.
container_gpus(container) := {name: n |
	resources := util.as_object(object.get(container, "resources", {}))
	requests := _section(resources, "requests")
	limits := _section(resources, "limits")
	some name in object.keys(requests) | object.keys(limits)
	resource_name(name)
	values := {amount(v) | some v in [object.get(requests, name, null), object.get(limits, name, null)]; whole(v)}
	count(values) > 0
	n := max(values)
}

# Every container of a resource's pod template with its GPU counts: [{"c": <k8s.containers
# entry>, "gpus": {name: n}}]. Policies compute it once per resource and hand it to the
# functions below (recounting per rule and per resource name costs more than the checks).
container_counts(resource) := [{"c": c, "gpus": container_gpus(c.container)} | some c in k8s.containers(resource)]

# The GPU resource names the containers ask for (count > 0), init containers and sidecars
# included.
resource_names(counts) := {name |
	some e in counts
	some name, n in e.gpus
	n > 0
}

pod_resource_names(resource) := resource_names(container_counts(resource))

# Every pod template of a resource with its containers' GPU counts: [{"prefix", "spec",
# "pods", "counts"}] ("pods": see k8s.pod_templates).
templates(resource) := [t |
	some tpl in k8s.pod_templates(resource)
	t := {
		"prefix": tpl.prefix,
		"spec": util.as_object(object.get(tpl.template, "spec", {})),
		"pods": tpl.pods,
		"counts": [{"c": c, "gpus": container_gpus(c.container)} | some c in k8s.template_containers(tpl)],
	}
]

gpu_pod(resource) if count(pod_resource_names(resource)) > 0

# The pod's effective request of one resource, as the scheduler and ResourceQuota compute
# it (Kubernetes >= 1.29, sidecar containers): the larger of
#   - the app containers plus every sidecar (restartable init container), and
#   - for each ordinary init container, its own request plus the sidecars started before it.
# Before 1.29 (no sidecars) this is max(biggest init container, sum of app containers).
pod_request(counts, name) := max(candidates) if {
	running := sum([object.get(e.gpus, name, 0) | some e in counts; _long_running(e.c)])
	inits := {n |
		some e in counts
		e.c.field == "initContainers"
		not k8s.sidecar(e.c)
		before := sum([object.get(s.gpus, name, 0) |
			some s in counts
			k8s.sidecar(s.c)
			s.c.index < e.c.index
		])
		n := object.get(e.gpus, name, 0) + before
	}
	candidates := inits | {running}
}

_long_running(c) if c.field == "containers"

_long_running(c) if k8s.sidecar(c)
