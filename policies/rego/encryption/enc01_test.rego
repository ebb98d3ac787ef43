package gitops_compliance.encryption.enc01_test

import data.gitops_compliance.encryption.enc01

gxp_tags := {"gxp-classification": "gxp-critical", "data-classification": "restricted"}

bucket(tags, config) := {
	"address": "aws_s3_bucket.records", "kind": "terraform", "type": "aws_s3_bucket", "name": "records",
	"file": "s3.tf", "line": 1, "mode": "managed", "module": "", "tags": tags,
	"config": object.union({"bucket": "acme-records"}, config),
}

sse(bucket_ref, algorithm, key) := {
	"address": "aws_s3_bucket_server_side_encryption_configuration.records", "kind": "terraform",
	"type": "aws_s3_bucket_server_side_encryption_configuration", "name": "records",
	"file": "s3.tf", "line": 9, "mode": "managed", "module": "", "tags": {},
	"config": {"bucket": bucket_ref, "rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": algorithm, "kms_master_key_id": key}]}]},
}

ref := {"$unknown": "aws_s3_bucket.records.id"}

unit(resources) := {"contract_version": 1, "kind": "terraform", "unit": "", "resources": resources}

test_gxp_bucket_without_configuration_fires if {
	enc01.deny == {{
		"msg": "aws_s3_bucket.records holds GxP or confidential data and has no server-side encryption configuration (S3 then applies SSE-S3 with an AWS-owned key)",
		"resource": "aws_s3_bucket.records", "file": "s3.tf", "attribute": "server_side_encryption_configuration",
	}} with input as unit([bucket(gxp_tags, {})])
}

test_v4_resource_with_cmk_passes if {
	count(enc01.deny) == 0 with input as unit([bucket(gxp_tags, {}), sse(ref, "aws:kms", {"$unknown": "aws_kms_key.records.arn"})])
}

test_v4_resource_with_sse_s3_fires if {
	[f.msg | some f in enc01.deny] == ["aws_s3_bucket.records holds GxP or confidential data and is not encrypted by default with SSE-KMS under a customer-managed key"] with input as unit([bucket(gxp_tags, {}), sse(ref, "AES256", null)])
}

test_aws_managed_key_fires if {
	count(enc01.deny) == 1 with input as unit([bucket(gxp_tags, {}), sse(ref, "aws:kms", "alias/aws/s3")])
}

test_kms_without_key_fires if {
	count(enc01.deny) == 1 with input as unit([bucket(gxp_tags, {}), sse(ref, "aws:kms", null)])
}

test_joined_by_name_passes if {
	count(enc01.deny) == 0 with input as unit([bucket(gxp_tags, {}), sse("acme-records", "aws:kms", "arn:aws:kms:eu-central-1:111122223333:key/abcd")])
}

test_configuration_of_another_bucket_does_not_count if {
	count(enc01.deny) == 1 with input as unit([bucket(gxp_tags, {}), sse({"$unknown": "aws_s3_bucket.other.id"}, "aws:kms", {"$unknown": "aws_kms_key.k.arn"})])
}

test_inline_cmk_passes if {
	inline := {"server_side_encryption_configuration": [{"rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms", "kms_master_key_id": {"$unknown": "aws_kms_key.k.arn"}}]}]}]}
	count(enc01.deny) == 0 with input as unit([bucket({"data-classification": "confidential"}, inline)])
}

test_out_of_scope_bucket_passes if {
	count(enc01.deny) == 0 with input as unit([bucket({"gxp-classification": "non-gxp", "data-classification": "public"}, {})])
}

test_scope_is_a_parameter if {
	count(enc01.deny) == 1 with input as unit([bucket({"tier": "records"}, {})])
		with data.gitops_compliance.params.cmk_required_tags as {"tier": ["records"]}
}

test_unresolved_key_cannot_be_verified if {
	[f.msg | some f in enc01.deny] == ["aws_s3_bucket.records holds GxP or confidential data; its encryption could not be verified to use a customer-managed KMS key"] with input as unit([bucket(gxp_tags, {}), sse(ref, "aws:kms", {"$unknown": "var.kms_key_arn"})])
}

test_unresolved_tags_without_cmk_fire if {
	{f.attribute | some f in enc01.deny} == {"tags"} with input as unit([bucket({"$unknown": "var.tags"}, {})])
}

# A key id next to SSE-S3 does not make it SSE-KMS.
test_aes256_with_a_key_id_fires if {
	count(enc01.deny) == 1 with input as unit([bucket(gxp_tags, {}), sse(ref, "AES256", {"$unknown": "aws_kms_key.records.arn"})])
}
