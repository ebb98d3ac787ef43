# METADATA
# title: Databases and backup plans keep backups for the records period, in locked vaults
# description: >-
#   Backups of GxP data are kept long enough and cannot be deleted early. RDS instances
#   (read replicas excepted) and Aurora clusters set backup_retention_period to at least
#   backup_retention_days (the AWS default of 1 day, which Checkov's CKV_AWS_133 accepts,
#   fails); DynamoDB tables enable point-in-time recovery (with a recovery period of at
#   least backup_retention_days when one is set); every AWS Backup plan rule and copy action
#   keeps recovery points at least backup_retention_days (no lifecycle = kept forever);
#   every AWS Backup vault has a vault lock in compliance mode (changeable_for_days set)
#   with min_retention_days of at least backup_retention_days, joined by reference or by
#   vault name. Applies to every such resource except those classified as outside GxP
#   (non-gxp); a value that cannot be resolved is reported as not verifiable.
# scope: package
# custom:
#   id: GXP-07
#   severity: high
#   family: gxp
#   controls: ["21CFR11.10(c)", "EUANNEX11-7.2", "EUANNEX11-16"]
#   applies_to: [aws_db_instance, aws_rds_cluster, aws_dynamodb_table, aws_backup_plan, aws_backup_vault]
#   remediation: >-
#     Set backup_retention_period to at least the required days; enable
#     point_in_time_recovery on DynamoDB tables; give backup plan rules a lifecycle
#     delete_after of at least the required days; add an aws_backup_vault_lock_configuration
#     with changeable_for_days (compliance mode) and min_retention_days of at least the
#     required days.
package gitops_compliance.gxp.gxp07

import data.gitops_compliance.lib.gxp
import data.gitops_compliance.lib.util

default params := {}

params := data.gitops_compliance.params

min_days := object.get(params, "backup_retention_days", 7)

_judged(r, type) if {
	r.kind == "terraform"
	object.get(r, "mode", "managed") == "managed"
	r.type == type
	not gxp.not_created(r)
	gxp.in_baseline_scope(r)
}

_item(r, attribute, msg) := util.item(r, {"msg": msg, "attribute": attribute})

# ---- RDS: backup_retention_period (AWS default: 1 day) ---------------------------------

_rds_types := {"aws_db_instance", "aws_rds_cluster"}

# A read replica's backups are its source's.
_replica(r) if object.get(r.config, "replicate_source_db", null) != null

deny contains finding if {
	some r in input.resources
	r.type in _rds_types # cheap test first: function calls dominate the cost of large units
	_judged(r, r.type)
	not _replica(r)
	days := object.get(r.config, "backup_retention_period", 1)
	is_number(days)
	days < min_days
	finding := _item(r, "backup_retention_period", sprintf("%s: backup_retention_period is %v days, below the required %v%s", [r.address, days, min_days, _default_note(r)]))
}

_default_note(r) := " (not set: the AWS default is 1)" if not "backup_retention_period" in object.keys(r.config)

_default_note(r) := "" if "backup_retention_period" in object.keys(r.config)

deny contains finding if {
	some r in input.resources
	r.type in _rds_types # cheap test first: function calls dominate the cost of large units
	_judged(r, r.type)
	not _replica(r)
	days := r.config.backup_retention_period
	util.is_unknown(days)
	finding := _item(r, "backup_retention_period", sprintf("%s: backup_retention_period could not be verified (unresolved: %s)", [r.address, util.unknown_text(days)]))
}

# ---- DynamoDB: point-in-time recovery --------------------------------------------------

deny contains finding if {
	some r in input.resources
	r.type == "aws_dynamodb_table"
	_judged(r, "aws_dynamodb_table")
	pitr := object.get(r.config, "point_in_time_recovery", [])
	not util.is_unknown(pitr)
	enabled := object.get(gxp.block(r.config, "point_in_time_recovery"), "enabled", false)
	not util.is_unknown(enabled)
	enabled != true
	finding := _item(r, "point_in_time_recovery", sprintf("%s: point-in-time recovery is not enabled", [r.address]))
}

deny contains finding if {
	some r in input.resources
	r.type == "aws_dynamodb_table"
	_judged(r, "aws_dynamodb_table")
	some [field, value] in [
		["point_in_time_recovery", object.get(r.config, "point_in_time_recovery", null)],
		["point_in_time_recovery[0].enabled", object.get(gxp.block(r.config, "point_in_time_recovery"), "enabled", null)],
		["point_in_time_recovery[0].recovery_period_in_days", object.get(gxp.block(r.config, "point_in_time_recovery"), "recovery_period_in_days", null)],
	]
	util.is_unknown(value)
	finding := _item(r, field, sprintf("%s: point-in-time recovery could not be verified (unresolved: %s = %s)", [r.address, field, util.unknown_text(value)]))
}

deny contains finding if {
	some r in input.resources
	r.type == "aws_dynamodb_table"
	_judged(r, "aws_dynamodb_table")
	pitr := gxp.block(r.config, "point_in_time_recovery")
	pitr.enabled == true
	days := pitr.recovery_period_in_days
	is_number(days)
	days < min_days
	finding := _item(r, "point_in_time_recovery[0].recovery_period_in_days", sprintf("%s: point-in-time recovery keeps %v days, below the required %v", [r.address, days, min_days]))
}

# ---- AWS Backup plans: rule and copy-action retention ----------------------------------

# {"attribute", "value"} for every delete_after of a plan (rules and their copy actions).
_retentions(plan) := array.concat(
	[{"attribute": sprintf("rule[%d].lifecycle[0].delete_after", [i]), "value": v} |
		some i, rule in util.as_array(object.get(plan.config, "rule", []))
		v := object.get(gxp.block(rule, "lifecycle"), "delete_after", null)
		v != null
	],
	[{"attribute": sprintf("rule[%d].copy_action[%d].lifecycle[0].delete_after", [i, j]), "value": v} |
		some i, rule in util.as_array(object.get(plan.config, "rule", []))
		some j, copy in gxp.blocks(rule, "copy_action")
		v := object.get(gxp.block(copy, "lifecycle"), "delete_after", null)
		v != null
	],
)

deny contains finding if {
	some r in input.resources
	r.type == "aws_backup_plan"
	_judged(r, "aws_backup_plan")
	some ret in _retentions(r)
	is_number(ret.value)
	ret.value < min_days
	finding := _item(r, ret.attribute, sprintf("%s: %s deletes recovery points after %v days, below the required %v", [r.address, ret.attribute, ret.value, min_days]))
}

deny contains finding if {
	some r in input.resources
	r.type == "aws_backup_plan"
	_judged(r, "aws_backup_plan")
	some ret in array.concat(_retentions(r), [{"attribute": "rule", "value": object.get(r.config, "rule", null)}])
	util.is_unknown(ret.value)
	finding := _item(r, ret.attribute, sprintf("%s: the retention of %s could not be verified (unresolved: %s)", [r.address, ret.attribute, util.unknown_text(ret.value)]))
}

# ---- AWS Backup vaults: vault lock in compliance mode ----------------------------------

_all_locks := gxp.of_type("aws_backup_vault_lock_configuration")

_locks(vault) := [l |
	some l in _all_locks
	object.get(l, "mode", "managed") == "managed"
	not gxp.not_created(l)
	gxp.designates(l, object.get(l.config, "backup_vault_name", null), vault, "name")
]

# Compliance mode (changeable_for_days set) and a minimum retention long enough.
_lock_ok(l) if {
	is_number(l.config.changeable_for_days)
	is_number(l.config.min_retention_days)
	l.config.min_retention_days >= min_days
}

# Lock configurations of the vault's module whose vault cannot be told: they might be its.
_unjoined(vault) := {sprintf("%s.backup_vault_name = %s", [l.address, util.unknown_text(v)]) |
	some l in _all_locks
	object.get(l, "module", "") == object.get(vault, "module", "")
	v := object.get(l.config, "backup_vault_name", null)
	gxp.undetermined(v, "aws_backup_vault")
}

_lock_unknowns(vault) := {t |
	some l in _locks(vault)
	some key in ["changeable_for_days", "min_retention_days"]
	v := object.get(l.config, key, null)
	util.is_unknown(v)
	t := sprintf("%s.%s = %s", [l.address, key, util.unknown_text(v)])
} | _unjoined(vault)

_lock_problems(vault) := {p |
	some l in _locks(vault)
	some p in _problems(l)
}

_problems(l) := {sprintf("%s has no changeable_for_days (governance mode: the lock can be removed)", [l.address]) |
	object.get(l.config, "changeable_for_days", null) == null
} | {sprintf("%s has no min_retention_days", [l.address]) |
	object.get(l.config, "min_retention_days", null) == null
} | {sprintf("%s keeps recovery points at least %v days, below %v", [l.address, d, min_days]) |
	d := l.config.min_retention_days
	is_number(d)
	d < min_days
}

deny contains finding if {
	some r in input.resources
	r.type == "aws_backup_vault"
	_judged(r, "aws_backup_vault")
	not _vault_locked(r)
	finding := _item(r, "vault_lock", _vault_msg(r, _lock_unknowns(r), _lock_problems(r)))
}

_vault_locked(vault) if {
	some l in _locks(vault)
	_lock_ok(l)
}

_vault_msg(r, unknowns, _) := sprintf("%s: the vault lock could not be verified (unresolved: %s)", [r.address, concat("; ", sort(unknowns))]) if count(unknowns) > 0

_vault_msg(r, unknowns, problems) := sprintf("%s: the vault lock does not protect recovery points for %v days in compliance mode: %s", [r.address, min_days, concat("; ", sort(problems))]) if {
	count(unknowns) == 0
	count(problems) > 0
}

_vault_msg(r, unknowns, problems) := sprintf("%s: backup vault without an aws_backup_vault_lock_configuration (compliance mode, min_retention_days at least %v)", [r.address, min_days]) if {
	count(unknowns) == 0
	count(problems) == 0
}
