# METADATA
# title: The scope has a multi-region CloudTrail with logging on
# description: >-
#   The existence half of GXP-01 (Checkov's CKV_AWS_67 and CKV_AWS_251 judge each trail):
#   across the whole scope (data.inventory), at least one aws_cloudtrail with
#   is_multi_region_trail = true and logging on (enable_logging unset or true) must exist, so
#   that every AWS API call is recorded. A module without its own trail passes when the
#   trail is elsewhere in the scope. When none exists, each Terraform unit that configures
#   the AWS provider reports it once, on its first AWS provider block (default before
#   aliased, then file and line): that configuration deploys to AWS without an audit trail.
#   A scope with AWS resources but no AWS provider block anywhere (a library of child
#   modules, or plan JSON) gets a warning, on its first AWS resource: its caller
#   configures the provider and, probably, the trail, which this scan cannot see. A trail
#   whose count, for_each, is_multi_region_trail or enable_logging cannot be resolved
#   makes the finding say the trail could not be verified.
# scope: package
# custom:
#   id: GXP-01
#   severity: high
#   family: gxp
#   controls: ["21CFR11.10(e)", "EUANNEX11-9", "EUANNEX11-12.4"]
#   applies_to: [provider]
#   remediation: >-
#     Add (or keep, in the scope scanned) an aws_cloudtrail with is_multi_region_trail = true
#     and enable_logging = true, typically in the account or organization baseline
#     configuration.
package gitops_compliance.gxp.gxp01

import data.gitops_compliance.lib.gxp
import data.gitops_compliance.lib.util

_trails := [t |
	some t in gxp.of_type("aws_cloudtrail")
	object.get(t, "mode", "managed") == "managed"
	not gxp.not_created(t)
]

_aws_provider(r) if {
	r.kind == "terraform"
	r.type == "provider"
	r.name == "aws"
}

# count and for_each that certainly create the trail (unset, or known and non-empty).
_certainly_created(t) if {
	n := object.get(t.config, "count", 1)
	is_number(n)
	n > 0
	each := object.get(t.config, "for_each", null)
	_non_empty_or_null(each)
}

_non_empty_or_null(each) if each == null

_non_empty_or_null(each) if {
	each != null
	not util.is_unknown(each)
	not is_number(each)
	count(each) > 0
}

_good(t) if {
	_certainly_created(t)
	t.config.is_multi_region_trail == true
	object.get(t.config, "enable_logging", true) in {true, null}
}

# Boolean rules stop at the first match (regorus): a compliant scope pays little here.
_satisfied if {
	some t in input.resources
	t.type == "aws_cloudtrail"
	_counted_trail(t)
}

_satisfied if {
	some t in util.as_array(gxp.inventory)
	t.type == "aws_cloudtrail"
	_counted_trail(t)
}

_counted_trail(t) if {
	t.kind == "terraform"
	object.get(t, "mode", "managed") == "managed"
	_good(t)
}

# Why each trail of the scope does not count, and what could not be resolved.
_unknowns := {sprintf("%s.%s = %s", [t.address, key, util.unknown_text(v)]) |
	some t in _trails
	some key in ["count", "for_each", "is_multi_region_trail", "enable_logging"]
	v := object.get(t.config, key, null)
	util.is_unknown(v)
}

_reasons := {sprintf("%s is single-region", [t.address]) |
	some t in _trails
	object.get(t.config, "is_multi_region_trail", false) in {false, null}
} | {sprintf("%s has logging off", [t.address]) |
	some t in _trails
	t.config.enable_logging == false
}

_message(anchor) := sprintf("%s: no multi-region CloudTrail with logging on could be verified in the scope (unresolved: %s)", [anchor, concat("; ", sort(_unknowns))]) if count(_unknowns) > 0

_message(anchor) := sprintf("%s: no multi-region CloudTrail with logging on in the scope (%s)", [anchor, concat("; ", sort(_reasons))]) if {
	count(_unknowns) == 0
	count(_reasons) > 0
}

_message(anchor) := sprintf("%s: no multi-region CloudTrail with logging on in the scope: this configuration deploys to AWS without an audit trail", [anchor]) if {
	count(_unknowns) == 0
	count(_reasons) == 0
}

# The unit's first AWS provider configuration: the default one before aliases, then by file
# and line.
_anchor := sorted[0][3] if {
	sorted := sort([[count(split(p.address, ".")), object.get(p, "file", ""), object.get(p, "line", 0), p] |
		some p in input.resources
		_aws_provider(p)
	])
	count(sorted) > 0
}

deny contains finding if {
	p := _anchor # the unit's own providers first: the scope-wide pass only where needed
	not _satisfied
	finding := util.item(p, {"msg": _message(p.address), "attribute": "cloudtrail"})
}

# ---- no AWS provider configuration anywhere in the scope -------------------------------

_scope_has_aws_provider if {
	some r in util.as_array(gxp.inventory)
	r.type == "provider"
	_aws_provider(r)
}

_scope_has_aws_provider if {
	some r in input.resources
	_aws_provider(r)
}

_unit_has_aws_resource if {
	some r in input.resources
	r.kind == "terraform"
	object.get(r, "provider", "") == "aws"
}

# The scope's first AWS resource, by file, line and address.
_first_aws_resource := sorted[0] if {
	sorted := sort([[object.get(r, "file", ""), object.get(r, "line", 0), r.address] |
		some r in array.concat(util.as_array(gxp.inventory), input.resources)
		r.kind == "terraform"
		object.get(r, "provider", "") == "aws"
		object.get(r, "mode", "managed") == "managed"
	])
	count(sorted) > 0
}

warn contains finding if {
	_unit_has_aws_resource
	not _anchor # a unit with its own provider block: the scope has one, no second pass
	not _scope_has_aws_provider
	not _satisfied
	[file, line, address] := _first_aws_resource
	some r in input.resources
	r.kind == "terraform"
	r.address == address
	object.get(r, "file", "") == file
	object.get(r, "line", 0) == line
	finding := util.item(r, {
		"msg": sprintf("%s: the scope has AWS resources but no AWS provider configuration and no multi-region CloudTrail with logging on; the trail of the configuration that calls these modules could not be checked", [r.address]),
		"attribute": "cloudtrail",
	})
}
