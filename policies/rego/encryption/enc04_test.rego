package gitops_compliance.encryption.enc04_test

import data.gitops_compliance.encryption.enc04

account(config) := {
	"address": "azurerm_storage_account.records", "kind": "terraform", "type": "azurerm_storage_account",
	"name": "records", "file": "storage.tf", "line": 1, "mode": "managed", "config": config,
}

unit(resources) := {"contract_version": 1, "kind": "terraform", "unit": "", "resources": resources}

good := {"name": "acmerecords", "infrastructure_encryption_enabled": true, "min_tls_version": "TLS1_2"}

test_missing_infrastructure_encryption_fires if {
	enc04.deny == {{
		"msg": "azurerm_storage_account.records does not enable infrastructure encryption (infrastructure_encryption_enabled)",
		"resource": "azurerm_storage_account.records", "file": "storage.tf", "attribute": "infrastructure_encryption_enabled",
	}} with input as unit([account({"name": "acmerecords"})])
}

test_old_tls_and_http_fire if {
	findings := enc04.deny with input as unit([account(object.union(good, {"min_tls_version": "TLS1_0", "https_traffic_only_enabled": false}))])
	{f.attribute | some f in findings} == {"min_tls_version", "https_traffic_only_enabled"}
}

test_v3_http_flag_fires if {
	count(enc04.deny) == 1 with input as unit([account(object.union(good, {"enable_https_traffic_only": false}))])
}

test_compliant_account_passes if {
	count(enc04.deny) == 0 with input as unit([account(object.union(good, {"https_traffic_only_enabled": true}))])
}

test_unresolved_value_cannot_be_verified if {
	[f.msg | some f in enc04.deny] == ["azurerm_storage_account.records: infrastructure_encryption_enabled could not be verified (unresolved: var.double_encryption)"] with input as unit([account(object.union(good, {"infrastructure_encryption_enabled": {"$unknown": "var.double_encryption"}}))])
}
