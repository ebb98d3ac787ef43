package gitops_compliance.gpu.gpu05_test

import data.gitops_compliance.gpu.gpu05

gpu_pod := {"spec": {"containers": [{"name": "main", "resources": {"limits": {"nvidia.com/gpu": 2}}}]}}

job(labels) := {
	"address": "Job/ml/train", "kind": "kubernetes", "type": "Job", "name": "train", "file": "k8s/job.yaml", "line": 1, "namespace": "ml",
	"config": {"kind": "Job", "metadata": {"name": "train", "labels": labels}, "spec": {"template": gpu_pod}},
}

cronjob(labels) := {
	"address": "CronJob/ml/nightly", "kind": "kubernetes", "type": "CronJob", "name": "nightly", "file": "k8s/cron.yaml", "line": 1, "namespace": "ml",
	"config": {"kind": "CronJob", "metadata": {"labels": {queue: "gpu"}}, "spec": {"jobTemplate": {"metadata": {"labels": labels}, "spec": {"template": gpu_pod}}}},
}

queue := "kueue.x-k8s.io/queue-name"

local_queue(name) := {"address": sprintf("LocalQueue/ml/%s", [name]), "kind": "kubernetes", "type": "LocalQueue", "name": name, "file": "k8s/kueue.yaml", "line": 1, "namespace": "ml", "config": {"kind": "LocalQueue", "spec": {"clusterQueue": "ml"}}}

cluster_queue(spec) := {"address": "ClusterQueue/ml", "kind": "kubernetes", "type": "ClusterQueue", "name": "ml", "file": "k8s/kueue.yaml", "line": 1, "namespace": null, "config": {"kind": "ClusterQueue", "spec": spec}}

unit(resources) := {"contract_version": 1, "kind": "kubernetes", "unit": "kubernetes", "resources": resources}

findings(resources) := result if {
	result := {[f.resource, f.attribute] | some f in gpu05.deny} with input as unit(resources)
}

test_queued_gpu_jobs_pass if {
	findings([job({queue: "gpu"}), cronjob({queue: "gpu"}), local_queue("gpu")]) == set()
}

test_gpu_job_without_queue_fires if {
	findings([job({}), cronjob({})]) == {
		["Job/ml/train", "metadata.labels[\"kueue.x-k8s.io/queue-name\"]"],
		# a label on the CronJob itself does not reach the Jobs it creates
		["CronJob/ml/nightly", "spec.jobTemplate.metadata.labels[\"kueue.x-k8s.io/queue-name\"]"],
	}
}

test_non_gpu_job_needs_no_queue if {
	cpu := json.patch(job({}), [{"op": "replace", "path": "/config/spec/template/spec/containers/0/resources", "value": {"limits": {"cpu": "2"}}}])
	findings([cpu]) == set()
}

test_unknown_local_queue_fires if {
	findings([job({queue: "gpu-trainig"}), local_queue("gpu-training")]) == {["Job/ml/train", "metadata.labels[\"kueue.x-k8s.io/queue-name\"]"]}
}

gpu_group(resources) := {"resourceGroups": [{"coveredResources": ["cpu", "nvidia.com/gpu"], "flavors": [{"name": "a100", "resources": resources}]}]}

test_cluster_queue_with_quota_passes if {
	findings([cluster_queue(gpu_group([{"name": "cpu", "nominalQuota": 64}, {"name": "nvidia.com/gpu", "nominalQuota": "8"}]))]) == set()
	in_cohort := object.union(gpu_group([{"name": "cpu", "nominalQuota": 64}, {"name": "nvidia.com/gpu", "nominalQuota": 8, "borrowingLimit": 0}]), {"cohort": "research"})
	findings([cluster_queue(in_cohort)]) == set()
}

test_cluster_queue_without_gpu_quota_fires if {
	findings([cluster_queue(gpu_group([{"name": "cpu", "nominalQuota": 64}]))]) == {["ClusterQueue/ml", "spec.resourceGroups[0].flavors[0].resources"]}
	findings([cluster_queue(gpu_group([{"name": "nvidia.com/gpu"}]))]) == {["ClusterQueue/ml", "spec.resourceGroups[0].flavors[0].resources[0].nominalQuota"]}
}

test_cohort_without_borrowing_limit_fires if {
	spec := object.union(gpu_group([{"name": "cpu", "nominalQuota": 64}, {"name": "nvidia.com/gpu", "nominalQuota": 8}]), {"cohort": "research"})
	findings([cluster_queue(spec)]) == {["ClusterQueue/ml", "spec.resourceGroups[0].flavors[0].resources[1].borrowingLimit"]}
}

test_default_local_queue_needs_no_label if {
	findings([job({}), cronjob({}), local_queue("default")]) == set()
	other_namespace := object.union(local_queue("default"), {"namespace": "web", "address": "LocalQueue/web/default"})
	count(findings([job({}), other_namespace])) == 1
}
