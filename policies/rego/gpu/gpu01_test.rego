package gitops_compliance.gpu.gpu01_test

import data.gitops_compliance.gpu.gpu01

workload(kind, resources) := {
	"address": sprintf("%s/ml/trainer", [kind]), "kind": "kubernetes", "type": kind,
	"name": "trainer", "file": "k8s/trainer.yaml", "line": 1, "namespace": "ml",
	"config": {"kind": kind, "spec": {"template": {"spec": {"containers": [{"name": "main", "image": "trainer:1", "resources": resources}]}}}},
}

unit(resources) := {"contract_version": 1, "kind": "kubernetes", "unit": "kubernetes", "resources": resources}

test_limits_only_passes if {
	count(gpu01.deny) == 0 with input as unit([workload("Deployment", {"limits": {"nvidia.com/gpu": 2}})])
}

test_equal_requests_pass if {
	resources := {"limits": {"nvidia.com/gpu": "2", "cpu": "4"}, "requests": {"nvidia.com/gpu": 2, "cpu": "1"}}
	count(gpu01.deny) == 0 with input as unit([workload("StatefulSet", resources)])
}

test_requests_without_limits_fire if {
	gpu01.deny == {{
		"msg": "Deployment/ml/trainer container \"main\": nvidia.com/gpu is requested (1) but not set in limits",
		"resource": "Deployment/ml/trainer",
		"file": "k8s/trainer.yaml",
		"attribute": "spec.template.spec.containers[0].resources.limits[\"nvidia.com/gpu\"]",
	}} with input as unit([workload("Deployment", {"requests": {"nvidia.com/gpu": 1}})])
}

test_requests_differing_from_limits_fire if {
	resources := {"limits": {"nvidia.com/gpu": 2}, "requests": {"nvidia.com/gpu": "1"}}
	[f.attribute | some f in gpu01.deny] == ["spec.template.spec.containers[0].resources.requests[\"nvidia.com/gpu\"]"] with input as unit([workload("Job", resources)])
}

test_fractions_fire if {
	resources := {"limits": {"nvidia.com/gpu": "0.5", "amd.com/gpu": 1.5, "nvidia.com/mig-1g.5gb": "500m"}}
	count(gpu01.deny) == 3 with input as unit([workload("Deployment", resources)])
}

# to_number("abc") raises in regorus where OPA is undefined: the policy must not reach it.
test_non_numeric_value_fires_without_error if {
	resources := {"limits": {"nvidia.com/gpu": "abc"}, "requests": {"nvidia.com/gpu": "abc"}}
	{f.attribute | some f in gpu01.deny} == {
		"spec.template.spec.containers[0].resources.limits[\"nvidia.com/gpu\"]",
		"spec.template.spec.containers[0].resources.requests[\"nvidia.com/gpu\"]",
	} with input as unit([workload("Deployment", resources)])
}

test_whole_number_spellings_pass if {
	resources := {"limits": {"nvidia.com/gpu": "2.0"}, "requests": {"nvidia.com/gpu": 2}}
	count(gpu01.deny) == 0 with input as unit([workload("Deployment", resources)])
}

test_mig_and_amd_are_gpu_resources if {
	resources := {"requests": {"nvidia.com/mig-3g.20gb": 1, "amd.com/gpu": 1}}
	count(gpu01.deny) == 2 with input as unit([workload("DaemonSet", resources)])
}

test_cpu_requests_are_not_ours if {
	resources := {"limits": {"cpu": "2"}, "requests": {"cpu": "500m", "memory": "1Gi"}}
	count(gpu01.deny) == 0 with input as unit([workload("Deployment", resources)])
}

test_init_containers_are_checked if {
	pod := {
		"address": "Pod/ml/debug", "kind": "kubernetes", "type": "Pod", "name": "debug",
		"config": {"kind": "Pod", "spec": {
			"initContainers": [{"name": "warmup", "resources": {"requests": {"nvidia.com/gpu": 1}}}],
			"containers": [{"name": "main", "resources": {"limits": {"nvidia.com/gpu": 1}}}],
		}},
	}
	[f.attribute | some f in gpu01.deny] == ["spec.initContainers[0].resources.limits[\"nvidia.com/gpu\"]"] with input as unit([pod])
}

test_cronjob_path if {
	cron := {
		"address": "CronJob/ml/nightly", "kind": "kubernetes", "type": "CronJob", "name": "nightly",
		"config": {"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"resources": {"limits": {"nvidia.com/gpu": 0.5}}}]}}}}}},
	}
	[f.msg | some f in gpu01.deny] == ["CronJob/ml/nightly container \"0\": nvidia.com/gpu in limits is 0.5, not a whole number of GPUs"] with input as unit([cron])
}

test_malformed_shapes_do_not_error if {
	odd := [
		workload("Deployment", null),
		workload("Deployment", {"limits": null, "requests": "x"}),
		{"address": "Deployment/ml/empty", "kind": "kubernetes", "type": "Deployment", "name": "empty", "config": {"kind": "Deployment"}},
		{"address": "Pod/ml/nulls", "kind": "kubernetes", "type": "Pod", "name": "nulls", "config": {"kind": "Pod", "spec": {"containers": null, "initContainers": [null, "x"]}}},
	]
	count(gpu01.deny) == 0 with input as unit(odd)
}

test_non_workload_kinds_are_ignored if {
	cm := {"address": "ConfigMap/ml/c", "kind": "kubernetes", "type": "ConfigMap", "name": "c", "config": {"kind": "ConfigMap", "spec": {"template": {"spec": {"containers": [{"resources": {"requests": {"nvidia.com/gpu": 1}}}]}}}}}
	count(gpu01.deny) == 0 with input as unit([cm])
}

test_same_address_in_two_files_fires_per_file if {
	resources := {"requests": {"nvidia.com/gpu": 1}}
	dev := object.union(workload("Deployment", resources), {"file": "envs/dev/trainer.yaml"})
	prod := object.union(workload("Deployment", resources), {"file": "envs/prod/trainer.yaml"})
	findings := gpu01.deny with input as unit([dev, prod])
	count(findings) == 2
	{f.file | some f in findings} == {"envs/dev/trainer.yaml", "envs/prod/trainer.yaml"}
}

test_operator_kinds_are_checked if {
	job := {
		"address": "PyTorchJob/ml/llama", "kind": "kubernetes", "type": "PyTorchJob", "name": "llama",
		"config": {"kind": "PyTorchJob", "spec": {"pytorchReplicaSpecs": {"Worker": {"replicas": 2, "template": {"spec": {"containers": [{"name": "pytorch", "resources": {"limits": {"nvidia.com/gpu": "0.5"}}}]}}}}}},
	}
	[f.attribute | some f in gpu01.deny] == ["spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].resources.limits[\"nvidia.com/gpu\"]"] with input as unit([job])
}
