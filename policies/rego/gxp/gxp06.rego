# METADATA
# title: GxP record buckets are versioned, WORM-locked and not public
# description: >-
#   Every S3 bucket in GxP scope (classified with one of the gxp_values, default
#   gxp-critical and gxp-supporting) has versioning enabled (inline, or the provider-v4
#   aws_s3_bucket_versioning joined to it) and its public access blocked (all four settings
#   of an aws_s3_bucket_public_access_block joined to it, or of the account-level
#   aws_s3_account_public_access_block). Record buckets (gxp_critical_values, default
#   gxp-critical) also carry an Object Lock default retention in COMPLIANCE mode of at least
#   object_lock_days (inline object_lock_configuration, or the provider-v4
#   aws_s3_bucket_object_lock_configuration, which Checkov's CKV_AWS_21 family misses).
#   A split resource is joined by reference (bucket = aws_s3_bucket.x.id, same module) or
#   by the literal bucket name. A bucket whose classification is unresolved is judged as a
#   record bucket; a setting that cannot be resolved is reported as not verifiable.
# scope: package
# custom:
#   id: GXP-06
#   severity: high
#   family: gxp
#   controls: ["21CFR11.10(c)", "EUANNEX11-7.1", "EUANNEX11-17"]
#   applies_to: [aws_s3_bucket]
#   remediation: >-
#     Enable versioning (aws_s3_bucket_versioning with status Enabled), block public access
#     (aws_s3_bucket_public_access_block with block_public_acls, block_public_policy,
#     ignore_public_acls and restrict_public_buckets all true) and, on record buckets, set
#     object_lock_enabled = true with an aws_s3_bucket_object_lock_configuration default
#     retention in COMPLIANCE mode for at least the records retention period.
package gitops_compliance.gxp.gxp06

import data.gitops_compliance.lib.gxp
import data.gitops_compliance.lib.util

default params := {}

params := data.gitops_compliance.params

lock_days := object.get(params, "object_lock_days", 365)

_pab_keys := ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]

_bucket(b) if {
	b.kind == "terraform"
	object.get(b, "mode", "managed") == "managed"
	b.type == "aws_s3_bucket"
	not gxp.not_created(b)
}

# The provider-v4 resources that configure buckets, by type: one pass over the scope per
# type, only in units that hold a GxP bucket.
_split_types := ["aws_s3_bucket_versioning", "aws_s3_bucket_object_lock_configuration", "aws_s3_bucket_public_access_block"]

_split_resources := {type: gxp.of_type(type) | some type in _split_types}

# The provider-v4 resources of `type` that configure bucket `b`.
_splits(b, type) := [s |
	some s in _split_resources[type]
	object.get(s, "mode", "managed") == "managed"
	gxp.designates(s, object.get(util.as_object(s.config), "bucket", null), b, "bucket")
]

# Split resources of `type` in b's module whose bucket cannot be told: they might be b's.
_unjoined(b, type) := {sprintf("%s.bucket = %s", [s.address, util.unknown_text(v)]) |
	some s in _split_resources[type]
	object.get(s, "module", "") == object.get(b, "module", "")
	v := object.get(util.as_object(s.config), "bucket", null)
	gxp.undetermined(v, "aws_s3_bucket")
}

_unknown_field(where, field, value) := sprintf("%s.%s = %s", [where, field, util.unknown_text(value)]) if util.is_unknown(value)

# ---- versioning ------------------------------------------------------------------------

_versioned(b) if gxp.block(b.config, "versioning").enabled == true

_versioned(b) if {
	some s in _splits(b, "aws_s3_bucket_versioning")
	gxp.block(s.config, "versioning_configuration").status == "Enabled"
}

_versioning_unknowns(b) := {t |
	some [where, field, value] in array.concat(
		[
			[b.address, "versioning", object.get(b.config, "versioning", null)],
			[b.address, "versioning[0].enabled", object.get(gxp.block(b.config, "versioning"), "enabled", null)],
		],
		[[s.address, "versioning_configuration[0].status", v] |
			some s in _splits(b, "aws_s3_bucket_versioning")
			v := object.get(gxp.block(s.config, "versioning_configuration"), "status", null)
		],
	)
	t := _unknown_field(where, field, value)
} | _unjoined(b, "aws_s3_bucket_versioning")

deny contains finding if {
	some b in input.resources
	b.type == "aws_s3_bucket" # cheap test first: function calls dominate the cost
	_bucket(b)
	gxp.in_gxp_scope(b)
	not _versioned(b)
	unknowns := _versioning_unknowns(b)
	finding := util.item(b, {"msg": _versioning_msg(b, unknowns), "attribute": "versioning"})
}

_versioning_msg(b, unknowns) := sprintf("%s: versioning of this GxP bucket is not enabled%s", [b.address, gxp.scope_note(b)]) if count(unknowns) == 0

_versioning_msg(b, unknowns) := sprintf("%s: versioning of this GxP bucket could not be verified (unresolved: %s)%s", [b.address, concat("; ", sort(unknowns)), gxp.scope_note(b)]) if count(unknowns) > 0

# ---- Object Lock (record buckets) ------------------------------------------------------

# Every default retention that applies to b: {"where": address, "retention": {...}}.
_retentions(b) := array.concat(
	[{"where": b.address, "retention": r} |
		rule := gxp.block(gxp.block(b.config, "object_lock_configuration"), "rule")
		r := gxp.block(rule, "default_retention")
		count(r) > 0
	],
	[{"where": s.address, "retention": r} |
		some s in _splits(b, "aws_s3_bucket_object_lock_configuration")
		r := gxp.block(gxp.block(s.config, "rule"), "default_retention")
		count(r) > 0
	],
)

_days(r) := r.days if is_number(r.days)

_days(r) := r.years * 365 if {
	not is_number(object.get(r, "days", null))
	is_number(r.years)
}

_locked(b) if {
	some c in _retentions(b)
	c.retention.mode == "COMPLIANCE"
	_days(c.retention) >= lock_days
}

_lock_unknowns(b) := {t |
	some [where, field, value] in array.concat(
		array.concat(
			[[b.address, "object_lock_configuration", object.get(b.config, "object_lock_configuration", null)]],
			[[s.address, "rule", object.get(s.config, "rule", null)] | some s in _splits(b, "aws_s3_bucket_object_lock_configuration")],
		),
		[[c.where, sprintf("default_retention.%s", [key]), v] |
			some c in _retentions(b)
			some key in ["mode", "days", "years"]
			v := object.get(c.retention, key, null)
		],
	)
	t := _unknown_field(where, field, value)
} | _unjoined(b, "aws_s3_bucket_object_lock_configuration")

# What is wrong with each retention that is there.
_lock_problems(b) := {p |
	some c in _retentions(b)
	some p in _retention_problems(c)
}

_retention_problems(c) := {sprintf("%s is in %v mode, not COMPLIANCE", [c.where, c.retention.mode]) |
	is_string(c.retention.mode)
	c.retention.mode != "COMPLIANCE"
} | {sprintf("%s retains %v days, below %v", [c.where, _days(c.retention), lock_days]) |
	_days(c.retention) < lock_days
}

deny contains finding if {
	some b in input.resources
	b.type == "aws_s3_bucket" # cheap test first: function calls dominate the cost
	_bucket(b)
	gxp.in_record_scope(b)
	not _locked(b)
	finding := util.item(b, {"msg": _lock_msg(b, _lock_unknowns(b), _lock_problems(b)), "attribute": "object_lock_configuration"})
}

_lock_msg(b, unknowns, _) := sprintf("%s: the Object Lock retention of this GxP record bucket could not be verified (unresolved: %s)%s", [b.address, concat("; ", sort(unknowns)), gxp.scope_note(b)]) if count(unknowns) > 0

_lock_msg(b, unknowns, problems) := sprintf("%s: GxP record bucket without an Object Lock default retention in COMPLIANCE mode of at least %v days: %s%s", [b.address, lock_days, concat("; ", sort(problems)), gxp.scope_note(b)]) if {
	count(unknowns) == 0
	count(problems) > 0
}

_lock_msg(b, unknowns, problems) := sprintf("%s: GxP record bucket without an Object Lock default retention (COMPLIANCE mode, at least %v days)%s", [b.address, lock_days, gxp.scope_note(b)]) if {
	count(unknowns) == 0
	count(problems) == 0
}

# ---- public access block ---------------------------------------------------------------

_blocks_all(s) if every key in _pab_keys {
	object.get(s.config, key, false) == true
}

_account_blocks if {
	some a in gxp.of_type("aws_s3_account_public_access_block")
	object.get(a, "mode", "managed") == "managed"
	not gxp.not_created(a)
	_blocks_all(a)
}

_public_blocked(b) if {
	some s in _splits(b, "aws_s3_bucket_public_access_block")
	_blocks_all(s)
}

_public_blocked(_) if _account_blocks

_pab_unknowns(b) := {t |
	some s in _splits(b, "aws_s3_bucket_public_access_block")
	some key in _pab_keys
	t := _unknown_field(s.address, key, object.get(s.config, key, null))
} | _unjoined(b, "aws_s3_bucket_public_access_block")

_pab_off(b) := {sprintf("%s.%s", [s.address, key]) |
	some s in _splits(b, "aws_s3_bucket_public_access_block")
	some key in _pab_keys
	object.get(s.config, key, false) == false
}

deny contains finding if {
	some b in input.resources
	b.type == "aws_s3_bucket" # cheap test first: function calls dominate the cost
	_bucket(b)
	gxp.in_gxp_scope(b)
	not _public_blocked(b)
	finding := util.item(b, {"msg": _pab_msg(b, _pab_unknowns(b), _pab_off(b)), "attribute": "public_access_block"})
}

_pab_msg(b, unknowns, _) := sprintf("%s: whether public access to this GxP bucket is blocked could not be verified (unresolved: %s)%s", [b.address, concat("; ", sort(unknowns)), gxp.scope_note(b)]) if count(unknowns) > 0

_pab_msg(b, unknowns, off) := sprintf("%s: public access to this GxP bucket is not fully blocked (not true: %s)%s", [b.address, concat(", ", sort(off)), gxp.scope_note(b)]) if {
	count(unknowns) == 0
	count(off) > 0
}

_pab_msg(b, unknowns, off) := sprintf("%s: GxP bucket without an aws_s3_bucket_public_access_block blocking all public access%s", [b.address, gxp.scope_note(b)]) if {
	count(unknowns) == 0
	count(off) == 0
}
