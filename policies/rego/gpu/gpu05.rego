# METADATA
# title: GPU Jobs queue through Kueue; GPU ClusterQueues set their quotas
# description: >-
#   GPU Jobs (Job, CronJob, and the batch ML operator kinds Kueue integrates) carry the kueue.x-k8s.io/queue-name label (on a CronJob, on its
#   jobTemplate), so Kueue admits them within the team's quota instead of letting them
#   race for GPUs; when the scope defines LocalQueues in the Job's namespace, the label
#   names one of them (a namespace with a LocalQueue named "default" needs no label: Kueue
#   assigns that queue). Every Kueue ClusterQueue resource group covering a GPU resource sets
#   a whole nominalQuota for it in each flavor, and a borrowingLimit when the queue is in
#   a cohort (without one it may borrow every idle GPU of the cohort).
# scope: package
# custom:
#   id: GPU-05
#   severity: medium
#   family: gpu
#   controls: []
#   regulatory: false
#   applies_to: [Job, CronJob, PyTorchJob, TFJob, MPIJob, XGBoostJob, PaddleJob, JAXJob, JobSet, RayCluster, ClusterQueue]
#   remediation: >-
#     Label GPU Jobs with kueue.x-k8s.io/queue-name: <LocalQueue of the namespace> (a
#     CronJob in spec.jobTemplate.metadata.labels); in ClusterQueues give each GPU resource
#     of each flavor a nominalQuota, and a borrowingLimit when spec.cohort is set.
package gitops_compliance.gpu.gpu05

import data.gitops_compliance.lib.gpu
import data.gitops_compliance.lib.kubernetes as k8s
import data.gitops_compliance.lib.util

queue_label := "kueue.x-k8s.io/queue-name"

# Where a Job's labels are: the Job's own metadata, or a CronJob's jobTemplate.
# Kueue reads the label from the metadata of the ML operator kinds it integrates as well.
_labels_at := object.union({"Job": ["metadata"], "CronJob": ["spec", "jobTemplate", "metadata"]}, {kind: ["metadata"] |
	some kind in {"PyTorchJob", "TFJob", "MPIJob", "XGBoostJob", "PaddleJob", "JAXJob", "JobSet", "RayCluster"}
})

gpu_jobs contains j if {
	some r in input.resources
	r.kind == "kubernetes"
	steps := _labels_at[r.type]
	gpu.gpu_pod(r)
	meta := util.as_object(object.get(r.config, steps, {}))
	j := {
		"address": r.address,
		"file": object.get(r, "file", ""),
		"namespace": k8s.namespace(r),
		"path": concat(".", steps),
		"queue": object.get(util.as_object(object.get(meta, "labels", {})), queue_label, ""),
		"annotated": object.get(util.as_object(object.get(meta, "annotations", {})), queue_label, ""),
	}
}

deny contains finding if {
	some j in gpu_jobs
	not _named(j.queue)
	not _default_queue(j.namespace)
	finding := util.item(j, {
		"msg": sprintf("%s asks for GPUs but has no %s label: Kueue does not admit it, so it runs outside the team's GPU quota%s", [j.address, queue_label, _annotation_note(j)]),
		"attribute": sprintf("%s.labels[\"%s\"]", [j.path, queue_label]),
	})
}

deny contains finding if {
	some j in gpu_jobs
	_named(j.queue)
	queues := {q.name | some q in k8s.scope_objects({"LocalQueue"}); k8s.namespace(q) == j.namespace}
	count(queues) > 0
	not j.queue in queues
	finding := util.item(j, {
		"msg": sprintf("%s is queued to \"%s\", which is not a LocalQueue of namespace %s (%s): Kueue never admits it", [j.address, j.queue, j.namespace, concat(", ", sort(queues))]),
		"attribute": sprintf("%s.labels[\"%s\"]", [j.path, queue_label]),
	})
}

# Kueue (LocalQueueDefaulting, on by default since v0.10) gives a Job without the label the
# LocalQueue named "default" of its namespace, when there is one.
_default_queue(namespace) if {
	some q in k8s.scope_objects({"LocalQueue"})
	q.name == "default"
	k8s.namespace(q) == namespace
}

_named(queue) if {
	is_string(queue)
	queue != ""
}

_annotation_note(j) := " (the queue-name annotation is deprecated: Kueue reads the label)" if _named(j.annotated)

_annotation_note(j) := "" if not _named(j.annotated)

# Every GPU resource of every flavor of every resource group of a ClusterQueue of the unit.
gpu_quota_entries contains e if {
	some r in input.resources
	r.kind == "kubernetes"
	r.type == "ClusterQueue"
	spec := util.as_object(object.get(r.config, "spec", {}))
	some i, group in util.as_array(object.get(spec, "resourceGroups", []))
	some name in util.as_array(object.get(util.as_object(group), "coveredResources", []))
	gpu.resource_name(name)
	some j, flavor in util.as_array(object.get(util.as_object(group), "flavors", []))
	e := {
		"address": r.address,
		"file": object.get(r, "file", ""),
		"cohort": object.get(spec, "cohort", object.get(spec, "cohortName", "")),
		"path": sprintf("spec.resourceGroups[%d].flavors[%d]", [i, j]),
		"flavor": object.get(util.as_object(flavor), "name", ""),
		"name": name,
		"entries": [[k, util.as_object(x)] | some k, x in util.as_array(object.get(util.as_object(flavor), "resources", [])); object.get(util.as_object(x), "name", "") == name],
	}
}

deny contains finding if {
	some e in gpu_quota_entries
	count(e.entries) == 0
	finding := util.item(e, {
		"msg": sprintf("%s covers %s but flavor \"%s\" gives it no nominalQuota", [e.address, e.name, e.flavor]),
		"attribute": sprintf("%s.resources", [e.path]),
	})
}

deny contains finding if {
	some e in gpu_quota_entries
	some entry in e.entries
	not gpu.whole(object.get(entry[1], "nominalQuota", null))
	finding := util.item(e, {
		"msg": sprintf("%s: %s in flavor \"%s\" has no whole-number nominalQuota (%v)", [e.address, e.name, e.flavor, object.get(entry[1], "nominalQuota", null)]),
		"attribute": sprintf("%s.resources[%d].nominalQuota", [e.path, entry[0]]),
	})
}

deny contains finding if {
	some e in gpu_quota_entries
	_named(e.cohort)
	some entry in e.entries
	not gpu.whole(object.get(entry[1], "borrowingLimit", null))
	finding := util.item(e, {
		"msg": sprintf("%s is in cohort \"%s\" but %s in flavor \"%s\" has no borrowingLimit: it may borrow every idle GPU of the cohort", [e.address, e.cohort, e.name, e.flavor]),
		"attribute": sprintf("%s.resources[%d].borrowingLimit", [e.path, entry[0]]),
	})
}
