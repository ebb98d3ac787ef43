package gitops_compliance.gxp.gxp07_test

import data.gitops_compliance.gxp.gxp07

tf(type, name, config) := {
	"address": sprintf("%s.%s", [type, name]), "kind": "terraform", "type": type, "name": name,
	"file": "data/main.tf", "line": 1, "mode": "managed", "module": "data", "provider": "aws",
	"config": config, "tags": {"gxp-classification": "gxp-critical"},
}

unit(resources) := {"contract_version": 1, "kind": "terraform", "unit": "data", "resources": resources}

findings(resources) := result if {
	denied := gxp07.deny with input as unit(resources)
	result := {[f.resource, f.attribute] | some f in denied}
}

test_rds_default_retention_fires if {
	findings([tf("aws_db_instance", "lims", {"engine": "postgres"})]) == {["aws_db_instance.lims", "backup_retention_period"]}
}

test_rds_retention_at_minimum_passes if {
	findings([tf("aws_db_instance", "lims", {"backup_retention_period": 7}), tf("aws_rds_cluster", "eln", {"backup_retention_period": 35})]) == set()
}

test_aurora_short_retention_fires_with_message if {
	msgs := [f.msg | some f in gxp07.deny] with input as unit([tf("aws_rds_cluster", "eln", {"backup_retention_period": 3})])
	msgs == ["aws_rds_cluster.eln: backup_retention_period is 3 days, below the required 7"]
}

test_read_replica_is_exempt if {
	findings([tf("aws_db_instance", "replica", {"replicate_source_db": {"$unknown": "aws_db_instance.lims.identifier"}})]) == set()
}

test_unresolved_retention_cannot_be_verified if {
	findings([tf("aws_db_instance", "lims", {"backup_retention_period": {"$unknown": "var.days"}})]) == {["aws_db_instance.lims", "backup_retention_period"]}
}

test_dynamodb_without_pitr_fires if {
	findings([tf("aws_dynamodb_table", "batches", {"name": "batches"})]) == {["aws_dynamodb_table.batches", "point_in_time_recovery"]}
}

test_dynamodb_with_pitr_passes if {
	findings([tf("aws_dynamodb_table", "batches", {"point_in_time_recovery": [{"enabled": true}]})]) == set()
}

test_backup_plan_rule_and_copy_retention if {
	plan := tf("aws_backup_plan", "daily", {"rule": [{
		"rule_name": "daily",
		"lifecycle": [{"delete_after": 3}],
		"copy_action": [{"lifecycle": [{"delete_after": 400}]}, {"lifecycle": [{"delete_after": 1}]}],
	}]})
	findings([plan]) == {
		["aws_backup_plan.daily", "rule[0].lifecycle[0].delete_after"],
		["aws_backup_plan.daily", "rule[0].copy_action[1].lifecycle[0].delete_after"],
	}
}

# No lifecycle: recovery points are kept until deleted by hand.
test_backup_plan_without_lifecycle_passes if {
	findings([tf("aws_backup_plan", "daily", {"rule": [{"rule_name": "daily"}]})]) == set()
}

test_vault_without_lock_fires if {
	findings([tf("aws_backup_vault", "records", {"name": "records"})]) == {["aws_backup_vault.records", "vault_lock"]}
}

test_vault_with_compliance_lock_by_reference_passes if {
	lock := tf("aws_backup_vault_lock_configuration", "records", {
		"backup_vault_name": {"$unknown": "aws_backup_vault.records.name"},
		"min_retention_days": 365, "changeable_for_days": 3,
	})
	findings([tf("aws_backup_vault", "records", {"name": "records"}), lock]) == set()
}

test_governance_lock_fires if {
	lock := tf("aws_backup_vault_lock_configuration", "records", {"backup_vault_name": "records", "min_retention_days": 365})
	msgs := [f.msg | some f in gxp07.deny] with input as unit([tf("aws_backup_vault", "records", {"name": "records"}), lock])
	msgs == ["aws_backup_vault.records: the vault lock does not protect recovery points for 7 days in compliance mode: aws_backup_vault_lock_configuration.records has no changeable_for_days (governance mode: the lock can be removed)"]
}

test_non_gxp_resources_are_out_of_scope if {
	db := object.union(tf("aws_db_instance", "scratch", {}), {"tags": {"gxp-classification": "non-gxp"}})
	findings([db]) == set()
}

# A missing classification does not exempt a database (GXP-10 reports the tag).
test_unclassified_database_is_judged if {
	db := object.union(tf("aws_db_instance", "lims", {}), {"tags": {}})
	findings([db]) == {["aws_db_instance.lims", "backup_retention_period"]}
}

test_backup_retention_days_parameter if {
	resources := [tf("aws_db_instance", "lims", {"backup_retention_period": 14})]
	denied := gxp07.deny with input as unit(resources)
		with data.gitops_compliance.params as {"backup_retention_days": 30}
	{[f.resource, f.attribute] | some f in denied} == {["aws_db_instance.lims", "backup_retention_period"]}
}

test_compliance_lock_with_short_minimum_fires if {
	lock := tf("aws_backup_vault_lock_configuration", "records", {"backup_vault_name": "records", "min_retention_days": 3, "changeable_for_days": 3})
	msgs := [f.msg | some f in gxp07.deny] with input as unit([tf("aws_backup_vault", "records", {"name": "records"}), lock])
	msgs == ["aws_backup_vault.records: the vault lock does not protect recovery points for 7 days in compliance mode: aws_backup_vault_lock_configuration.records keeps recovery points at least 3 days, below 7"]
}
