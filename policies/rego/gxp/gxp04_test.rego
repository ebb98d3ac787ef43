package gitops_compliance.gxp.gxp04_test

import data.gitops_compliance.gxp.gxp04

tf(type, name, config, tags) := {
	"address": sprintf("%s.%s", [type, name]), "kind": "terraform", "type": type, "name": name,
	"file": "gxp/main.tf", "line": 1, "mode": "managed", "module": "gxp", "provider": "aws",
	"config": config, "tags": tags,
}

unit(resources) := {"contract_version": 1, "kind": "terraform", "unit": "gxp", "resources": resources}

bucket(name) := tf("aws_s3_bucket", name, {"bucket": sprintf("acme-%s", [name])}, {"gxp-classification": "gxp-critical"})

trail(config) := tf("aws_cloudtrail", "audit", object.union({"s3_bucket_name": "acme-trail", "is_multi_region_trail": true}, config), {})

selector(rw, values) := {"read_write_type": rw, "data_resource": [{"type": "AWS::S3::Object", "values": values}]}

advanced(fields) := {"name": "s3", "field_selector": array.concat(
	[{"field": "eventCategory", "equals": ["Data"]}, {"field": "resources.type", "equals": ["AWS::S3::Object"]}],
	fields,
)}

denied(resources) := result if {
	findings := gxp04.deny with input as unit(resources)
	result := {f.resource | some f in findings}
}

test_uncovered_gxp_bucket_fires if {
	msgs := [f.msg | some f in gxp04.deny] with input as unit([bucket("records")])
	msgs == ["aws_s3_bucket.records: no CloudTrail with logging on records the read and write S3 data events of this GxP bucket"]
}

test_reference_and_literal_selectors_cover if {
	t := trail({"event_selector": [selector("All", [{"$unknown": "\"${aws_s3_bucket.records.arn}/\""}, "arn:aws:s3:::acme-logs/"])]})
	denied([bucket("records"), bucket("logs"), t]) == set()
}

test_all_buckets_value_covers if {
	t := trail({"event_selector": [selector("All", ["arn:aws:s3"])]})
	denied([bucket("records"), t]) == set()
}

test_read_only_fires_for_write if {
	t := trail({"event_selector": [selector("ReadOnly", ["arn:aws:s3:::acme-records/"])]})
	msgs := [f.msg | some f in gxp04.deny] with input as unit([bucket("records"), t])
	msgs == ["aws_s3_bucket.records: no CloudTrail with logging on records the write S3 data events of this GxP bucket"]
}

test_read_only_and_write_only_selectors_together_cover if {
	t := trail({"event_selector": [selector("ReadOnly", ["arn:aws:s3:::acme-records/"]), selector("WriteOnly", ["arn:aws:s3:::acme-records/"])]})
	denied([bucket("records"), t]) == set()
}

test_prefix_only_does_not_cover if {
	t := trail({"event_selector": [selector("All", ["arn:aws:s3:::acme-records/batch/", {"$unknown": "\"${aws_s3_bucket.records.arn}/x/\""}])]})
	denied([bucket("records"), t]) == {"aws_s3_bucket.records"}
}

test_disabled_trail_does_not_count if {
	t := trail({"enable_logging": false, "event_selector": [selector("All", ["arn:aws:s3"])]})
	denied([bucket("records"), t]) == {"aws_s3_bucket.records"}
}

test_advanced_selector_covers if {
	t := trail({"advanced_event_selector": [advanced([{"field": "resources.ARN", "starts_with": ["arn:aws:s3:::acme-records/"]}])]})
	denied([bucket("records"), t]) == set()
}

test_advanced_selector_filtering_event_names_is_partial if {
	t := trail({"advanced_event_selector": [advanced([{"field": "eventName", "equals": ["PutObject"]}])]})
	denied([bucket("records"), t]) == {"aws_s3_bucket.records"}
}

test_unresolved_values_cannot_be_verified if {
	t := trail({"event_selector": [selector("All", {"$unknown": "var.data_buckets"})]})
	msgs := [f.msg | some f in gxp04.deny] with input as unit([bucket("records"), t])
	msgs == ["aws_s3_bucket.records: S3 data events (read, write) of this GxP bucket could not be verified to be recorded by a CloudTrail (unresolved: aws_cloudtrail.audit event_selector data_resource = var.data_buckets)"]
}

# The trail's own bucket: server access logs instead of data events (no delivery loop).
test_trail_bucket_with_access_logging_is_exempt if {
	trail_bucket := tf("aws_s3_bucket", "trail", {"bucket": "acme-trail"}, {"gxp-classification": "gxp-critical"})
	logging := tf("aws_s3_bucket_logging", "trail", {"bucket": {"$unknown": "aws_s3_bucket.trail.id"}, "target_bucket": "acme-logs"}, {})
	denied([trail_bucket, logging, trail({})]) == set()
	denied([trail_bucket, trail({})]) == {"aws_s3_bucket.trail"}
}

test_untagged_and_non_gxp_buckets_are_out_of_scope if {
	plain := tf("aws_s3_bucket", "tmp", {"bucket": "tmp"}, {})
	scratch := tf("aws_s3_bucket", "scratch", {"bucket": "scratch"}, {"gxp-classification": "non-gxp"})
	denied([plain, scratch]) == set()
}

# A trail in another unit of the scope covers the bucket by its literal name.
test_trail_in_inventory_covers_by_name if {
	t := trail({"event_selector": [selector("All", ["arn:aws:s3:::acme-records/"])]})
	count(gxp04.deny) == 0 with input as unit([bucket("records")]) with data.inventory.terraform as [t]
}
