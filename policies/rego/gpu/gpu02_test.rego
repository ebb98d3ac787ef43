package gitops_compliance.gpu.gpu02_test

import data.gitops_compliance.gpu.gpu02

gpus(n) := {"limits": {"nvidia.com/gpu": n}}

container(name, n) := {"name": name, "image": "trainer:1", "resources": gpus(n)}

workload(kind, spec) := {
	"address": sprintf("%s/ml/trainer", [kind]), "kind": "kubernetes", "type": kind,
	"name": "trainer", "file": "k8s/trainer.yaml", "line": 1, "namespace": "ml",
	"config": {"kind": kind, "metadata": {"name": "trainer", "namespace": "ml"}, "spec": spec},
}

deployment(replicas, pod_spec) := workload("Deployment", {"replicas": replicas, "template": {"spec": pod_spec}})

hpa(kind, name, max_replicas) := {
	"address": "HorizontalPodAutoscaler/ml/trainer", "kind": "kubernetes", "type": "HorizontalPodAutoscaler",
	"name": "trainer", "file": "k8s/hpa.yaml", "line": 1, "namespace": "ml",
	"config": {"kind": "HorizontalPodAutoscaler", "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": kind, "name": name}, "minReplicas": 1, "maxReplicas": max_replicas}},
}

unit(resources) := {"contract_version": 1, "kind": "kubernetes", "unit": "kubernetes", "resources": resources}

attributes(resources) := result if {
	findings := gpu02.deny with input as unit(resources)
	result := {f.attribute | some f in findings}
}

test_within_every_cap_passes if {
	count(gpu02.deny) == 0 with input as unit([deployment(2, {"containers": [container("main", 4)]})])
}

test_container_above_cap_fires if {
	attributes([deployment(1, {"containers": [container("main", 9)]})]) == {
		"spec.template.spec.containers[0].resources.limits[\"nvidia.com/gpu\"]",
		"spec.template.spec",
	}
}

test_container_cap_is_per_container_not_per_pod if {
	# two containers of 5: each within the per-container cap, the pod (10) above its cap;
	# the bare Pod's workload total is the same number, reported once
	findings := gpu02.deny with input as unit([workload("Pod", {"containers": [container("a", 5), container("b", 5)]})])
	[[f.attribute, f.msg] | some f in findings] == [["spec", "Pod/ml/trainer: each pod asks for 10 nvidia.com/gpu (effective request: init containers, app containers and sidecars), above the cap of 8 per pod"]]
}

# max(biggest init container, sum of app containers): init 8 runs alone, before 4 + 4.
test_init_container_does_not_add_to_app_containers if {
	spec := {"initContainers": [container("warmup", 8)], "containers": [container("a", 4), container("b", 4)]}
	count(gpu02.deny) == 0 with input as unit([deployment(1, spec)])
}

# A sidecar (restartPolicy: Always) keeps running beside the app containers: 1 + 4 + 4.
test_sidecar_init_container_adds_to_app_containers if {
	sidecar := object.union(container("proxy", 1), {"restartPolicy": "Always"})
	spec := {"initContainers": [sidecar], "containers": [container("a", 4), container("b", 4)]}
	attributes([deployment(1, spec)]) == {"spec.template.spec"}
}

# An init container runs beside the sidecars started before it: 2 + 7 = 9 > 8.
test_sidecar_before_init_container_adds_to_it if {
	sidecar := object.union(container("proxy", 2), {"restartPolicy": "Always"})
	spec := {"initContainers": [sidecar, container("warmup", 7)], "containers": [container("a", 1)]}
	"spec.template.spec" in attributes([deployment(1, spec)])
	after := {"initContainers": [container("warmup", 7), sidecar], "containers": [container("a", 1)]}
	not "spec.template.spec" in attributes([deployment(1, after)])
}

test_replicas_times_pod_above_workload_cap_fires if {
	findings := gpu02.deny with input as unit([deployment(3, {"containers": [container("main", 4)]})])
	[f.msg | some f in findings] == ["Deployment/ml/trainer runs 12 GPUs of nvidia.com/gpu at once (3 replicas x 4 per pod), above the cap of 8 per workload"]
}

test_hpa_max_replicas_replaces_replicas if {
	resources := [deployment(1, {"containers": [container("main", 2)]}), hpa("Deployment", "trainer", 5)]
	attributes(resources) == {"spec.replicas"}
	# an HPA of another workload, or of another kind of the same name, does not count
	count(gpu02.deny) == 0 with input as unit([deployment(1, {"containers": [container("main", 2)]}), hpa("StatefulSet", "trainer", 5)])
}

# The HPA may live in another unit: data.inventory holds the whole scope.
test_hpa_from_inventory_counts if {
	count(gpu02.deny) == 1 with input as unit([deployment(1, {"containers": [container("main", 2)]})])
		with data.inventory as {"terraform": [], "kubernetes": [hpa("Deployment", "trainer", 5)]}
}

test_job_parallelism_capped_by_completions if {
	spec := {"parallelism": 4, "completions": 2, "template": {"spec": {"containers": [container("main", 4)]}}}
	count(gpu02.deny) == 0 with input as unit([workload("Job", spec)])
	wide := {"parallelism": 3, "template": {"spec": {"containers": [container("main", 4)]}}}
	attributes([workload("Job", wide)]) == {"spec.parallelism"}
}

test_cronjob_counts_its_job if {
	spec := {"schedule": "0 2 * * *", "jobTemplate": {"spec": {"parallelism": 4, "template": {"spec": {"containers": [container("main", 4)]}}}}}
	attributes([workload("CronJob", spec)]) == {"spec.jobTemplate.spec.parallelism"}
}

test_daemonset_is_counted_per_node if {
	spec := {"template": {"spec": {"containers": [container("main", 8)]}}}
	count(gpu02.deny) == 0 with input as unit([workload("DaemonSet", spec)])
}

test_mig_slices_are_their_own_resource if {
	spec := {"containers": [{"name": "main", "resources": {"limits": {"nvidia.com/gpu": 4, "nvidia.com/mig-1g.10gb": 4}}}]}
	count(gpu02.deny) == 0 with input as unit([deployment(2, spec)])
}

test_workload_cap_below_pod_cap_fires_on_a_single_pod if {
	params := object.union(data.gitops_compliance.params, {"gpu_max_per_workload": 4})
	findings := gpu02.deny with input as unit([workload("Pod", {"containers": [container("main", 6)]})])
		with data.gitops_compliance.params as params
	[f.msg | some f in findings] == ["Pod/ml/trainer runs 6 GPUs of nvidia.com/gpu at once (1 pod x 6 per pod), above the cap of 4 per workload"]
}

test_caps_are_parameters if {
	params := object.union(data.gitops_compliance.params, {"gpu_max_per_container": 16, "gpu_max_per_pod": 16, "gpu_max_per_workload": 64})
	count(gpu02.deny) == 0 with input as unit([deployment(4, {"containers": [container("main", 16)]})])
		with data.gitops_compliance.params as params
}

test_unparsable_counts_are_not_guessed if {
	spec := {"replicas": "many", "template": {"spec": {"containers": [container("main", "0.5"), container("b", null)]}}}
	count(gpu02.deny) == 0 with input as unit([workload("Deployment", spec)])
}

pytorchjob(master, workers, n) := {
	"address": "PyTorchJob/ml/llama", "kind": "kubernetes", "type": "PyTorchJob", "name": "llama",
	"file": "k8s/pytorchjob.yaml", "line": 1, "namespace": "ml",
	"config": {"kind": "PyTorchJob", "spec": {"pytorchReplicaSpecs": {
		"Master": {"replicas": master, "template": {"spec": {"containers": [container("pytorch", n)]}}},
		"Worker": {"replicas": workers, "template": {"spec": {"containers": [container("pytorch", n)]}}},
	}}},
}

# Kubeflow: the workload is every role together (1 master + 3 workers) x 4 = 16 > 8.
test_operator_roles_add_up if {
	findings := gpu02.deny with input as unit([pytorchjob(1, 3, 4)])
	[[f.attribute, f.msg] | some f in findings] == [["spec", "PyTorchJob/ml/llama runs 16 GPUs of nvidia.com/gpu at once (spec.pytorchReplicaSpecs.Master: 1 x 4 + spec.pytorchReplicaSpecs.Worker: 3 x 4), above the cap of 8 per workload"]]
	count(gpu02.deny) == 0 with input as unit([pytorchjob(1, 1, 4)])
}

test_operator_pod_cap_is_per_role if {
	attributes([pytorchjob(1, 0, 9)]) == {
		"spec.pytorchReplicaSpecs.Master.template.spec",
		"spec.pytorchReplicaSpecs.Master.template.spec.containers[0].resources.limits[\"nvidia.com/gpu\"]",
		"spec.pytorchReplicaSpecs.Worker.template.spec",
		"spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].resources.limits[\"nvidia.com/gpu\"]",
		"spec",
	}
}

test_jobset_and_leaderworkerset_pod_counts if {
	jobset := {
		"address": "JobSet/ml/train", "kind": "kubernetes", "type": "JobSet", "name": "train", "file": "k8s/js.yaml", "line": 1, "namespace": "ml",
		"config": {"kind": "JobSet", "spec": {"replicatedJobs": [{"name": "workers", "replicas": 2, "template": {"spec": {"parallelism": 2, "completions": 2, "template": {"spec": {"containers": [container("w", 2)]}}}}}]}},
	}
	# 2 jobs x 2 pods x 2 GPUs = 8: at the cap
	count(gpu02.deny) == 0 with input as unit([jobset])
	lws := {
		"address": "LeaderWorkerSet/ml/llm", "kind": "kubernetes", "type": "LeaderWorkerSet", "name": "llm", "file": "k8s/lws.yaml", "line": 1, "namespace": "ml",
		"config": {"kind": "LeaderWorkerSet", "spec": {"replicas": 2, "leaderWorkerTemplate": {"size": 2, "leaderTemplate": {"spec": {"containers": [container("l", 2)]}}, "workerTemplate": {"spec": {"containers": [container("w", 2)]}}}}},
	}
	# 2 groups x (1 leader + 1 worker) x 2 GPUs = 8; size 3 gives 2 x (2 + 4) = 12
	count(gpu02.deny) == 0 with input as unit([lws])
	bigger := json.patch(lws, [{"op": "replace", "path": "/config/spec/leaderWorkerTemplate/size", "value": 3}])
	[f.msg | some f in gpu02.deny] == ["LeaderWorkerSet/ml/llm runs 12 GPUs of nvidia.com/gpu at once (spec.leaderWorkerTemplate.leaderTemplate: 2 x 2 + spec.leaderWorkerTemplate.workerTemplate: 4 x 2), above the cap of 8 per workload"] with input as unit([bigger])
}

# The init container runs before the app containers but its GPUs are held by the pod too.
test_big_init_container_sets_the_pod_request if {
	params := object.union(data.gitops_compliance.params, {"gpu_max_per_container": 16})
	spec := {"initContainers": [container("warmup", 12)], "containers": [container("main", 1)]}
	findings := gpu02.deny with input as unit([deployment(1, spec)]) with data.gitops_compliance.params as params
	[f.msg | some f in findings] == ["Deployment/ml/trainer: each pod asks for 12 nvidia.com/gpu (effective request: init containers, app containers and sidecars), above the cap of 8 per pod"]
}
