package gitops_compliance.gpu.gpu04_test

import data.gitops_compliance.gpu.gpu04

gpu_toleration := {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}

workload(kind, address, labels, pod_spec) := {
	"address": address, "kind": "kubernetes", "type": kind, "name": split(address, "/")[2],
	"file": "k8s/app.yaml", "line": 1, "namespace": split(address, "/")[1],
	"config": {"kind": kind, "metadata": {"labels": labels}, "spec": {"template": {"spec": pod_spec}}},
}

gpu_container := {"name": "main", "resources": {"limits": {"nvidia.com/gpu": 1}}}

cpu_container := {"name": "main", "resources": {"limits": {"cpu": "1"}}}

unit(resources) := {"contract_version": 1, "kind": "kubernetes", "unit": "kubernetes", "resources": resources}

findings(resources) := result if {
	result := {[f.resource, f.attribute] | some f in gpu04.deny} with input as unit(resources)
}

test_gpu_pod_with_toleration_and_selector_passes if {
	spec := {"containers": [gpu_container], "tolerations": [gpu_toleration], "nodeSelector": {"nvidia.com/gpu.present": "true"}}
	findings([workload("Deployment", "Deployment/ml/server", {}, spec)]) == set()
}

test_gpu_pod_without_toleration_or_selector_fires if {
	findings([workload("Deployment", "Deployment/ml/server", {}, {"containers": [gpu_container]})]) == {
		["Deployment/ml/server", "spec.template.spec.tolerations"],
		["Deployment/ml/server", "spec.template.spec.nodeSelector"],
	}
}

# Equal needs the taint's value when the parameter gives one (sku=gpu on AKS).
test_toleration_semantics if {
	selector := {"nvidia.com/gpu.present": "true"}
	good := [
		{"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"},
		{"key": "nvidia.com/gpu"},
		{"key": "sku", "value": "gpu"},
		{"operator": "Exists"},
	]
	every t in good {
		findings([workload("Job", "Job/ml/train", {}, {"containers": [gpu_container], "tolerations": [t], "nodeSelector": selector})]) == set()
	}
	bad := [
		{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoExecute"},
		{"key": "sku", "value": "cpu"},
		{"key": "dedicated", "operator": "Exists"},
	]
	every t in bad {
		findings([workload("Job", "Job/ml/train", {}, {"containers": [gpu_container], "tolerations": [t], "nodeSelector": selector})]) == {["Job/ml/train", "spec.template.spec.tolerations"]}
	}
}

test_required_node_affinity_selects_gpu_nodes if {
	term := {"matchExpressions": [{"key": "nvidia.com/gpu.product", "operator": "In", "values": ["NVIDIA-A100-SXM4-80GB"]}]}
	affinity := {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}}}
	findings([workload("Job", "Job/ml/train", {}, {"containers": [gpu_container], "tolerations": [gpu_toleration], "affinity": affinity})]) == set()
	# terms are ORed: a second term without an accelerator label lets the pod go anywhere
	loose := {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term, {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}]}}}
	findings([workload("Job", "Job/ml/train", {}, {"containers": [gpu_container], "tolerations": [gpu_toleration], "affinity": loose})]) == {["Job/ml/train", "spec.template.spec.nodeSelector"]}
}

test_non_gpu_pod_tolerating_gpu_taint_fires if {
	findings([workload("Deployment", "Deployment/web/api", {}, {"containers": [cpu_container], "tolerations": [{"operator": "Exists"}]})]) == {["Deployment/web/api", "spec.template.spec.tolerations"]}
	findings([workload("Deployment", "Deployment/web/api", {}, {"containers": [cpu_container], "tolerations": [{"key": "dedicated", "operator": "Exists"}]})]) == set()
}

test_exempt_daemonsets_may_tolerate_everything if {
	spec := {"containers": [cpu_container], "tolerations": [{"operator": "Exists"}]}
	findings([workload("DaemonSet", "DaemonSet/monitoring/prometheus-node-exporter", {}, spec)]) == set()
	findings([workload("DaemonSet", "DaemonSet/batch/image-prepuller", {}, spec)]) == {["DaemonSet/batch/image-prepuller", "spec.template.spec.tolerations"]}
}

kueue := [
	{"address": "LocalQueue/ml/gpu", "kind": "kubernetes", "type": "LocalQueue", "name": "gpu", "namespace": "ml", "file": "k8s/kueue.yaml", "config": {"kind": "LocalQueue", "spec": {"clusterQueue": "ml-gpu"}}},
	{"address": "ClusterQueue/ml-gpu", "kind": "kubernetes", "type": "ClusterQueue", "name": "ml-gpu", "namespace": null, "file": "k8s/kueue.yaml", "config": {"kind": "ClusterQueue", "spec": {"resourceGroups": [{"coveredResources": ["cpu", "nvidia.com/gpu"], "flavors": [{"name": "a100", "resources": [{"name": "nvidia.com/gpu", "nominalQuota": 8}]}]}]}}},
	{"address": "ResourceFlavor/a100", "kind": "kubernetes", "type": "ResourceFlavor", "name": "a100", "namespace": null, "file": "k8s/kueue.yaml", "config": {"kind": "ResourceFlavor", "spec": {"nodeLabels": {"nvidia.com/gpu.product": "NVIDIA-A100"}, "tolerations": [gpu_toleration]}}},
]

# Kueue injects the admitted flavor's nodeLabels and tolerations.
test_kueue_flavor_supplies_toleration_and_selector if {
	job := workload("Job", "Job/ml/train", {"kueue.x-k8s.io/queue-name": "gpu"}, {"containers": [gpu_container]})
	result := {f.attribute | some f in gpu04.deny} with input as unit([job]) with data.inventory as {"terraform": [], "kubernetes": kueue}
	result == set()
	other := workload("Job", "Job/ml/train", {"kueue.x-k8s.io/queue-name": "cpu"}, {"containers": [gpu_container]})
	count(gpu04.deny) == 2 with input as unit([other]) with data.inventory as {"terraform": [], "kubernetes": kueue}
}

# Kueue's LocalQueueDefaulting: a Job without the label goes to the namespace's "default" queue.
test_default_local_queue_flavor_applies_to_unlabelled_jobs if {
	default_queue := json.patch(kueue[0], [{"op": "replace", "path": "/name", "value": "default"}])
	scope := array.concat([default_queue], array.slice(kueue, 1, 3))
	job := workload("Job", "Job/ml/train", {}, {"containers": [gpu_container]})
	count(gpu04.deny) == 0 with input as unit([job]) with data.inventory as {"terraform": [], "kubernetes": scope}
	deployment := workload("Deployment", "Deployment/ml/serve", {}, {"containers": [gpu_container]})
	count(gpu04.deny) == 2 with input as unit([deployment]) with data.inventory as {"terraform": [], "kubernetes": scope}
}

role(spec) := {"replicas": 1, "template": {"spec": spec}}

# Each role of an ML operator kind is its own pod template.
test_operator_roles_are_checked_each if {
	job := {
		"address": "PyTorchJob/ml/llama", "kind": "kubernetes", "type": "PyTorchJob", "name": "llama", "file": "k8s/pt.yaml", "line": 1, "namespace": "ml",
		"config": {"kind": "PyTorchJob", "spec": {"pytorchReplicaSpecs": {
			"Master": role({"containers": [gpu_container], "tolerations": [gpu_toleration], "nodeSelector": {"nvidia.com/gpu.present": "true"}}),
			"Worker": role({"containers": [gpu_container]}),
		}}},
	}
	findings([job]) == {
		["PyTorchJob/ml/llama", "spec.pytorchReplicaSpecs.Worker.template.spec.tolerations"],
		["PyTorchJob/ml/llama", "spec.pytorchReplicaSpecs.Worker.template.spec.nodeSelector"],
	}
}
