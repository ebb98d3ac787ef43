package gitops_compliance.iam.iam09_test

import data.gitops_compliance.iam.iam09

assignment(config) := {
	"address": "azurerm_role_assignment.ops", "kind": "terraform", "type": "azurerm_role_assignment",
	"name": "ops", "file": "rbac.tf", "line": 1, "mode": "managed", "config": config,
}

unit(resources) := {"contract_version": 1, "kind": "terraform", "unit": "azure", "resources": resources}

test_owner_on_subscription_fires if {
	iam09.deny == {{
		"msg": "azurerm_role_assignment.ops assigns Owner at subscription scope",
		"resource": "azurerm_role_assignment.ops", "file": "rbac.tf", "attribute": "scope",
	}} with input as unit([assignment({"role_definition_name": "Owner", "scope": "/subscriptions/00000000-0000-0000-0000-000000000000", "principal_id": "p"})])
}

test_subscription_data_source_fires if {
	[f.msg | some f in iam09.deny] == ["azurerm_role_assignment.ops assigns contributor at subscription scope"] with input as unit([assignment({"role_definition_name": "contributor", "scope": {"$unknown": "data.azurerm_subscription.primary.id"}})])
}

test_role_id_on_management_group_fires if {
	config := {
		"role_definition_id": "/providers/Microsoft.Authorization/roleDefinitions/18d7d88d-d35d-4fb5-a5c3-7773c20a72d9",
		"scope": "/providers/Microsoft.Management/managementGroups/platform",
	}
	[f.msg | some f in iam09.deny] == ["azurerm_role_assignment.ops assigns User Access Administrator at management group scope"] with input as unit([assignment(config)])
}

test_root_scope_fires if {
	count(iam09.deny) == 1 with input as unit([assignment({"role_definition_name": "Owner", "scope": "/"})])
}

test_resource_group_scope_passes if {
	count(iam09.deny) == 0 with input as unit([assignment({"role_definition_name": "Contributor", "scope": "/subscriptions/0000/resourceGroups/ml-training"})])
}

test_resource_group_reference_passes if {
	count(iam09.deny) == 0 with input as unit([assignment({"role_definition_name": "Owner", "scope": {"$unknown": "azurerm_resource_group.ml.id"}})])
}

test_reader_on_subscription_passes if {
	count(iam09.deny) == 0 with input as unit([assignment({"role_definition_name": "Reader", "scope": "/subscriptions/0000"})])
}

test_unresolved_scope_cannot_be_verified if {
	[f.msg | some f in iam09.deny] == ["azurerm_role_assignment.ops assigns Owner; its scope could not be verified (unresolved: var.scope)"] with input as unit([assignment({"role_definition_name": "Owner", "scope": {"$unknown": "var.scope"}})])
}
