# METADATA
# title: GPUs are requested in limits, in whole units
# description: >-
#   For every container and init container of every pod template, a GPU resource
#   (nvidia.com/gpu, nvidia.com/mig-<profile>, amd.com/gpu) is set in limits; if it is also
#   set in requests the two are equal; and the quantity is a whole number. Kubernetes only
#   schedules extended resources from limits and rejects fractions.
# scope: package
# custom:
#   id: GPU-01
#   severity: high
#   family: gpu
#   controls: []
#   regulatory: false
#   applies_to: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate, PyTorchJob, TFJob, MPIJob, XGBoostJob, PaddleJob, JAXJob, JobSet, LeaderWorkerSet, RayCluster]
#   remediation: >-
#     Set the GPU resource in resources.limits with a whole number; either drop it from
#     resources.requests or make the request equal to the limit.
package gitops_compliance.gpu.gpu01

import data.gitops_compliance.lib.gpu
import data.gitops_compliance.lib.kubernetes as k8s
import data.gitops_compliance.lib.util

_section(resources, name) := util.as_object(object.get(resources, name, {}))

# Containers that mention a GPU resource, with their requests and limits. Built once per
# evaluation so each rule below walks a small set instead of every pod template again.
gpu_containers contains entry if {
	some r in input.resources
	r.kind == "kubernetes"
	some c in k8s.containers(r)
	resources := c.container.resources
	is_object(resources)
	requests := _section(resources, "requests")
	limits := _section(resources, "limits")
	some name in object.keys(requests) | object.keys(limits)
	gpu.resource_name(name)
	entry := {
		"address": r.address,
		"file": object.get(r, "file", ""),
		"path": k8s.container_path(c),
		"name": k8s.container_name(c),
		"requests": requests,
		"limits": limits,
	}
}

deny contains finding if {
	some c in gpu_containers
	some name, value in c.requests
	gpu.resource_name(name)
	not name in object.keys(c.limits)
	finding := util.item(c, {
		"msg": sprintf("%s container \"%s\": %s is requested (%v) but not set in limits", [c.address, c.name, name, value]),
		"attribute": sprintf("%s.resources.limits[\"%s\"]", [c.path, name]),
	})
}

deny contains finding if {
	some c in gpu_containers
	some name, requested in c.requests
	gpu.resource_name(name)
	limited := c.limits[name]
	gpu.whole(requested)
	gpu.whole(limited)
	gpu.amount(requested) != gpu.amount(limited)
	finding := util.item(c, {
		"msg": sprintf("%s container \"%s\": %s request (%v) differs from its limit (%v)", [c.address, c.name, name, requested, limited]),
		"attribute": sprintf("%s.resources.requests[\"%s\"]", [c.path, name]),
	})
}

deny contains finding if {
	some c in gpu_containers
	some section in ["limits", "requests"]
	some name, value in c[section]
	gpu.resource_name(name)
	not gpu.whole(value)
	finding := util.item(c, {
		"msg": sprintf("%s container \"%s\": %s in %s is %v, not a whole number of GPUs", [c.address, c.name, name, section, value]),
		"attribute": sprintf("%s.resources.%s[\"%s\"]", [c.path, section, name]),
	})
}
