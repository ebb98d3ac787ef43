# Helpers of the GxP family (GXP-01 … GXP-09): which resources are in GxP scope, and how
# a Terraform resource is joined to the resource another one configures.
#
# GxP scope comes from the classification tag (params.gxp_tag, default gxp-classification):
#
# * a GxP resource: classified with one of params.gxp_values (default gxp-critical and
#   gxp-supporting) — GXP-04 data events, GXP-06 versioning and public access block,
#   GXP-09 blob versioning and immutability;
# * a GxP record resource: classified with one of params.gxp_critical_values (default
#   gxp-critical) — GXP-06 Object Lock: WORM is for the records themselves; a
#   gxp-supporting bucket such as the S3 server-access-log sink cannot even carry an
#   Object Lock default retention (S3 does not deliver access logs to such a bucket);
# * baseline (GXP-05 log retention, GXP-07 backups, GXP-09 AKS audit logs): every resource
#   except one classified with a valid value that is not a GxP value (non-gxp). A missing
#   classification does not exempt a database from backups: it is GXP-10's finding.
#
# An unresolved classification (tags or the tag's value $unknown) fails closed: the
# resource is treated as GxP (and as a record resource), and findings say why.
package gitops_compliance.lib.gxp

import data.gitops_compliance.lib.util

default _params := {}

_params := data.gitops_compliance.params

gxp_tag := object.get(_params, "gxp_tag", "gxp-classification")

gxp_values := object.get(_params, "gxp_values", ["gxp-critical", "gxp-supporting"])

critical_values := object.get(_params, "gxp_critical_values", ["gxp-critical"])

# The classification's allowed values (GXP-10's required_tags), or null when unconstrained.
_allowed_classifications := object.get(object.get(_params, "required_tags", {}), gxp_tag, null)

default inventory := []

inventory := data.inventory.terraform

# The Terraform resources of one type in the whole scope: the inventory, plus the unit's own
# resources (the inventory holds them too in a scan; a unit evaluated on its own — the Rego
# tests — has none). Duplicates are harmless: the rules ask whether something exists, and
# identical items are one finding.
#
# Cost: each call is one pass over the inventory, in every unit that reaches it, and no
# engine caches it between units. Policies keep the result in a rule (evaluated once per
# unit, and only when a body reaches it) and reach it only after the unit's own resources
# showed it is needed; the type test comes first because it is the cheap one.
of_type(type) := array.concat(
	[r | some r in util.as_array(inventory); r.type == type; r.kind == "terraform"],
	[r | some r in input.resources; r.type == type; r.kind == "terraform"],
)

# Effective tags: the top-level `tags` of the input contract (resource tags over the
# provider's default_tags), else config.tags; null means none.
tags(r) := t if {
	t := object.get(r, "tags", object.get(util.as_object(r.config), "tags", {}))
	t != null
}

tags(r) := {} if object.get(r, "tags", object.get(util.as_object(r.config), "tags", {})) == null

# The classification value when it is known: a string (possibly "").
classification(r) := value if {
	t := tags(r)
	not util.is_unknown(t)
	is_object(t)
	value := object.get(t, gxp_tag, "")
	is_string(value)
}

# The expression text that hides the classification, when it is unresolved.
unresolved_classification(r) := util.unknown_text(t) if {
	t := tags(r)
	util.is_unknown(t)
}

unresolved_classification(r) := util.unknown_text(value) if {
	t := tags(r)
	is_object(t)
	not util.is_unknown(t)
	value := t[gxp_tag]
	util.is_unknown(value)
}

# A GxP resource (gxp_values), or one whose classification is unresolved.
in_gxp_scope(r) if classification(r) in gxp_values

in_gxp_scope(r) if unresolved_classification(r)

# A GxP record resource (gxp_critical_values), or one whose classification is unresolved.
in_record_scope(r) if classification(r) in critical_values

in_record_scope(r) if unresolved_classification(r)

# Classified, with a valid value, as outside GxP (non-gxp): the one way out of the baseline.
known_non_gxp(r) if {
	value := classification(r)
	value != ""
	not value in gxp_values
	_valid_classification(value)
}

_valid_classification(_) if _allowed_classifications == null

_valid_classification(value) if value in util.as_array(_allowed_classifications)

in_baseline_scope(r) if not known_non_gxp(r)

# Appended to messages about a resource judged because its classification is unresolved.
scope_note(r) := sprintf(" (treated as GxP: the %s tag could not be resolved: %s)", [gxp_tag, unresolved_classification(r)])

scope_note(r) := "" if not unresolved_classification(r)

# A resource that Terraform will not create: count = 0, or for_each over an empty
# collection. An unresolved count or for_each may create it, so it counts.
not_created(r) if object.get(util.as_object(r.config), "count", 1) == 0

not_created(r) if object.get(util.as_object(r.config), "for_each", null) in {[], {}}

# The names of `type` resources an unresolved value refers to (aws_s3_bucket.x.id,
# "${aws_s3_bucket.x[0].arn}/", try(aws_s3_bucket.x["k"].id, "")). A data source of the same
# type (data.aws_s3_bucket.x) is not one.
referenced_names(value, type) := {m[1] |
	util.is_unknown(value)
	text := util.unknown_text(value)
	pattern := concat("", [`(?:^|[^A-Za-z0-9_.\-])`, replace(type, ".", `\.`), `\.([A-Za-z_][A-Za-z0-9_-]*)`])
	some m in regex.find_all_string_submatch_n(pattern, text, -1)
}

# Whether `value`, an attribute of resource `source`, designates `target`: by reference
# (`aws_s3_bucket.x.id` — only within one module, where addresses are unique; an expression
# that names two such resources, `var.a ? aws_s3_bucket.x.id : aws_s3_bucket.y.id`,
# designates neither) or by the literal value of the target's `name_attribute` (a bucket
# name written out, or resolved from a variable — anywhere in the scope).
designates(source, value, target, name_attribute) if {
	referenced_names(value, target.type) == {target.name}
	object.get(source, "module", "") == object.get(target, "module", "")
}

# An unresolved value that does not designate one resource of `type` by reference: it may
# be any of them.
undetermined(value, type) if {
	util.is_unknown(value)
	count(referenced_names(value, type)) != 1
}

designates(_, value, target, name_attribute) if {
	is_string(value)
	value != ""
	object.get(util.as_object(target.config), name_attribute, null) == value
}

# The first nested block `name` of a config, or {} (nested blocks are lists of objects).
block(config, name) := b if {
	blocks := object.get(util.as_object(config), name, [])
	is_array(blocks)
	b := util.as_object(blocks[0])
}

block(config, name) := {} if {
	blocks := object.get(util.as_object(config), name, [])
	not _non_empty_array(blocks)
}

_non_empty_array(value) if {
	is_array(value)
	count(value) > 0
}

# Every nested block `name` of a config (objects only).
blocks(config, name) := [b | some b in util.as_array(object.get(util.as_object(config), name, [])); is_object(b)]
