package gitops_compliance.gpu.gpu03_test

import data.gitops_compliance.gpu.gpu03

job(ns, limits) := {
	"address": sprintf("Job/%s/finetune", [ns]), "kind": "kubernetes", "type": "Job", "name": "finetune",
	"file": "k8s/job.yaml", "line": 1, "namespace": ns,
	"config": {"kind": "Job", "spec": {"template": {"spec": {"containers": [{"name": "main", "resources": {"limits": limits}}]}}}},
}

namespace(ns) := {
	"address": sprintf("Namespace/%s", [ns]), "kind": "kubernetes", "type": "Namespace", "name": ns,
	"file": "k8s/namespace.yaml", "line": 1, "namespace": null, "config": {"kind": "Namespace", "metadata": {"name": ns}},
}

quota(ns, hard) := {
	"address": sprintf("ResourceQuota/%s/gpu", [ns]), "kind": "kubernetes", "type": "ResourceQuota", "name": "gpu",
	"file": "k8s/quota.yaml", "line": 1, "namespace": ns, "config": {"kind": "ResourceQuota", "spec": {"hard": hard}},
}

unit(resources) := {"contract_version": 1, "kind": "kubernetes", "unit": "kubernetes", "resources": resources}

allocated(allocations) := object.union(data.gitops_compliance.params, {"gpu_namespace_allocations": allocations})

findings(resources, allocations) := result if {
	result := {[f.resource, f.attribute] | some f in gpu03.deny} with input as unit(resources)
		with data.gitops_compliance.params as allocated(allocations)
}

test_quota_within_allocation_passes if {
	resources := [namespace("ml"), job("ml", {"nvidia.com/gpu": 4}), quota("ml", {"requests.nvidia.com/gpu": "8", "requests.cpu": "64"})]
	findings(resources, {"ml": 8}) == set()
}

test_namespace_without_allocation_fires if {
	resources := [namespace("ml"), job("ml", {"nvidia.com/gpu": 4}), quota("ml", {"requests.nvidia.com/gpu": 8})]
	findings(resources, {"other": 8}) == {["Namespace/ml", "gpu_namespace_allocations[\"ml\"]"]}
	msgs := {f.msg | some f in gpu03.deny} with input as unit(resources) with data.gitops_compliance.params as allocated({})
	msgs == {"namespace ml runs GPU workloads (nvidia.com/gpu) but has no GPU allocation: set params.gpu_namespace_allocations[\"ml\"]"}
}

test_namespace_without_quota_fires if {
	resources := [namespace("ml"), job("ml", {"nvidia.com/gpu": 4}), quota("ml", {"requests.cpu": "64"})]
	findings(resources, {"ml": 8}) == {["Namespace/ml", "ResourceQuota.spec.hard[\"requests.nvidia.com/gpu\"]"]}
}

test_quota_above_allocation_fires if {
	resources := [namespace("ml"), job("ml", {"nvidia.com/gpu": 4}), quota("ml", {"requests.nvidia.com/gpu": "16"})]
	findings(resources, {"ml": 8}) == {["ResourceQuota/ml/gpu", "spec.hard[\"requests.nvidia.com/gpu\"]"]}
	msgs := {f.msg | some f in gpu03.deny} with input as unit(resources) with data.gitops_compliance.params as allocated({"ml": 8})
	msgs == {"ResourceQuota/ml/gpu sets requests.nvidia.com/gpu to 16, above the allocation of namespace ml (8)"}
}

# Kubernetes enforces every quota: a second, tighter one keeps the namespace within.
test_tighter_second_quota_passes if {
	tight := object.union(quota("ml", {"requests.nvidia.com/gpu": 4}), {"address": "ResourceQuota/ml/tight"})
	resources := [job("ml", {"nvidia.com/gpu": 4}), quota("ml", {"requests.nvidia.com/gpu": 16}), tight]
	findings(resources, {"ml": 8}) == set()
}

test_limits_prefix_caps_nothing if {
	resources := [namespace("ml"), job("ml", {"nvidia.com/gpu": 4}), quota("ml", {"limits.nvidia.com/gpu": 8})]
	findings(resources, {"ml": 8}) == {
		["ResourceQuota/ml/gpu", "spec.hard[\"limits.nvidia.com/gpu\"]"],
		["Namespace/ml", "ResourceQuota.spec.hard[\"requests.nvidia.com/gpu\"]"],
	}
}

# Even in a namespace without GPU workloads (yet), and unprefixed.
test_bare_gpu_key_in_any_quota_fires if {
	findings([quota("web", {"nvidia.com/gpu": 2, "cpu": "4"})], {}) == {["ResourceQuota/web/gpu", "spec.hard[\"nvidia.com/gpu\"]"]}
}

test_each_mig_key_in_use_needs_quota_and_allocation if {
	resources := [
		namespace("ml"),
		job("ml", {"nvidia.com/mig-1g.10gb": 1}),
		quota("ml", {"requests.nvidia.com/gpu": 8}),
	]
	findings(resources, {"ml": 8}) == {
		["Namespace/ml", "gpu_namespace_allocations[\"ml\"][\"nvidia.com/mig-1g.10gb\"]"],
		["Namespace/ml", "ResourceQuota.spec.hard[\"requests.nvidia.com/mig-1g.10gb\"]"],
	}
	ok := [namespace("ml"), job("ml", {"nvidia.com/mig-1g.10gb": 1}), quota("ml", {"requests.nvidia.com/mig-1g.10gb": 7})]
	findings(ok, {"ml": {"nvidia.com/gpu": 8, "nvidia.com/mig-1g.10gb": 14}}) == set()
}

# Namespace and quota in another unit (a chart's workload, the platform's namespace files).
test_namespace_and_quota_from_inventory if {
	inventory := {"terraform": [], "kubernetes": [namespace("ml"), quota("ml", {"requests.nvidia.com/gpu": 16})]}
	result := {[f.resource, f.file] | some f in gpu03.deny} with input as unit([job("ml", {"nvidia.com/gpu": 1})])
		with data.inventory as inventory
		with data.gitops_compliance.params as allocated({"ml": 8})
	result == {["ResourceQuota/ml/gpu", "k8s/quota.yaml"]}
}

# Without a Namespace object the finding names the namespace's first GPU workload.
test_undeclared_namespace_names_a_workload if {
	findings([job("ml", {"nvidia.com/gpu": 1})], {}) == {
		["Job/ml/finetune", "gpu_namespace_allocations[\"ml\"]"],
		["Job/ml/finetune", "ResourceQuota.spec.hard[\"requests.nvidia.com/gpu\"]"],
	}
}

test_unset_namespace_is_default if {
	pod := object.union(job("default", {"nvidia.com/gpu": 1}), {"namespace": null})
	findings([pod, quota("default", {"requests.nvidia.com/gpu": 1})], {"default": 1}) == set()
}

test_non_gpu_namespaces_need_nothing if {
	findings([job("web", {"cpu": "2"}), job("ml", {"nvidia.com/gpu": 0})], {}) == set()
}
