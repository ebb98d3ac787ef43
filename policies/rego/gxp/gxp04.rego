# METADATA
# title: CloudTrail records S3 data events, read and write, on every GxP bucket
# description: >-
#   Object-level access to GxP records (who read or changed which object) is part of the
#   audit trail. For every S3 bucket in GxP scope (classified with one of the gxp_values,
#   default gxp-critical and gxp-supporting), some CloudTrail of the scope with logging on
#   must record AWS::S3::Object data events for the whole bucket, both read and write —
#   through event_selector (data_resource values arn:aws:s3, arn:aws:s3:::, or
#   arn:aws:s3:::<bucket>/; read_write_type All, or ReadOnly and WriteOnly selectors
#   together) or advanced_event_selector (eventCategory Data, resources.type
#   AWS::S3::Object, readOnly unset or both values, resources.ARN unset or starts_with the
#   bucket; any other field filter makes a selector partial). Buckets are matched by
#   reference (aws_s3_bucket.x.arn, same module) or by their literal name. A trail's own
#   destination bucket may instead have S3 server access logging (AWS warns that a trail
#   logging data events on its own bucket logs its own deliveries in a loop). Values that
#   cannot be resolved make the finding say the coverage could not be verified.
# scope: package
# custom:
#   id: GXP-04
#   severity: high
#   family: gxp
#   controls: ["21CFR11.10(e)", "21CFR11.10(k)", "EUANNEX11-9"]
#   applies_to: [aws_s3_bucket]
#   remediation: >-
#     Add the bucket to a trail's data events — an advanced_event_selector with
#     eventCategory = Data, resources.type = AWS::S3::Object and resources.ARN starts_with
#     "arn:aws:s3:::<bucket>/" (no readOnly filter), or an event_selector with
#     read_write_type = "All" and a data_resource of type AWS::S3::Object listing
#     "${aws_s3_bucket.x.arn}/".
package gitops_compliance.gxp.gxp04

import data.gitops_compliance.lib.gxp
import data.gitops_compliance.lib.util

_both := {"read", "write"}

_bucket(b) if {
	b.kind == "terraform"
	object.get(b, "mode", "managed") == "managed"
	b.type == "aws_s3_bucket"
	not gxp.not_created(b)
	gxp.in_gxp_scope(b)
}

_trails := [t |
	some t in gxp.of_type("aws_cloudtrail")
	object.get(t, "mode", "managed") == "managed"
	not gxp.not_created(t)
	object.get(t.config, "enable_logging", true) != false
]

# A trail that may not exist or may not log: what it records makes coverage uncertain.
_uncertain_trail(t) := {sprintf("%s.%s = %s", [t.address, key, util.unknown_text(v)]) |
	some key in ["count", "for_each", "enable_logging"]
	v := object.get(t.config, key, null)
	util.is_unknown(v)
}

_bucket_root(b) := sprintf("arn:aws:s3:::%s/", [b.config.bucket]) if is_string(b.config.bucket)

# ---- does one ARN value designate the whole bucket? "yes", "no" or "unknown" -----------

_all_buckets(v) if regex.match(`^arn:aws[a-z-]*:s3(:::)?$`, v)

_strip_partition(v) := regex.replace(v, `^arn:aws[a-z-]*:`, "arn:aws:")

# "${aws_s3_bucket.x.arn}/" or "arn:aws:s3:::${aws_s3_bucket.x.id}/": a whole bucket.
_whole_bucket_text(v) if regex.match(`^"(arn:aws[a-z-]*:s3:::)?\$\{[^}]+\}/"$`, util.unknown_text(v))

# exact: the value must be the bucket's root ("arn:aws:s3:::b/"); otherwise (advanced
# selectors' starts_with) any prefix of it.
_match(t, b, v, _) := "yes" if {
	is_string(v)
	_all_buckets(v)
}

_match(t, b, v, exact) := _literal_match(b, _strip_partition(v), exact) if {
	is_string(v)
	not _all_buckets(v)
}

_match(t, b, v, _) := "yes" if {
	util.is_unknown(v)
	_whole_bucket_text(v)
	gxp.designates(t, v, b, "bucket")
}

# A reference to one other bucket, or to a prefix of this one only.
_match(t, b, v, _) := "no" if {
	util.is_unknown(v)
	count(gxp.referenced_names(v, "aws_s3_bucket")) == 1
	not _whole_reference(t, b, v)
}

# References to other buckets only.
_match(t, b, v, _) := "no" if {
	util.is_unknown(v)
	count(gxp.referenced_names(v, "aws_s3_bucket")) > 1
	not b.name in gxp.referenced_names(v, "aws_s3_bucket")
}

# No bucket reference (var.buckets), or a choice between this bucket and others.
_match(t, b, v, _) := "unknown" if {
	util.is_unknown(v)
	count(gxp.referenced_names(v, "aws_s3_bucket")) == 0
}

_match(t, b, v, _) := "unknown" if {
	util.is_unknown(v)
	count(gxp.referenced_names(v, "aws_s3_bucket")) > 1
	b.name in gxp.referenced_names(v, "aws_s3_bucket")
}

_whole_reference(t, b, v) if {
	_whole_bucket_text(v)
	gxp.designates(t, v, b, "bucket")
}

_literal_covers(b, v, exact) if {
	exact == true
	v == sprintf("arn:aws:s3:::%s/", [b.config.bucket])
}

_literal_covers(b, v, exact) if {
	exact == false
	startswith(sprintf("arn:aws:s3:::%s/", [b.config.bucket]), v)
	startswith(v, "arn:aws:s3:::")
}

_literal_match(b, v, exact) := "yes" if _literal_covers(b, v, exact)

_literal_match(b, v, exact) := "no" if {
	is_string(b.config.bucket)
	not _literal_covers(b, v, exact)
}

_literal_match(b, v, _) := "unknown" if not is_string(object.get(b.config, "bucket", null))

_why(where, v) := sprintf("%s = %s", [where, util.unknown_text(v)]) if util.is_unknown(v)

_why(where, v) := sprintf("%s = %v, the bucket's name is unresolved", [where, v]) if not util.is_unknown(v)

# ---- what one trail records for one bucket: {"rw": "read"|"write"|"unknown", "why"} -----

_rw_types := {"All": {"read", "write"}, "ReadOnly": {"read"}, "WriteOnly": {"write"}}

_records(t, b) := _simple_records(t, b) | _advanced_records(t, b)

_simple_records(t, b) := {x |
	some sel in gxp.blocks(t.config, "event_selector")
	some dr in gxp.blocks(sel, "data_resource")
	dr.type == "AWS::S3::Object"
	some v in _values_or_unknown(object.get(dr, "values", []))
	m := _match(t, b, v, true)
	m != "no"
	some x in _with_match(_rw(sel), m, _why(sprintf("%s event_selector data_resource", [t.address]), v))
}

# Values may themselves be unresolved: one unknown stands for the whole list.
_values_or_unknown(values) := values if is_array(values)

_values_or_unknown(values) := [values] if util.is_unknown(values)

_rw(sel) := _rw_types[object.get(sel, "read_write_type", "All")]

_rw(sel) := {"unknown"} if util.is_unknown(object.get(sel, "read_write_type", "All"))

_with_match(rws, "yes", why) := {{"rw": rw, "why": why} | some rw in rws}

_with_match(_, "unknown", why) := {{"rw": "unknown", "why": why}}

# Advanced event selectors: field selectors are ANDed.
_known_fields := {"eventCategory", "resources.type", "readOnly", "resources.ARN"}

_operators := ["equals", "not_equals", "starts_with", "not_starts_with", "ends_with", "not_ends_with"]

_advanced_records(t, b) := {x |
	some sel in gxp.blocks(t.config, "advanced_event_selector")
	fields := gxp.blocks(sel, "field_selector")
	_selects_s3_data(fields)
	not _filters_other_fields(fields)
	matches := _arn_matches(t, b, fields)
	not "no" in matches
	some x in _advanced_with(_advanced_rw(fields), matches, t)
}

_advanced_with(rws, matches, _) := {{"rw": rw, "why": ""} | some rw in rws} if _all_yes(matches)

_advanced_with(_, matches, _) := {{"rw": "unknown", "why": m.why} | some m in matches; m.result == "unknown"} if not _all_yes(matches)

_all_yes(matches) if every m in matches {
	m.result == "yes"
}

_selects_s3_data(fields) if {
	some f in fields
	f.field == "eventCategory"
	"Data" in util.as_array(object.get(f, "equals", []))
	some g in fields
	g.field == "resources.type"
	"AWS::S3::Object" in util.as_array(object.get(g, "equals", []))
}

# A filter on any other field (eventName, userIdentity.arn …), or an operator other than
# equals on the ones above (starts_with on resources.ARN excepted), records part of the
# events only.
_filters_other_fields(fields) if {
	some f in fields
	not f.field in _known_fields
}

_filters_other_fields(fields) if {
	some f in fields
	f.field in {"eventCategory", "resources.type", "readOnly"}
	some op in _operators
	op != "equals"
	object.get(f, op, null) != null
}

_filters_other_fields(fields) if {
	some f in fields
	f.field == "resources.ARN"
	some op in _operators
	op != "starts_with"
	object.get(f, op, null) != null
}

_advanced_rw(fields) := {"read", "write"} if not _has_field(fields, "readOnly")

_advanced_rw(fields) := rws if {
	_has_field(fields, "readOnly")
	rws := {rw |
		some f in fields
		f.field == "readOnly"
		some v in util.as_array(object.get(f, "equals", []))
		rw := {"true": "read", "false": "write"}[lower(sprintf("%v", [v]))]
	}
}

_has_field(fields, name) if {
	some f in fields
	f.field == name
}

# One result per resources.ARN field selector: "yes" when one of its starts_with values
# covers the bucket, else "unknown" when one may, else "no".
_arn_matches(t, b, fields) := [_best(t, b, f) | some f in fields; f.field == "resources.ARN"]

_best(t, b, f) := {"result": "yes", "why": ""} if "yes" in _prefix_results(t, b, f)

_best(t, b, f) := {"result": "unknown", "why": concat("; ", sort(whys))} if {
	not "yes" in _prefix_results(t, b, f)
	whys := {_why(sprintf("%s advanced_event_selector resources.ARN", [t.address]), v) |
		some v in _values_or_unknown(object.get(f, "starts_with", []))
		_match(t, b, v, false) == "unknown"
	}
	count(whys) > 0
}

_best(t, b, f) := {"result": "no", "why": ""} if {
	not "yes" in _prefix_results(t, b, f)
	not "unknown" in _prefix_results(t, b, f)
}

_prefix_results(t, b, f) := {_match(t, b, v, false) | some v in _values_or_unknown(object.get(f, "starts_with", []))}

# ---- coverage of a bucket by every trail of the scope ----------------------------------

_covered(b) := {x.rw |
	some t in _trails
	count(_uncertain_trail(t)) == 0
	some x in _records(t, b)
	x.rw != "unknown"
}

_uncertainties(b) := {x.why |
	some t in _trails
	some x in _records(t, b)
	x.rw == "unknown"
} | {why |
	some t in _trails
	count(_records(t, b)) > 0
	some why in _uncertain_trail(t)
}

# The destination bucket of a trail of the scope, with S3 server access logging on.
_logged_trail_bucket(b) if {
	some t in _trails
	gxp.designates(t, object.get(t.config, "s3_bucket_name", null), b, "bucket")
	_access_logged(b)
}

_access_logged(b) if count(gxp.blocks(b.config, "logging")) > 0

_loggings := gxp.of_type("aws_s3_bucket_logging")

_access_logged(b) if {
	some l in _loggings
	gxp.designates(l, object.get(util.as_object(l.config), "bucket", null), b, "bucket")
}

deny contains finding if {
	some b in input.resources
	b.type == "aws_s3_bucket" # cheap test first: function calls dominate the cost
	_bucket(b)
	not _logged_trail_bucket(b)
	missing := _both - _covered(b)
	count(missing) > 0
	finding := util.item(b, {"msg": _message(b, missing, _uncertainties(b)), "attribute": "cloudtrail_data_events"})
}

_message(b, missing, why) := sprintf("%s: S3 data events (%s) of this GxP bucket could not be verified to be recorded by a CloudTrail (unresolved: %s)%s", [b.address, concat(", ", sort(missing)), concat("; ", sort(why)), gxp.scope_note(b)]) if count(why) > 0

_message(b, missing, why) := sprintf("%s: no CloudTrail with logging on records the %s S3 data events of this GxP bucket%s", [b.address, concat(" and ", sort(missing)), gxp.scope_note(b)]) if count(why) == 0
