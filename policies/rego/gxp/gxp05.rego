# METADATA
# title: Log groups retain logs for at least the records period
# description: >-
#   Every aws_cloudwatch_log_group keeps its events at least log_retention_days (default 365;
#   0 means the logs must be kept forever). retention_in_days = 0 or unset is "never
#   expire" and always passes. Audit and application logs are part of the audit trail, so
#   this applies to every log group except one classified as outside GxP (non-gxp); a
#   retention that cannot be resolved is reported as not verifiable.
# scope: package
# custom:
#   id: GXP-05
#   severity: high
#   family: gxp
#   controls: ["21CFR11.10(c)", "21CFR11.10(e)"]
#   applies_to: [aws_cloudwatch_log_group]
#   remediation: >-
#     Set retention_in_days to a CloudWatch-supported value of at least the records
#     retention period (for example 365, 731, 1827, 2557 or 3653), or leave it unset to
#     keep the logs forever.
package gitops_compliance.gxp.gxp05

import data.gitops_compliance.lib.gxp
import data.gitops_compliance.lib.util

default params := {}

params := data.gitops_compliance.params

min_days := object.get(params, "log_retention_days", 365)

_log_group(r) if {
	r.kind == "terraform"
	object.get(r, "mode", "managed") == "managed"
	r.type == "aws_cloudwatch_log_group"
	not gxp.not_created(r)
	gxp.in_baseline_scope(r)
}

# retention_in_days as a number; unset (or null) is 0: never expire.
_retention(r) := object.get(r.config, "retention_in_days", 0) if object.get(r.config, "retention_in_days", 0) != null

_retention(r) := 0 if object.get(r.config, "retention_in_days", 0) == null

_too_short(days) if {
	days > 0
	min_days == 0
}

_too_short(days) if {
	days > 0
	days < min_days
}

_required := "forever (log_retention_days = 0)" if min_days == 0

_required := sprintf("at least %v days", [min_days]) if min_days != 0

deny contains finding if {
	some r in input.resources
	r.type == "aws_cloudwatch_log_group" # cheap test first: function calls dominate the cost
	_log_group(r)
	days := _retention(r)
	is_number(days)
	_too_short(days)
	finding := util.item(r, {
		"msg": sprintf("%s: retention_in_days is %v; GxP logs must be kept %s", [r.address, days, _required]),
		"attribute": "retention_in_days",
	})
}

deny contains finding if {
	some r in input.resources
	r.type == "aws_cloudwatch_log_group" # cheap test first: function calls dominate the cost
	_log_group(r)
	days := _retention(r)
	util.is_unknown(days)
	finding := util.item(r, {
		"msg": sprintf("%s: retention_in_days could not be verified (unresolved: %s); GxP logs must be kept %s", [r.address, util.unknown_text(days), _required]),
		"attribute": "retention_in_days",
	})
}
