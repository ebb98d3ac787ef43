# METADATA
# title: Azure keeps an audit trail and immutable, versioned GxP blobs
# description: >-
#   Azure has no published GxP initiative; this mapping is the project's. It carries the
#   AWS rows over: the subscription Activity Log is the audit trail of control-plane
#   changes (as CloudTrail for GXP-01 — 11.10(e), Annex 11 §9), the AKS kube-audit log that
#   of changes inside a cluster, and immutable versioned blob storage the WORM record store
#   (as S3 Object Lock for GXP-06 — 11.10(c), Annex 11 §7.1). Checks: (1) the scope has an
#   azurerm_monitor_diagnostic_setting on a subscription exporting the Administrative,
#   Security and Policy categories (or allLogs) — an absence names each unit's first
#   azurerm provider block, as GXP-01 does; (2) every azurerm_kubernetes_cluster (except
#   those classified non-gxp) has a diagnostic setting exporting kube-audit or
#   kube-audit-admin (or the audit or allLogs category group); (3) every storage account in
#   GxP scope (gxp_values) has blob versioning and a time-based immutability policy of at
#   least object_lock_days, locked — account-level immutability_policy, or an
#   azurerm_storage_container_immutability_policy on each of its containers. Resources are
#   joined by reference or by name; what cannot be resolved is reported as not verifiable.
# scope: package
# custom:
#   id: GXP-09
#   severity: medium
#   family: gxp
#   controls: ["21CFR11.10(e)", "21CFR11.10(c)", "EUANNEX11-9", "EUANNEX11-7.1"]
#   applies_to: [provider, azurerm_kubernetes_cluster, azurerm_storage_account, azurerm_storage_container]
#   remediation: >-
#     Export the subscription Activity Log (Administrative, Security, Policy) and each AKS
#     cluster's kube-audit log with azurerm_monitor_diagnostic_setting to a Log Analytics
#     workspace or storage account; on GxP storage accounts set
#     blob_properties.versioning_enabled = true and a Locked immutability_policy (or locked
#     container immutability policies) of at least the records retention period.
package gitops_compliance.gxp.gxp09

import data.gitops_compliance.lib.gxp
import data.gitops_compliance.lib.util

default params := {}

params := data.gitops_compliance.params

lock_days := object.get(params, "object_lock_days", 365)

_activity_categories := {"Administrative", "Security", "Policy"}

_managed(r, type) if {
	r.kind == "terraform"
	object.get(r, "mode", "managed") == "managed"
	r.type == type
	not gxp.not_created(r)
}

_settings := [s | some s in gxp.of_type("azurerm_monitor_diagnostic_setting"); _managed(s, "azurerm_monitor_diagnostic_setting")]

# Log categories and category groups a diagnostic setting exports (enabled_log blocks, and
# the legacy log blocks with enabled unset or true).
_exported(s) := {c |
	some l in gxp.blocks(s.config, "enabled_log")
	some key in ["category", "category_group"]
	c := l[key]
	is_string(c)
} | {c |
	some l in gxp.blocks(s.config, "log")
	object.get(l, "enabled", true) in {true, null}
	some key in ["category", "category_group"]
	c := l[key]
	is_string(c)
}

_unknown_logs(s) := {sprintf("%s.%s = %s", [s.address, key, util.unknown_text(v)]) |
	some key in ["enabled_log", "log"]
	v := object.get(s.config, key, null)
	util.is_unknown(v)
} | {sprintf("%s.%s[%d].%s = %s", [s.address, block, i, key, util.unknown_text(v)]) |
	some block in ["enabled_log", "log"]
	some i, l in gxp.blocks(s.config, block)
	some key in ["category", "category_group", "enabled"]
	v := object.get(l, key, null)
	util.is_unknown(v)
}

# ---- (1) subscription Activity Log -----------------------------------------------------

_subscription_target(v) if {
	is_string(v)
	regex.match(`^/subscriptions/[^/]+/?$`, v)
}

_subscription_target(v) if {
	util.is_unknown(v)
	regex.match(`(^|[^A-Za-z0-9_])azurerm_subscription\.|^"/subscriptions/\$\{[^}]+\}"$`, util.unknown_text(v))
}

_activity_settings := [s | some s in _settings; _subscription_target(object.get(s.config, "target_resource_id", null))]

_activity_ok(s) if "allLogs" in _exported(s)

_activity_ok(s) if count(_activity_categories - _exported(s)) == 0

# Boolean rules stop at the first match (regorus): a compliant scope pays little here.
_activity_satisfied if {
	some s in array.concat(input.resources, util.as_array(gxp.inventory))
	s.type == "azurerm_monitor_diagnostic_setting"
	_managed(s, "azurerm_monitor_diagnostic_setting")
	_subscription_target(object.get(s.config, "target_resource_id", null))
	_activity_ok(s)
}

_activity_unknowns := {t | some s in _activity_settings; some t in _unknown_logs(s)} | {sprintf("%s.target_resource_id = %s", [s.address, util.unknown_text(v)]) |
	some s in _settings
	v := object.get(s.config, "target_resource_id", null)
	util.is_unknown(v)
	not _subscription_target(v)
	count(_target_refs(v)) == 0
}

# Names of the resources an unresolved target refers to (any azurerm type).
_target_refs(v) := {m[1] | some m in regex.find_all_string_submatch_n(`(?:^|[^A-Za-z0-9_.])(azurerm_[a-z0-9_]+\.[A-Za-z_][A-Za-z0-9_-]*)`, util.unknown_text(v), -1)}

_activity_missing := {sprintf("%s exports %s", [s.address, concat(", ", sort(_exported(s)))]) | some s in _activity_settings}

_azurerm_provider(r) if {
	r.kind == "terraform"
	r.type == "provider"
	r.name == "azurerm"
}

_anchor := sorted[0][3] if {
	sorted := sort([[count(split(p.address, ".")), object.get(p, "file", ""), object.get(p, "line", 0), p] |
		some p in input.resources
		_azurerm_provider(p)
	])
	count(sorted) > 0
}

deny contains finding if {
	p := _anchor # the unit's own providers first: the scope-wide pass only where needed
	not _activity_satisfied
	finding := util.item(p, {"msg": _activity_msg(p.address), "attribute": "activity_log"})
}

# No azurerm provider block anywhere in the scope (child modules, plan JSON): a warning on
# the scope's first azurerm resource, as GXP-01 does for AWS.
_scope_has_azurerm_provider if {
	some r in util.as_array(gxp.inventory)
	r.type == "provider"
	_azurerm_provider(r)
}

_scope_has_azurerm_provider if {
	some r in input.resources
	_azurerm_provider(r)
}

_unit_has_azurerm_resource if {
	some r in input.resources
	r.kind == "terraform"
	object.get(r, "provider", "") == "azurerm"
}

_first_azurerm_resource := sorted[0] if {
	sorted := sort([[object.get(r, "file", ""), object.get(r, "line", 0), r.address] |
		some r in array.concat(util.as_array(gxp.inventory), input.resources)
		r.kind == "terraform"
		object.get(r, "provider", "") == "azurerm"
		object.get(r, "mode", "managed") == "managed"
	])
	count(sorted) > 0
}

warn contains finding if {
	_unit_has_azurerm_resource
	not _anchor
	not _scope_has_azurerm_provider
	not _activity_satisfied
	[file, line, address] := _first_azurerm_resource
	some r in input.resources
	r.kind == "terraform"
	r.address == address
	object.get(r, "file", "") == file
	object.get(r, "line", 0) == line
	finding := util.item(r, {
		"msg": sprintf("%s: the scope has Azure resources but no azurerm provider configuration and no subscription Activity Log export; the configuration that calls these modules could not be checked", [r.address]),
		"attribute": "activity_log",
	})
}

_activity_msg(anchor) := sprintf("%s: a subscription Activity Log export (Administrative, Security, Policy) could not be verified in the scope (unresolved: %s)", [anchor, concat("; ", sort(_activity_unknowns))]) if count(_activity_unknowns) > 0

_activity_msg(anchor) := sprintf("%s: no diagnostic setting in the scope exports the subscription Activity Log categories Administrative, Security and Policy%s", [anchor, _found(_activity_missing)]) if count(_activity_unknowns) == 0

_found(set) := "" if count(set) == 0

_found(set) := sprintf(" (%s)", [concat("; ", sort(set))]) if count(set) > 0

# ---- (2) AKS audit logs ----------------------------------------------------------------

_aks_audit := {"kube-audit", "kube-audit-admin", "audit", "allLogs"}

_cluster_settings(c) := [s |
	some s in _settings
	_targets(s, c)
]

_targets(s, c) if gxp.designates(s, object.get(s.config, "target_resource_id", null), c, "id")

_targets(s, c) if {
	v := object.get(s.config, "target_resource_id", null)
	is_string(v)
	endswith(lower(v), lower(sprintf("/managedClusters/%s", [c.config.name])))
}

_cluster_unknowns(c) := {t | some s in _cluster_settings(c); some t in _unknown_logs(s)} | {sprintf("%s.target_resource_id = %s", [s.address, util.unknown_text(v)]) |
	some s in _settings
	object.get(s, "module", "") == object.get(c, "module", "")
	v := object.get(s.config, "target_resource_id", null)
	util.is_unknown(v)
	count(_target_refs(v)) == 0
	not _subscription_target(v)
}

_cluster_audited(c) if {
	some s in _cluster_settings(c)
	count(_exported(s) & _aks_audit) > 0
}

deny contains finding if {
	some c in input.resources
	c.type == "azurerm_kubernetes_cluster"
	_managed(c, "azurerm_kubernetes_cluster")
	gxp.in_baseline_scope(c)
	not _cluster_audited(c)
	finding := util.item(c, {"msg": _cluster_msg(c, _cluster_unknowns(c)), "attribute": "diagnostic_setting"})
}

_cluster_msg(c, unknowns) := sprintf("%s: the export of the kube-audit log could not be verified (unresolved: %s)", [c.address, concat("; ", sort(unknowns))]) if count(unknowns) > 0

_cluster_msg(c, unknowns) := sprintf("%s: no diagnostic setting exports the cluster's kube-audit or kube-audit-admin log", [c.address]) if count(unknowns) == 0

# ---- (3) GxP blob storage: versioning and immutability ---------------------------------

_gxp_account(a) if {
	_managed(a, "azurerm_storage_account")
	gxp.in_gxp_scope(a)
}

deny contains finding if {
	some a in input.resources
	a.type == "azurerm_storage_account"
	_gxp_account(a)
	v := object.get(gxp.block(a.config, "blob_properties"), "versioning_enabled", false)
	v != true
	finding := util.item(a, {"msg": _versioning_msg(a, v), "attribute": "blob_properties.versioning_enabled"})
}

_versioning_msg(a, v) := sprintf("%s: blob versioning of this GxP storage account could not be verified (unresolved: %s)%s", [a.address, util.unknown_text(v), gxp.scope_note(a)]) if util.is_unknown(v)

_versioning_msg(a, v) := sprintf("%s: blob versioning of this GxP storage account is not enabled%s", [a.address, gxp.scope_note(a)]) if not util.is_unknown(v)

_account_policy(a) := gxp.block(a.config, "immutability_policy")

_account_immutable(a) if {
	p := _account_policy(a)
	p.state == "Locked"
	is_number(p.period_since_creation_in_days)
	p.period_since_creation_in_days >= lock_days
}

_account_policy_unknowns(a) := {sprintf("%s.immutability_policy.%s = %s", [a.address, key, util.unknown_text(v)]) |
	some key in ["state", "period_since_creation_in_days"]
	v := object.get(_account_policy(a), key, null)
	util.is_unknown(v)
} | {sprintf("%s.immutability_policy = %s", [a.address, util.unknown_text(v)]) |
	v := object.get(a.config, "immutability_policy", null)
	util.is_unknown(v)
}

_all_containers := gxp.of_type("azurerm_storage_container")

_containers(a) := [c |
	some c in _all_containers
	_managed(c, "azurerm_storage_container")
	_in_account(c, a)
]

_in_account(c, a) if gxp.designates(c, object.get(c.config, "storage_account_name", null), a, "name")

_in_account(c, a) if gxp.designates(c, object.get(c.config, "storage_account_id", null), a, "id")

_all_container_policies := gxp.of_type("azurerm_storage_container_immutability_policy")

_container_policies(c) := [p |
	some p in _all_container_policies
	_managed(p, "azurerm_storage_container_immutability_policy")
	gxp.designates(p, object.get(p.config, "storage_container_resource_manager_id", null), c, "resource_manager_id")
]

_container_immutable(c) if {
	some p in _container_policies(c)
	p.config.locked == true
	is_number(p.config.immutability_period_in_days)
	p.config.immutability_period_in_days >= lock_days
}

_container_unknowns(c) := {sprintf("%s.%s = %s", [p.address, key, util.unknown_text(v)]) |
	some p in _container_policies(c)
	some key in ["locked", "immutability_period_in_days"]
	v := object.get(p.config, key, null)
	util.is_unknown(v)
}

# An account with neither an account-level policy nor containers in the scope.
deny contains finding if {
	some a in input.resources
	a.type == "azurerm_storage_account"
	_gxp_account(a)
	not _account_immutable(a)
	count(_containers(a)) == 0
	finding := util.item(a, {"msg": _account_msg(a, _account_policy_unknowns(a)), "attribute": "immutability_policy"})
}

_account_msg(a, unknowns) := sprintf("%s: the immutability policy of this GxP storage account could not be verified (unresolved: %s)%s", [a.address, concat("; ", sort(unknowns)), gxp.scope_note(a)]) if count(unknowns) > 0

_account_msg(a, unknowns) := sprintf("%s: GxP storage account without a Locked time-based immutability policy of at least %v days (account immutability_policy, or one per container)%s", [a.address, lock_days, gxp.scope_note(a)]) if count(unknowns) == 0

# Each container of an account without a sufficient account-level policy.
deny contains finding if {
	some c in input.resources
	c.type == "azurerm_storage_container"
	_managed(c, "azurerm_storage_container")
	some a in gxp.of_type("azurerm_storage_account")
	_gxp_account(a)
	not _account_immutable(a)
	_in_account(c, a)
	not _container_immutable(c)
	finding := util.item(c, {"msg": _container_msg(c, a, _container_unknowns(c) | _account_policy_unknowns(a)), "attribute": "immutability_policy"})
}

_container_msg(c, a, unknowns) := sprintf("%s: the immutability of this container of GxP storage account %s could not be verified (unresolved: %s)", [c.address, a.address, concat("; ", sort(unknowns))]) if count(unknowns) > 0

_container_msg(c, a, unknowns) := sprintf("%s: container of GxP storage account %s without a locked time-based immutability policy of at least %v days", [c.address, a.address, lock_days]) if count(unknowns) == 0
