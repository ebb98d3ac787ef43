# METADATA
# title: GPU node groups are capped, tainted and tagged for cost
# description: >-
#   Terraform GPU node groups — aws_eks_node_group with a GPU instance type
#   (gpu_instance_types: p3, p4d, p5, g4dn, g5, g6, ...) or a GPU AMI type (*_GPU,
#   *_NVIDIA), node groups of the terraform-aws-modules EKS module (eks_managed_node_groups)
#   and its eks-managed-node-group submodule, azurerm_kubernetes_cluster_node_pool with a
#   Standard_N* GPU size — scale to at most gpu_node_group_max_nodes nodes (max_size;
#   max_count, or node_count without autoscaling), carry a GPU taint (gpu_taints keys,
#   NoSchedule or NoExecute) so that only GPU pods land on them, and the cost tags
#   (gpu_node_group_required_tags, default cost-center and system-owner; effective tags
#   include the AWS provider's default_tags). A value that cannot be resolved is reported
#   as not verifiable.
# scope: package
# custom:
#   id: GPU-07
#   severity: high
#   family: gpu
#   controls: []
#   regulatory: false
#   applies_to: [aws_eks_node_group, azurerm_kubernetes_cluster_node_pool, module]
#   remediation: >-
#     Set the node group's max_size / max_count within gpu_node_group_max_nodes, add a taint
#     (EKS: key nvidia.com/gpu, effect NO_SCHEDULE; AKS: node_taints
#     ["sku=gpu:NoSchedule"]) and the cost-center and system-owner tags.
package gitops_compliance.gpu.gpu07

import data.gitops_compliance.lib.gpu
import data.gitops_compliance.lib.util

params := data.gitops_compliance.params

max_nodes := params.gpu_node_group_max_nodes

taint_keys := {t.key | some t in params.gpu_taints}

# --- GPU node groups, normalized ------------------------------------------------------
# {address, file, what, at (attribute prefix), max, max_attr, taints, taint_attr, tags}
# taints: a list of {key, value, effect} or an $unknown value.

groups contains g if {
	some r in input.resources
	r.kind == "terraform"
	r.type == "aws_eks_node_group"
	config := util.as_object(r.config)
	_aws_gpu(config)
	scaling := _first_block(object.get(config, "scaling_config", []))
	g := {
		"address": r.address, "file": object.get(r, "file", ""), "what": r.address,
		"max": object.get(scaling, "max_size", null), "max_attr": "scaling_config[0].max_size",
		"taints": _aws_taints(object.get(config, "taint", [])), "taint_attr": "taint",
		"tags": object.get(r, "tags", object.get(config, "tags", {})), "tags_attr": "tags",
	}
}

groups contains g if {
	some r in input.resources
	r.kind == "terraform"
	r.type == "azurerm_kubernetes_cluster_node_pool"
	config := util.as_object(r.config)
	_gpu_type(object.get(config, "vm_size", ""))
	size := _azure_size(config)
	g := {
		"address": r.address, "file": object.get(r, "file", ""), "what": r.address,
		"max": size.value, "max_attr": size.attr,
		"taints": _azure_taints(object.get(config, "node_taints", [])), "taint_attr": "node_taints",
		"tags": object.get(r, "tags", object.get(config, "tags", {})), "tags_attr": "tags",
	}
}

# terraform-aws-modules/eks: eks_managed_node_groups = { name = {...} }, over
# eks_managed_node_group_defaults (v20); the submodule's defaults: max_size 3.
groups contains g if {
	some r in input.resources
	r.kind == "terraform"
	r.type == "module"
	config := util.as_object(r.config)
	object.get(config, "create", true) != false
	some name, raw in util.as_object(object.get(config, "eks_managed_node_groups", {}))
	group := object.union(util.as_object(object.get(config, "eks_managed_node_group_defaults", {})), util.as_object(raw))
	object.get(group, "create", true) != false
	_aws_gpu(group)
	at := sprintf("eks_managed_node_groups.%s.", [name])
	g := _module_group(r, group, at, sprintf("%s node group \"%s\"", [r.address, name]))
}

groups contains g if {
	some r in input.resources
	r.kind == "terraform"
	r.type == "module"
	config := util.as_object(r.config)
	source := object.get(config, "source", "")
	is_string(source)
	contains(source, "eks-managed-node-group")
	object.get(config, "create", true) != false
	_aws_gpu(config)
	g := _module_group(r, config, "", r.address)
}

_module_group(r, group, at, what) := {
	"address": r.address, "file": object.get(r, "file", ""), "what": what,
	"max": object.get(group, "max_size", 3), "max_attr": concat("", [at, "max_size"]),
	"taints": _module_taints(object.get(group, "taints", {})), "taint_attr": concat("", [at, "taints"]),
	"tags": _module_tags(r, object.get(group, "tags", {})), "tags_attr": concat("", [at, "tags"]),
}

# --- Findings ----------------------------------------------------------------------------

deny contains finding if {
	some g in groups
	gpu.whole(g.max)
	gpu.amount(g.max) > max_nodes
	finding := util.item(g, {
		"msg": sprintf("GPU node group %s scales to %v nodes, above the cap of %d", [g.what, g.max, max_nodes]),
		"attribute": g.max_attr,
	})
}

deny contains finding if {
	some g in groups
	not gpu.whole(g.max)
	finding := util.item(g, {
		"msg": sprintf("GPU node group %s: the node count cap could not be verified (%s is %s)", [g.what, g.max_attr, _shown(g.max)]),
		"attribute": g.max_attr,
	})
}

deny contains finding if {
	some g in groups
	is_array(g.taints)
	not _gpu_tainted(g.taints)
	not _unresolved_taint(g.taints)
	finding := util.item(g, {
		"msg": sprintf("GPU node group %s has no GPU taint (%s with NoSchedule or NoExecute): any pod can take its nodes", [g.what, concat(", ", sort(taint_keys))]),
		"attribute": g.taint_attr,
	})
}

deny contains finding if {
	some g in groups
	_unresolved_taint(g.taints)
	not _gpu_tainted(util.as_array(g.taints))
	finding := util.item(g, {
		"msg": sprintf("GPU node group %s: its taints could not be verified (%s)", [g.what, _shown(g.taints)]),
		"attribute": g.taint_attr,
	})
}

deny contains finding if {
	some g in groups
	not util.is_unknown(g.tags)
	tags := util.as_object(g.tags)
	missing := [k | some k in params.gpu_node_group_required_tags; not _has_value(tags, k)]
	count(missing) > 0
	finding := util.item(g, {
		"msg": sprintf("GPU node group %s lacks the cost tags %s", [g.what, concat(", ", missing)]),
		"attribute": g.tags_attr,
	})
}

deny contains finding if {
	some g in groups
	some k in params.gpu_node_group_required_tags
	_unresolved_tag(g.tags, k)
	finding := util.item(g, {
		"msg": sprintf("GPU node group %s: tag %s could not be verified", [g.what, k]),
		"attribute": sprintf("%s.%s", [g.tags_attr, k]),
	})
}

# --- Helpers -----------------------------------------------------------------------------

_gpu_type(name) if {
	is_string(name)
	some pattern in params.gpu_instance_types
	regex.match(sprintf("^(?:%s)$", [pattern]), name)
}

_aws_gpu(config) if {
	some t in util.as_array(object.get(config, "instance_types", []))
	_gpu_type(t)
}

_aws_gpu(config) if {
	ami := object.get(config, "ami_type", "")
	is_string(ami)
	regex.match(`_(GPU|NVIDIA)$`, ami)
}

_first_block(blocks) := util.as_object(util.as_array(blocks)[0]) if count(util.as_array(blocks)) > 0

_first_block(blocks) := {} if count(util.as_array(blocks)) == 0

# AKS: max_count with autoscaling (auto_scaling_enabled in azurerm v4, enable_auto_scaling
# in v3), else the fixed node_count (default 1).
_azure_size(config) := {"value": object.get(config, "max_count", null), "attr": "max_count"} if _azure_autoscaled(config)

_azure_size(config) := {"value": object.get(config, "node_count", 1), "attr": "node_count"} if not _azure_autoscaled(config)

_azure_autoscaled(config) if object.get(config, "auto_scaling_enabled", false) == true

_azure_autoscaled(config) if object.get(config, "enable_auto_scaling", false) == true

_aws_taints(value) := value if util.is_unknown(value)

_aws_taints(value) := [util.as_object(t) | some t in util.as_array(value)] if not util.is_unknown(value)

_module_taints(value) := value if util.is_unknown(value)

_module_taints(value) := [util.as_object(t) | some t in value] if is_array(value)

_module_taints(value) := [util.as_object(t) | some _, t in value] if {
	is_object(value)
	not util.is_unknown(value)
}

# "key=value:Effect" or "key:Effect" (AKS node_taints)
_azure_taints(value) := value if util.is_unknown(value)

_azure_taints(value) := [t | some text in util.as_array(value); t := _azure_taint(text)] if not util.is_unknown(value)

_azure_taint(text) := {"key": kv[0], "value": concat("=", array.slice(kv, 1, count(kv))), "effect": parts[1]} if {
	is_string(text)
	parts := split(text, ":")
	count(parts) == 2
	kv := split(parts[0], "=")
}

_azure_taint(text) := text if util.is_unknown(text)

_unresolved_taint(taints) if not is_array(taints)

_unresolved_taint(taints) if {
	some t in util.as_array(taints)
	_unknown_taint(t)
}

_unknown_taint(t) if util.is_unknown(t)

_unknown_taint(t) if {
	some field in ["key", "value", "effect"]
	util.is_unknown(object.get(util.as_object(t), field, ""))
}

_gpu_tainted(taints) if {
	some t in taints
	not util.is_unknown(t)
	some want in params.gpu_taints
	object.get(t, "key", "") == want.key
	_value_ok(t, want)
	lower(replace(sprintf("%v", [object.get(t, "effect", "")]), "_", "")) in {"noschedule", "noexecute"}
}

_value_ok(_, want) if not "value" in object.keys(want)

_value_ok(t, want) if object.get(t, "value", "") == want.value

_has_value(tags, k) if {
	v := tags[k]
	is_string(v)
	v != ""
}

_has_value(tags, k) if util.is_unknown(tags[k])

_unresolved_tag(tags, _) if util.is_unknown(tags)

_unresolved_tag(tags, k) if util.is_unknown(util.as_object(tags)[k])

_shown(value) := sprintf("unresolved: %s", [util.unknown_text(value)]) if util.is_unknown(value)

_shown(value) := sprintf("%v", [value]) if {
	not util.is_unknown(value)
	value != null
}

_shown(null) := "not set"

# A module's resources get the AWS provider's default_tags, the module's tags and the
# group's, later ones winning.
_module_tags(r, group_tags) := group_tags if util.is_unknown(group_tags)

_module_tags(r, group_tags) := tags if {
	not util.is_unknown(group_tags)
	module_tags := object.get(r, "tags", object.get(util.as_object(r.config), "tags", {}))
	not util.is_unknown(module_tags)
	tags := object.union_n([_default_tags, util.as_object(module_tags), util.as_object(group_tags)])
}

_module_tags(r, group_tags) := module_tags if {
	not util.is_unknown(group_tags)
	module_tags := object.get(r, "tags", object.get(util.as_object(r.config), "tags", {}))
	util.is_unknown(module_tags)
}

_default_tags := object.union_n([util.as_object(object.get(_first_block(object.get(util.as_object(p.config), "default_tags", [])), "tags", {})) |
	some p in input.resources
	p.kind == "terraform"
	p.address == "provider.aws"
])
