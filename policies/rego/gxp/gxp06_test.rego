package gitops_compliance.gxp.gxp06_test

import data.gitops_compliance.gxp.gxp06

critical := {"gxp-classification": "gxp-critical"}

tf(type, name, config, tags) := {
	"address": sprintf("%s.%s", [type, name]), "kind": "terraform", "type": type, "name": name,
	"file": "gxp/s3.tf", "line": 1, "mode": "managed", "module": "gxp", "provider": "aws",
	"config": config, "tags": tags,
}

unit(resources) := {"contract_version": 1, "kind": "terraform", "unit": "gxp", "resources": resources}

bucket(name, tags) := tf("aws_s3_bucket", name, {"bucket": sprintf("acme-%s", [name]), "object_lock_enabled": true}, tags)

versioning(name, status) := tf("aws_s3_bucket_versioning", name, {
	"bucket": {"$unknown": sprintf("aws_s3_bucket.%s.id", [name])},
	"versioning_configuration": [{"status": status}],
}, {})

lock(name, bucket_value, mode, days) := tf("aws_s3_bucket_object_lock_configuration", name, {
	"bucket": bucket_value,
	"rule": [{"default_retention": [{"mode": mode, "days": days}]}],
}, {})

pab(name, value) := tf("aws_s3_bucket_public_access_block", name, {
	"bucket": {"$unknown": sprintf("aws_s3_bucket.%s[0].id", [name])},
	"block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true,
	"restrict_public_buckets": value,
}, {})

compliant(name) := [
	bucket(name, critical),
	versioning(name, "Enabled"),
	lock(name, {"$unknown": sprintf("aws_s3_bucket.%s.id", [name])}, "COMPLIANCE", 2557),
	pab(name, true),
]

attributes(findings) := {[f.resource, f.attribute] | some f in findings}

test_provider_v4_split_resources_pass if {
	count(gxp06.deny) == 0 with input as unit(compliant("records"))
}

# The lock configuration names the bucket literally instead of by reference.
test_lock_joined_by_literal_bucket_name if {
	resources := [
		bucket("records", critical), versioning("records", "Enabled"), pab("records", true),
		lock("records", "acme-records", "COMPLIANCE", 400),
	]
	count(gxp06.deny) == 0 with input as unit(resources)
}

test_bare_gxp_bucket_fires_three_times if {
	attributes(gxp06.deny) == {
		["aws_s3_bucket.records", "versioning"],
		["aws_s3_bucket.records", "object_lock_configuration"],
		["aws_s3_bucket.records", "public_access_block"],
	} with input as unit([bucket("records", critical)])
}

test_governance_mode_and_short_retention_fire if {
	resources := [
		bucket("records", critical), versioning("records", "Enabled"), pab("records", true),
		lock("records", {"$unknown": "aws_s3_bucket.records.id"}, "GOVERNANCE", 30),
	]
	[f.msg | some f in gxp06.deny] == ["aws_s3_bucket.records: GxP record bucket without an Object Lock default retention in COMPLIANCE mode of at least 365 days: aws_s3_bucket_object_lock_configuration.records is in GOVERNANCE mode, not COMPLIANCE; aws_s3_bucket_object_lock_configuration.records retains 30 days, below 365"] with input as unit(resources)
}

# A lock configuration of another bucket does not count.
test_lock_of_another_bucket_does_not_count if {
	resources := array.concat(
		[bucket("records", critical), versioning("records", "Enabled"), pab("records", true)],
		[lock("other", {"$unknown": "aws_s3_bucket.other.id"}, "COMPLIANCE", 400)],
	)
	attributes(gxp06.deny) == {["aws_s3_bucket.records", "object_lock_configuration"]} with input as unit(resources)
}

test_inline_v3_configuration_passes if {
	b := tf("aws_s3_bucket", "legacy", {
		"bucket": "acme-legacy",
		"versioning": [{"enabled": true}],
		"object_lock_configuration": [{"object_lock_enabled": "Enabled", "rule": [{"default_retention": [{"mode": "COMPLIANCE", "years": 7}]}]}],
	}, critical)
	count(gxp06.deny) == 0 with input as unit([b, pab("legacy", true)])
}

test_suspended_versioning_and_partial_public_access_block_fire if {
	resources := [
		bucket("records", critical), versioning("records", "Suspended"), pab("records", false),
		lock("records", "acme-records", "COMPLIANCE", 400),
	]
	attributes(gxp06.deny) == {
		["aws_s3_bucket.records", "versioning"],
		["aws_s3_bucket.records", "public_access_block"],
	} with input as unit(resources)
}

# gxp-supporting: versioning and public access block, no Object Lock.
test_supporting_bucket_needs_no_object_lock if {
	resources := [bucket("logs", {"gxp-classification": "gxp-supporting"}), versioning("logs", "Enabled"), pab("logs", true)]
	count(gxp06.deny) == 0 with input as unit(resources)
}

test_non_gxp_and_untagged_buckets_are_out_of_scope if {
	count(gxp06.deny) == 0 with input as unit([bucket("scratch", {"gxp-classification": "non-gxp"}), bucket("tmp", {})])
}

test_account_public_access_block_counts if {
	account := tf("aws_s3_account_public_access_block", "this", {
		"block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true,
		"restrict_public_buckets": true,
	}, {})
	resources := [bucket("logs", {"gxp-classification": "gxp-supporting"}), versioning("logs", "Enabled")]
	count(gxp06.deny) == 0 with input as unit(resources) with data.inventory.terraform as [account]
}

# Fail closed: an unresolved classification is judged as a record bucket, and says so.
test_unresolved_classification_is_judged_and_named if {
	b := bucket("records", {"gxp-classification": {"$unknown": "var.classification"}})
	findings := gxp06.deny with input as unit([b, versioning("records", "Enabled"), pab("records", true)])
	[f.msg | some f in findings] == ["aws_s3_bucket.records: GxP record bucket without an Object Lock default retention (COMPLIANCE mode, at least 365 days) (treated as GxP: the gxp-classification tag could not be resolved: var.classification)"]
}

test_unresolved_retention_cannot_be_verified if {
	resources := [
		bucket("records", critical), versioning("records", "Enabled"), pab("records", true),
		lock("records", {"$unknown": "aws_s3_bucket.records.id"}, "COMPLIANCE", {"$unknown": "var.days"}),
	]
	[f.msg | some f in gxp06.deny] == ["aws_s3_bucket.records: the Object Lock retention of this GxP record bucket could not be verified (unresolved: aws_s3_bucket_object_lock_configuration.records.default_retention.days = var.days)"] with input as unit(resources)
}

test_unjoinable_split_resource_cannot_be_verified if {
	v := tf("aws_s3_bucket_versioning", "x", {"bucket": {"$unknown": "local.bucket_id"}, "versioning_configuration": [{"status": "Enabled"}]}, {})
	findings := gxp06.deny with input as unit([bucket("records", critical), v, pab("records", true), lock("records", "acme-records", "COMPLIANCE", 400)])
	[f.msg | some f in findings] == ["aws_s3_bucket.records: versioning of this GxP bucket could not be verified (unresolved: aws_s3_bucket_versioning.x.bucket = local.bucket_id)"]
}

test_object_lock_days_parameter if {
	resources := compliant("records")
	attributes(gxp06.deny) == {["aws_s3_bucket.records", "object_lock_configuration"]} with input as unit(resources)
		with data.gitops_compliance.params as {"object_lock_days": 3653}
}

# GOVERNANCE mode alone fails, however long the retention: it can be bypassed.
test_governance_mode_with_long_retention_fires if {
	resources := [
		bucket("records", critical), versioning("records", "Enabled"), pab("records", true),
		lock("records", {"$unknown": "aws_s3_bucket.records.id"}, "GOVERNANCE", 3653),
	]
	attributes(gxp06.deny) == {["aws_s3_bucket.records", "object_lock_configuration"]} with input as unit(resources)
}

# A split resource that may configure either of two buckets configures neither for sure.
test_conditional_reference_cannot_be_verified if {
	v := tf("aws_s3_bucket_versioning", "either", {
		"bucket": {"$unknown": "var.primary ? aws_s3_bucket.records.id : aws_s3_bucket.other.id"},
		"versioning_configuration": [{"status": "Enabled"}],
	}, {})
	resources := [bucket("records", critical), v, pab("records", true), lock("records", "acme-records", "COMPLIANCE", 400)]
	[f.msg | some f in gxp06.deny] == ["aws_s3_bucket.records: versioning of this GxP bucket could not be verified (unresolved: aws_s3_bucket_versioning.either.bucket = var.primary ? aws_s3_bucket.records.id : aws_s3_bucket.other.id)"] with input as unit(resources)
}
