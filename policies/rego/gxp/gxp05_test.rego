package gitops_compliance.gxp.gxp05_test

import data.gitops_compliance.gxp.gxp05

log_group(name, config, tags) := {
	"address": sprintf("aws_cloudwatch_log_group.%s", [name]), "kind": "terraform",
	"type": "aws_cloudwatch_log_group", "name": name, "file": "logs/main.tf", "line": 1,
	"mode": "managed", "module": "logs", "provider": "aws", "config": config, "tags": tags,
}

unit(resources) := {"contract_version": 1, "kind": "terraform", "unit": "logs", "resources": resources}

findings(resources, params) := result if {
	denied := gxp05.deny with input as unit(resources) with data.gitops_compliance.params as params
	result := {[f.resource, f.attribute] | some f in denied}
}

test_short_retention_fires if {
	msgs := [f.msg | some f in gxp05.deny] with input as unit([log_group("app", {"retention_in_days": 90}, {})])
	msgs == ["aws_cloudwatch_log_group.app: retention_in_days is 90; GxP logs must be kept at least 365 days"]
}

test_long_enough_and_forever_pass if {
	resources := [
		log_group("audit", {"retention_in_days": 2557}, {}),
		log_group("exact", {"retention_in_days": 365}, {}),
		log_group("forever", {}, {}),
		log_group("zero", {"retention_in_days": 0}, {}),
		log_group("null", {"retention_in_days": null}, {}),
	]
	findings(resources, {}) == set()
}

test_unresolved_retention_cannot_be_verified if {
	findings([log_group("app", {"retention_in_days": {"$unknown": "var.days"}}, {})], {}) == {["aws_cloudwatch_log_group.app", "retention_in_days"]}
}

test_parameter_zero_requires_forever if {
	resources := [log_group("year", {"retention_in_days": 3653}, {}), log_group("forever", {}, {})]
	findings(resources, {"log_retention_days": 0}) == {["aws_cloudwatch_log_group.year", "retention_in_days"]}
}

test_parameter_raises_the_minimum if {
	findings([log_group("audit", {"retention_in_days": 731}, {})], {"log_retention_days": 2557}) == {["aws_cloudwatch_log_group.audit", "retention_in_days"]}
}

test_non_gxp_log_group_is_out_of_scope if {
	findings([log_group("debug", {"retention_in_days": 7}, {"gxp-classification": "non-gxp"})], {}) == set()
}

test_count_zero_is_not_created if {
	findings([log_group("off", {"count": 0, "retention_in_days": 7}, {})], {}) == set()
}
