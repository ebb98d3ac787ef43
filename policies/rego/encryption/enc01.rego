# METADATA
# title: GxP and confidential S3 buckets use SSE-KMS with a customer-managed key
# description: >-
#   An aws_s3_bucket whose effective tags put it in scope (parameter cmk_required_tags; by
#   default gxp-classification gxp-critical or gxp-supporting, or data-classification
#   confidential or restricted) must default to SSE-KMS (aws:kms or aws:kms:dsse) with a
#   customer-managed key — configured inline or by the provider-v4
#   aws_s3_bucket_server_side_encryption_configuration joined to the bucket (by reference
#   or by bucket name). A bucket with no configuration gets SSE-S3 from AWS, which Checkov's
#   CKV_AWS_19 accepts; the AWS managed key aws/s3 cannot be restricted by a key policy.
#   A key written as a reference to a KMS key or alias of the configuration counts as
#   customer-managed; anything else unresolved is reported as not verifiable.
# scope: package
# custom:
#   id: ENC-01
#   severity: high
#   family: encryption
#   controls: ["21CFR11.10(c)", "21CFR11.30", "EUANNEX11-7.1"]
#   applies_to: [aws_s3_bucket]
#   remediation: >-
#     Add an aws_s3_bucket_server_side_encryption_configuration with sse_algorithm "aws:kms"
#     and kms_master_key_id set to a customer-managed aws_kms_key (with rotation on).
package gitops_compliance.encryption.enc01

import data.gitops_compliance.lib.util

default params := {}

params := data.gitops_compliance.params

scope_tags := util.as_object(object.get(params, "cmk_required_tags", {}))

_buckets contains r if {
	some r in input.resources
	r.kind == "terraform"
	r.type == "aws_s3_bucket"
	object.get(r, "mode", "managed") == "managed"
}

# In scope: "yes" (a scope tag has a listed value) or "unknown" (tags unresolved, or a
# scope tag's value unresolved, and no known match).
_scope(r) := "yes" if _in_scope(r)

_scope(r) := "unknown" if {
	not _in_scope(r)
	_maybe_in_scope(r)
}

_tags(r) := object.get(r, "tags", {})

_in_scope(r) if {
	tags := util.as_object(_tags(r))
	some key, values in scope_tags
	tags[key] in values
}

_maybe_in_scope(r) if util.is_unknown(_tags(r))

_maybe_in_scope(r) if {
	tags := util.as_object(_tags(r))
	some key, _ in scope_tags
	util.is_unknown(tags[key])
}

# The defaults of an encryption configuration body (inline block or v4 resource):
# rule[].apply_server_side_encryption_by_default[], or the unresolved value.
_defaults(body) := [d |
	some rule in util.as_array(object.get(util.as_object(body), "rule", []))
	some d in util.as_array(object.get(util.as_object(rule), "apply_server_side_encryption_by_default", []))
]

# Encryption bodies that apply to bucket r: inline blocks and joined v4 resources.
_bodies(r) := array.concat(
	util.as_array(object.get(util.as_object(r.config), "server_side_encryption_configuration", [])),
	[body | some key in _bucket_keys(r); some body in object.get(_joined, key, [])],
)

# The v4 configurations by the bucket they name, indexed once per evaluation (a lookup per
# bucket instead of a scan of the unit per bucket, which made large units quadratic):
# by reference, bucket = aws_s3_bucket.NAME.id (or .bucket, [index], "${...}"), within the
# module; by literal bucket name (plan JSON, or names written out).
_joined := {key: [body | some [k, body] in _configurations; k == key] | some [key, _] in _configurations}

_configurations := [[key, s.config] |
	some s in input.resources
	s.type == "aws_s3_bucket_server_side_encryption_configuration"
	key := _target(s)
]

_target(s) := json.marshal(["ref", object.get(s, "module", ""), name]) if {
	value := util.as_object(s.config).bucket
	util.is_unknown(value)
	text := trim_suffix(trim_prefix(trim_space(util.unknown_text(value)), "\"${"), "}\"")
	regex.match(`^aws_s3_bucket\.[A-Za-z0-9_-]+(\[[^\]]*\])?\.(id|bucket)$`, text)
	name := split(split(text, ".")[1], "[")[0]
}

_target(s) := json.marshal(["name", name]) if {
	name := util.as_object(s.config).bucket
	is_string(name)
}

_bucket_keys(r) := [json.marshal(["ref", object.get(r, "module", ""), r.name])] if {
	not is_string(util.as_object(r.config).bucket)
}

_bucket_keys(r) := [json.marshal(["ref", object.get(r, "module", ""), r.name]), json.marshal(["name", name])] if {
	name := util.as_object(r.config).bucket
	is_string(name)
}

# "cmk", "unknown" or "other" for one apply_server_side_encryption_by_default.
_kind(d) := "cmk" if {
	_kms_algorithm(d)
	_customer_key(object.get(d, "kms_master_key_id", null))
}

_kind(d) := "unknown" if {
	not _kind_known(d)
}

# Known: another algorithm (AES256), or KMS with a key that is known or a KMS reference.
_kind_known(d) if {
	algorithm := object.get(d, "sse_algorithm", null)
	is_string(algorithm)
	not _kms_algorithm(d)
}

_kind_known(d) if {
	_kms_algorithm(d)
	not util.is_unknown(object.get(d, "kms_master_key_id", null))
}

_kind_known(d) if {
	_kms_algorithm(d)
	_customer_key(object.get(d, "kms_master_key_id", null))
}

_kms_algorithm(d) if {
	algorithm := object.get(d, "sse_algorithm", "")
	is_string(algorithm)
	lower(trim_space(algorithm)) in {"aws:kms", "aws:kms:dsse"}
}

_customer_key(key) if {
	is_string(key)
	trim_space(key) != ""
	not regex.match(`(^|:)alias/aws/`, key)
}

# References to the configuration's KMS keys or aliases; not var.*, which may be null.
_customer_key(key) if {
	util.is_unknown(key)
	text := util.unknown_text(key)
	regex.match(`(data\.)?aws_kms_(key|alias|replica_key|external_key)\.`, text)
	not contains(text, "alias/aws/")
}

# The bucket's verdict: "cmk" if some default is, else "unknown" if some default or the
# rules themselves are unresolved, else "missing" or "other".
_verdict(r) := "cmk" if _has_cmk(r)

_verdict(r) := "unknown" if {
	not _has_cmk(r)
	_has_unknown(r)
}

_verdict(r) := "missing" if {
	count(_bodies(r)) == 0
}

_verdict(r) := "other" if {
	count(_bodies(r)) > 0
	not _has_cmk(r)
	not _has_unknown(r)
}

_has_cmk(r) if {
	some body in _bodies(r)
	some d in _defaults(body)
	_kind(d) == "cmk"
}

_has_unknown(r) if {
	some body in _bodies(r)
	_body_unknown(body)
}

_body_unknown(body) if util.is_unknown(body)

_body_unknown(body) if util.is_unknown(object.get(util.as_object(body), "rule", []))

_body_unknown(body) if {
	some rule in util.as_array(object.get(util.as_object(body), "rule", []))
	util.is_unknown(object.get(util.as_object(rule), "apply_server_side_encryption_by_default", []))
}

_body_unknown(body) if {
	some d in _defaults(body)
	_kind(d) == "unknown"
}

_problem := {
	"missing": "has no server-side encryption configuration (S3 then applies SSE-S3 with an AWS-owned key)",
	"other": "is not encrypted by default with SSE-KMS under a customer-managed key",
}

deny contains finding if {
	some r in _buckets
	_scope(r) == "yes"
	text := _problem[_verdict(r)]
	finding := util.item(r, {
		"msg": sprintf("%s holds GxP or confidential data and %s", [r.address, text]),
		"attribute": "server_side_encryption_configuration",
	})
}

deny contains finding if {
	some r in _buckets
	_scope(r) == "yes"
	_verdict(r) == "unknown"
	finding := util.item(r, {
		"msg": sprintf("%s holds GxP or confidential data; its encryption could not be verified to use a customer-managed KMS key", [r.address]),
		"attribute": "server_side_encryption_configuration",
	})
}

deny contains finding if {
	some r in _buckets
	_scope(r) == "unknown"
	_verdict(r) != "cmk"
	finding := util.item(r, {
		"msg": sprintf("%s: whether it holds GxP or confidential data could not be verified (unresolved tags), and it does not use a customer-managed KMS key", [r.address]),
		"attribute": "tags",
	})
}
