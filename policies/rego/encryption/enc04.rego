# METADATA
# title: Azure storage accounts use infrastructure encryption, TLS 1.2 and HTTPS only
# description: >-
#   An azurerm_storage_account must set infrastructure_encryption_enabled = true (a second,
#   independent layer of encryption at rest; off by default, and settable only when the
#   account is created — Checkov has no check for it). It must also not weaken transport
#   security: min_tls_version must not be TLS1_0 or TLS1_1, and HTTPS-only
#   (enable_https_traffic_only in azurerm 3.x, https_traffic_only_enabled in 4.x) must not
#   be false; left unset, azurerm 3.x and later default to TLS 1.2 and HTTPS only, and
#   Checkov's CKV_AZURE_44 and CKV_AZURE_3 check the same settings.
# scope: package
# custom:
#   id: ENC-04
#   severity: medium
#   family: encryption
#   controls: ["21CFR11.10(c)", "21CFR11.30", "EUANNEX11-7.1", "EUANNEX11-5"]
#   applies_to: [azurerm_storage_account]
#   remediation: >-
#     Set infrastructure_encryption_enabled = true (on a new account: it forces
#     replacement), min_tls_version = "TLS1_2" and keep HTTPS-only traffic on.
package gitops_compliance.encryption.enc04

import data.gitops_compliance.lib.util

_accounts contains r if {
	some r in input.resources
	r.kind == "terraform"
	r.type == "azurerm_storage_account"
	object.get(r, "mode", "managed") == "managed"
}

deny contains finding if {
	some r in _accounts
	value := object.get(util.as_object(r.config), "infrastructure_encryption_enabled", false)
	not util.is_unknown(value)
	value != true
	finding := util.item(r, {
		"msg": sprintf("%s does not enable infrastructure encryption (infrastructure_encryption_enabled)", [r.address]),
		"attribute": "infrastructure_encryption_enabled",
	})
}

deny contains finding if {
	some r in _accounts
	value := util.as_object(r.config).min_tls_version
	is_string(value)
	upper(trim_space(value)) in {"TLS1_0", "TLS1_1"}
	finding := util.item(r, {
		"msg": sprintf("%s accepts %s (min_tls_version must be TLS1_2)", [r.address, value]),
		"attribute": "min_tls_version",
	})
}

deny contains finding if {
	some r in _accounts
	some attribute in ["enable_https_traffic_only", "https_traffic_only_enabled"]
	util.as_object(r.config)[attribute] == false
	finding := util.item(r, {
		"msg": sprintf("%s allows plain HTTP (%s = false)", [r.address, attribute]),
		"attribute": attribute,
	})
}

deny contains finding if {
	some r in _accounts
	some attribute in ["infrastructure_encryption_enabled", "min_tls_version", "enable_https_traffic_only", "https_traffic_only_enabled"]
	value := util.as_object(r.config)[attribute]
	util.is_unknown(value)
	finding := util.item(r, {
		"msg": sprintf("%s: %s could not be verified (unresolved: %s)", [r.address, attribute, util.unknown_text(value)]),
		"attribute": attribute,
	})
}
