package gitops_compliance.gpu.gpu07_test

import data.gitops_compliance.gpu.gpu07

gpu_taint := [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}]

cost_tags := {"cost-center": "CC-4720", "system-owner": "ml-platform"}

node_group(config, tags) := {
	"address": "aws_eks_node_group.gpu", "kind": "terraform", "type": "aws_eks_node_group", "name": "gpu",
	"file": "eks.tf", "line": 1, "mode": "managed", "module": ".", "provider": "aws", "tags": tags,
	"config": object.union({"instance_types": ["p4d.24xlarge"], "scaling_config": [{"min_size": 0, "max_size": 4, "desired_size": 0}], "taint": gpu_taint}, config),
}

unit(resources) := {"contract_version": 1, "kind": "terraform", "unit": ".", "resources": resources}

findings(resources) := result if {
	result := {[f.resource, f.attribute] | some f in gpu07.deny} with input as unit(resources)
}

test_capped_tainted_tagged_group_passes if {
	findings([node_group({}, cost_tags)]) == set()
}

test_uncapped_untainted_untagged_group_fires if {
	group := node_group({"scaling_config": [{"max_size": 20}], "taint": []}, {"Name": "gpu"})
	findings([group]) == {
		["aws_eks_node_group.gpu", "scaling_config[0].max_size"],
		["aws_eks_node_group.gpu", "taint"],
		["aws_eks_node_group.gpu", "tags"],
	}
	msgs := {f.msg | some f in gpu07.deny} with input as unit([group])
	"GPU node group aws_eks_node_group.gpu scales to 20 nodes, above the cap of 8" in msgs
	"GPU node group aws_eks_node_group.gpu lacks the cost tags cost-center, system-owner" in msgs
}

test_gpu_detection if {
	# a GPU AMI type marks a GPU group even with an instance type list not ours
	findings([node_group({"instance_types": ["x9.large"], "ami_type": "AL2023_x86_64_NVIDIA", "taint": []}, cost_tags)]) == {["aws_eks_node_group.gpu", "taint"]}
	findings([node_group({"instance_types": ["g5.12xlarge"], "taint": []}, cost_tags)]) == {["aws_eks_node_group.gpu", "taint"]}
	# CPU groups are not ours; neither are similar-looking families (m6g is not g6)
	findings([node_group({"instance_types": ["m6i.xlarge", "m6g.large"], "taint": []}, {})]) == set()
}

test_preferred_or_foreign_taints_do_not_count if {
	findings([node_group({"taint": [{"key": "nvidia.com/gpu", "effect": "PREFER_NO_SCHEDULE"}]}, cost_tags)]) == {["aws_eks_node_group.gpu", "taint"]}
	findings([node_group({"taint": [{"key": "dedicated", "value": "ml", "effect": "NO_SCHEDULE"}]}, cost_tags)]) == {["aws_eks_node_group.gpu", "taint"]}
}

test_unresolved_values_are_not_verified if {
	group := node_group({"scaling_config": [{"max_size": {"$unknown": "var.max"}}], "taint": {"$unknown": "dynamic \"taint\" (for_each = var.taints)"}}, {"cost-center": {"$unknown": "var.cc"}, "system-owner": "x"})
	msgs := {f.msg | some f in gpu07.deny} with input as unit([group])
	msgs == {
		"GPU node group aws_eks_node_group.gpu: the node count cap could not be verified (scaling_config[0].max_size is unresolved: var.max)",
		"GPU node group aws_eks_node_group.gpu: its taints could not be verified (unresolved: dynamic \"taint\" (for_each = var.taints))",
		"GPU node group aws_eks_node_group.gpu: tag cost-center could not be verified",
	}
}

aks_pool(config) := {
	"address": "azurerm_kubernetes_cluster_node_pool.gpu", "kind": "terraform", "type": "azurerm_kubernetes_cluster_node_pool", "name": "gpu",
	"file": "aks.tf", "line": 1, "mode": "managed", "module": ".", "provider": "azurerm", "tags": cost_tags,
	"config": object.union({"vm_size": "Standard_NC24ads_A100_v4", "auto_scaling_enabled": true, "max_count": 4, "node_taints": ["sku=gpu:NoSchedule"]}, config),
}

test_aks_gpu_pool if {
	findings([aks_pool({})]) == set()
	findings([aks_pool({"max_count": 12, "node_taints": ["sku=gpu:PreferNoSchedule"]})]) == {
		["azurerm_kubernetes_cluster_node_pool.gpu", "max_count"],
		["azurerm_kubernetes_cluster_node_pool.gpu", "node_taints"],
	}
	# without autoscaling the pool has node_count nodes
	findings([aks_pool({"auto_scaling_enabled": false, "node_count": 10})]) == {["azurerm_kubernetes_cluster_node_pool.gpu", "node_count"]}
	findings([aks_pool({"vm_size": "Standard_D8s_v5", "node_taints": []})]) == set()
}

eks_module(groups, tags) := {
	"address": "module.eks", "kind": "terraform", "type": "module", "name": "eks", "file": "eks.tf", "line": 1,
	"mode": "module", "module": ".", "provider": "", "tags": tags,
	"config": {"source": "terraform-aws-modules/eks/aws", "eks_managed_node_groups": groups, "tags": tags},
}

provider := {
	"address": "provider.aws", "kind": "terraform", "type": "provider", "name": "aws", "file": "providers.tf", "line": 1,
	"mode": "provider", "module": ".", "provider": "aws", "tags": {},
	"config": {"default_tags": [{"tags": {"cost-center": "CC-4720"}}]},
}

test_eks_module_node_groups if {
	groups := {
		"system": {"instance_types": ["m6i.large"], "max_size": 30},
		"gpu": {"ami_type": "AL2023_x86_64_NVIDIA", "instance_types": ["p5.48xlarge"], "max_size": 2, "taints": {"gpu": {"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}}, "tags": {"system-owner": "ml"}},
	}
	# cost-center from the provider's default_tags, system-owner from the group
	findings([eks_module(groups, {}), provider]) == set()
	findings([eks_module(groups, {})]) == {["module.eks", "eks_managed_node_groups.gpu.tags"]}
	# the submodule's max_size defaults to 3
	bare := {"gpu": {"instance_types": ["g6.xlarge"], "tags": cost_tags}}
	findings([eks_module(bare, {})]) == {["module.eks", "eks_managed_node_groups.gpu.taints"]}
}

test_module_with_unresolved_taints_is_not_verified if {
	node_group_module := {
		"address": "module.gpu_nodes", "kind": "terraform", "type": "module", "name": "gpu_nodes", "file": "eks.tf", "line": 1,
		"mode": "module", "module": ".", "provider": "", "tags": cost_tags,
		"config": {"source": "terraform-aws-modules/eks/aws//modules/eks-managed-node-group", "ami_type": "BOTTLEROCKET_x86_64_NVIDIA", "taints": {"$unknown": "var.taints"}, "tags": cost_tags},
	}
	findings([node_group_module]) == {["module.gpu_nodes", "taints"]}
}

test_disabled_module_groups_are_skipped if {
	groups := {"gpu": {"create": false, "instance_types": ["p5.48xlarge"], "max_size": 40}}
	findings([eks_module(groups, cost_tags)]) == set()
	disabled := json.patch(eks_module({"gpu": {"instance_types": ["p5.48xlarge"], "max_size": 40}}, cost_tags), [{"op": "add", "path": "/config/create", "value": false}])
	findings([disabled]) == set()
}
