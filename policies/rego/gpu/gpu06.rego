# METADATA
# title: One MIG profile per container; no MIG slices beside whole GPUs
# description: >-
#   With the NVIDIA device plugin's mixed MIG strategy each MIG profile is its own resource
#   (nvidia.com/mig-1g.10gb, nvidia.com/mig-3g.40gb, ...). A container asks for one profile:
#   two profiles need two differently partitioned GPUs on one node, which the device plugin
#   does not promise to hand one container. A pod does not mix MIG slices with whole
#   nvidia.com/gpu devices: it then fits only nodes that have both partitioned and
#   unpartitioned GPUs, and never under the single strategy.
# scope: package
# custom:
#   id: GPU-06
#   severity: medium
#   family: gpu
#   controls: []
#   regulatory: false
#   applies_to: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate, PyTorchJob, TFJob, MPIJob, XGBoostJob, PaddleJob, JAXJob, JobSet, LeaderWorkerSet, RayCluster]
#   remediation: >-
#     Ask for one MIG profile per container (several slices of that profile are fine), and
#     put MIG and whole-GPU work in separate pods.
package gitops_compliance.gpu.gpu06

import data.gitops_compliance.lib.gpu
import data.gitops_compliance.lib.kubernetes as k8s
import data.gitops_compliance.lib.util

deny contains finding if {
	some r in input.resources
	some e in gpu.container_counts(r)
	c := e.c
	profiles := {name | some name, n in e.gpus; gpu.mig(name); n > 0}
	count(profiles) > 1
	finding := util.item(r, {
		"msg": sprintf("%s container \"%s\" asks for %d MIG profiles (%s): one profile per container", [r.address, k8s.container_name(c), count(profiles), concat(", ", sort(profiles))]),
		"attribute": sprintf("%s.resources.limits", [k8s.container_path(c)]),
	})
}

deny contains finding if {
	some r in input.resources
	some t in gpu.templates(r)
	names := gpu.resource_names(t.counts)
	"nvidia.com/gpu" in names
	migs := {name | some name in names; gpu.mig(name)}
	count(migs) > 0
	finding := util.item(r, {
		"msg": sprintf("%s mixes whole GPUs (nvidia.com/gpu) and MIG slices (%s) in one pod", [r.address, concat(", ", sort(migs))]),
		"attribute": concat("", [t.prefix, "spec.containers"]),
	})
}
