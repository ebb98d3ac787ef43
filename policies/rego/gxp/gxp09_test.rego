package gitops_compliance.gxp.gxp09_test

import data.gitops_compliance.gxp.gxp09

tf(type, name, config, tags) := {
	"address": sprintf("%s.%s", [type, name]), "kind": "terraform", "type": type, "name": name,
	"file": "azure/main.tf", "line": 1, "mode": "managed", "module": "azure", "provider": "azurerm",
	"config": config, "tags": tags,
}

provider := object.union(tf("provider", "azurerm", {"features": [{}]}, {}), {"address": "provider.azurerm", "mode": "provider"})

unit(resources) := {"contract_version": 1, "kind": "terraform", "unit": "azure", "resources": resources}

activity(categories) := tf("azurerm_monitor_diagnostic_setting", "activity", {
	"target_resource_id": {"$unknown": "data.azurerm_subscription.current.id"},
	"log_analytics_workspace_id": "/subscriptions/x/resourceGroups/y/providers/Microsoft.OperationalInsights/workspaces/audit",
	"enabled_log": [{"category": c} | some c in categories],
}, {})

all_categories := ["Administrative", "Security", "Policy"]

denied(resources) := result if {
	findings := gxp09.deny with input as unit(resources)
	result := {[f.resource, f.attribute] | some f in findings}
}

test_missing_activity_log_names_the_provider if {
	denied([provider]) == {["provider.azurerm", "activity_log"]}
}

test_activity_log_export_passes if {
	denied([provider, activity(all_categories)]) == set()
}

test_activity_log_missing_a_category_fires if {
	msgs := [f.msg | some f in gxp09.deny] with input as unit([provider, activity(["Administrative"])])
	msgs == ["provider.azurerm: no diagnostic setting in the scope exports the subscription Activity Log categories Administrative, Security and Policy (azurerm_monitor_diagnostic_setting.activity exports Administrative)"]
}

test_aks_without_audit_log_fires if {
	denied([provider, activity(all_categories), tf("azurerm_kubernetes_cluster", "ml", {"name": "ml"}, {})]) == {["azurerm_kubernetes_cluster.ml", "diagnostic_setting"]}
}

test_aks_with_kube_audit_by_reference_passes if {
	setting := tf("azurerm_monitor_diagnostic_setting", "aks", {
		"target_resource_id": {"$unknown": "azurerm_kubernetes_cluster.ml.id"},
		"enabled_log": [{"category": "kube-audit-admin"}],
	}, {})
	denied([provider, activity(all_categories), tf("azurerm_kubernetes_cluster", "ml", {"name": "ml"}, {}), setting]) == set()
}

test_gxp_storage_account_needs_versioning_and_immutability if {
	account := tf("azurerm_storage_account", "records", {"name": "records"}, {"gxp-classification": "gxp-critical"})
	denied([provider, activity(all_categories), account]) == {
		["azurerm_storage_account.records", "blob_properties.versioning_enabled"],
		["azurerm_storage_account.records", "immutability_policy"],
	}
}

test_locked_account_policy_passes if {
	account := tf("azurerm_storage_account", "records", {
		"name": "records",
		"blob_properties": [{"versioning_enabled": true}],
		"immutability_policy": [{"state": "Locked", "period_since_creation_in_days": 2557, "allow_protected_append_writes": false}],
	}, {"gxp-classification": "gxp-critical"})
	denied([provider, activity(all_categories), account]) == set()
}

test_container_policies if {
	account := tf("azurerm_storage_account", "records", {"name": "records", "blob_properties": [{"versioning_enabled": true}]}, {"gxp-classification": "gxp-supporting"})
	locked := tf("azurerm_storage_container", "locked", {"name": "locked", "storage_account_id": {"$unknown": "azurerm_storage_account.records.id"}}, {})
	open := tf("azurerm_storage_container", "open", {"name": "open", "storage_account_name": "records"}, {})
	policy := tf("azurerm_storage_container_immutability_policy", "locked", {
		"storage_container_resource_manager_id": {"$unknown": "azurerm_storage_container.locked.resource_manager_id"},
		"immutability_period_in_days": 400, "locked": true,
	}, {})
	denied([provider, activity(all_categories), account, locked, open, policy]) == {["azurerm_storage_container.open", "immutability_policy"]}
}

test_unlocked_account_policy_fires if {
	account := tf("azurerm_storage_account", "records", {
		"name": "records",
		"blob_properties": [{"versioning_enabled": true}],
		"immutability_policy": [{"state": "Unlocked", "period_since_creation_in_days": 2557}],
	}, {"gxp-classification": "gxp-critical"})
	denied([provider, activity(all_categories), account]) == {["azurerm_storage_account.records", "immutability_policy"]}
}

test_non_gxp_storage_account_is_out_of_scope if {
	denied([provider, activity(all_categories), tf("azurerm_storage_account", "tmp", {"name": "tmp"}, {"gxp-classification": "non-gxp"})]) == set()
}
