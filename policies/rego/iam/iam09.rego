# METADATA
# title: No Owner, Contributor or User Access Administrator at subscription scope or above
# description: >-
#   An azurerm_role_assignment of a privileged built-in role — Owner, Contributor or User
#   Access Administrator, by role_definition_name (case-insensitive) or by its well-known
#   role definition id — must not be scoped to the tenant root ("/"), a management group or
#   a whole subscription: scope it to a resource group or a resource. A scope written as a
#   reference (data.azurerm_subscription.x.id, azurerm_management_group.x.id) is judged by
#   what it references; any other unresolved scope or role is reported as not verifiable.
# scope: package
# custom:
#   id: IAM-09
#   severity: high
#   family: iam
#   controls: ["21CFR11.10(d)", "21CFR11.10(g)", "EUANNEX11-12.1"]
#   applies_to: [azurerm_role_assignment]
#   remediation: >-
#     Assign the role on the resource group or resource that needs it, or use a narrower
#     built-in or custom role; keep subscription-wide ownership with break-glass accounts
#     managed outside GitOps (PIM).
package gitops_compliance.iam.iam09

import data.gitops_compliance.lib.util

_privileged_names := {"owner", "contributor", "user access administrator"}

# Built-in role definition GUIDs (the same in every tenant).
_privileged_ids := {
	"8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
	"b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
	"18d7d88d-d35d-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
}

_assignments contains r if {
	some r in input.resources
	r.kind == "terraform"
	r.type == "azurerm_role_assignment"
	object.get(r, "mode", "managed") == "managed"
}

# The role's display name when it is privileged.
_role(config) := name if {
	name := config.role_definition_name
	is_string(name)
	lower(trim_space(name)) in _privileged_names
}

_role(config) := name if {
	id := config.role_definition_id
	is_string(id)
	some guid, name in _privileged_ids
	endswith(lower(trim_space(id)), guid)
}

_unknown_role(config) if util.is_unknown(object.get(config, "role_definition_name", null))

_unknown_role(config) if {
	id := object.get(config, "role_definition_id", null)
	util.is_unknown(id)
	not _names_a_role(util.unknown_text(id))
}

# A reference to a role definition resource or data source is a custom or looked-up role;
# only its name would tell, so only a literal GUID template is judged.
_names_a_role(text) if regex.match(`(?i)azurerm_role_definition\.`, text)

# "root", "management group" or "subscription" when the scope is that wide.
_scope_level(scope) := "root" if {
	is_string(scope)
	trim_space(scope) == "/"
}

_scope_level(scope) := "management group" if {
	is_string(scope)
	regex.match(`(?i)^/providers/microsoft\.management/managementgroups/[^/]+/?$`, trim_space(scope))
}

_scope_level(scope) := "subscription" if {
	is_string(scope)
	regex.match(`(?i)^/subscriptions/[^/]+/?$`, trim_space(scope))
}

_scope_level(scope) := "subscription" if {
	util.is_unknown(scope)
	regex.match(`^"?\$?\{?data\.azurerm_subscription\.[A-Za-z0-9_-]+\.id\}?"?$`, trim_space(util.unknown_text(scope)))
}

_scope_level(scope) := "management group" if {
	util.is_unknown(scope)
	regex.match(`^"?\$?\{?(data\.)?azurerm_management_group\.[A-Za-z0-9_-]+\.id\}?"?$`, trim_space(util.unknown_text(scope)))
}

# References to something narrower: resource groups and resources of this configuration.
_narrow_reference(scope) if {
	util.is_unknown(scope)
	text := trim_space(util.unknown_text(scope))
	regex.match(`^"?\$?\{?(data\.)?azurerm_[a-z0-9_]+\.[A-Za-z0-9_-]+(\[[^\]]*\])?\.id\}?"?$`, text)
	not regex.match(`azurerm_(subscription|management_group)\.`, text)
}

# A template that already shows a resource group below a subscription.
_narrow_reference(scope) if {
	util.is_unknown(scope)
	regex.match(`(?i)/resourcegroups/`, util.unknown_text(scope))
}

deny contains finding if {
	some r in _assignments
	config := util.as_object(r.config)
	role := _role(config)
	level := _scope_level(object.get(config, "scope", null))
	finding := util.item(r, {
		"msg": sprintf("%s assigns %s at %s scope", [r.address, role, level]),
		"attribute": "scope",
	})
}

deny contains finding if {
	some r in _assignments
	config := util.as_object(r.config)
	role := _role(config)
	scope := object.get(config, "scope", null)
	util.is_unknown(scope)
	not _scope_level(scope)
	not _narrow_reference(scope)
	finding := util.item(r, {
		"msg": sprintf("%s assigns %s; its scope could not be verified (unresolved: %s)", [r.address, role, util.unknown_text(scope)]),
		"attribute": "scope",
	})
}

deny contains finding if {
	some r in _assignments
	config := util.as_object(r.config)
	_unknown_role(config)
	level := _scope_level(object.get(config, "scope", null))
	finding := util.item(r, {
		"msg": sprintf("%s assigns a role that could not be verified at %s scope", [r.address, level]),
		"attribute": "role_definition_name",
	})
}
