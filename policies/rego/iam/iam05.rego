# METADATA
# title: iam:PassRole is scoped to named roles and to the receiving service
# description: >-
#   An Allow statement that grants iam:PassRole (also through wildcards such as iam:Pass*,
#   iam:* or *, case-insensitively) must name the roles it may pass — not Resource "*" or
#   every role of an account (arn:aws:iam::...:role/*) — and carry an iam:PassedToService
#   condition naming the service that receives the role. Without both, the holder can hand
#   any role to any service that runs code. Resource and trust policy statements (with a
#   Principal) are not judged; unresolved documents or actions are reported as not
#   verifiable.
# scope: package
# custom:
#   id: IAM-05
#   severity: high
#   family: iam
#   controls: ["21CFR11.10(d)", "21CFR11.10(g)", "EUANNEX11-12.1"]
#   applies_to:
#     - aws_iam_policy
#     - aws_iam_role
#     - aws_iam_role_policy
#     - aws_iam_user_policy
#     - aws_iam_group_policy
#     - data.aws_iam_policy_document
#   remediation: >-
#     List the role ARNs that may be passed in Resource and add a condition
#     StringEquals iam:PassedToService = the service principal (e.g. sagemaker.amazonaws.com).
package gitops_compliance.iam.iam05

import data.gitops_compliance.lib.iam
import data.gitops_compliance.lib.util

docs := iam.documents(input.resources)

_passes_roles(statement) if {
	not "Principal" in object.keys(statement)
	iam.statement_grants(statement, "iam:PassRole")
}

# "*", or every role of an account: arn:aws:iam::123456789012:role/* (any partition/account)
_any_role(resource) if iam.full_wildcard(resource)

_any_role(resource) if regex.match(`^arn:[^:]*:iam::[^:]*:(\*|role/\*)$`, trim_space(resource))

_problems(statement) := [p |
	some p in ["resource", "condition"]
	_problem(statement, p)
]

_problem(statement, "resource") if {
	some resource in iam.strings(statement, "Resource")
	_any_role(resource)
}

# NotResource with Allow passes every role but the ones listed.
_problem(statement, "resource") if "NotResource" in object.keys(statement)

_problem(statement, "condition") if {
	not util.is_unknown(object.get(statement, "Condition", {}))
	not "iam:passedtoservice" in iam.condition_keys(statement)
}

_text := {
	"resource": "on every role",
	"condition": "without an iam:PassedToService condition",
}

deny contains finding if {
	some doc in docs
	some i, statement in iam.statements(doc)
	_passes_roles(statement)
	problems := _problems(statement)
	count(problems) > 0
	finding := util.item(doc, {
		"msg": sprintf("%s: %s statement %s allows iam:PassRole %s", [doc.address, doc.attribute, iam.label(statement, i), concat(" and ", [_text[p] | some p in problems])]),
		"attribute": sprintf("%s.Statement[%d]", [doc.attribute, i]),
	})
}

# A Condition the loader could not resolve may or may not name the receiving service.
deny contains finding if {
	some doc in docs
	some i, statement in iam.statements(doc)
	_passes_roles(statement)
	condition := object.get(statement, "Condition", {})
	util.is_unknown(condition)
	finding := util.item(doc, {
		"msg": sprintf("%s: %s statement %s allows iam:PassRole; its condition could not be verified (unresolved: %s)", [doc.address, doc.attribute, iam.label(statement, i), util.unknown_text(condition)]),
		"attribute": sprintf("%s.Statement[%d].Condition", [doc.attribute, i]),
	})
}

deny contains finding if {
	some u in iam.unresolved_actions(docs)
	finding := util.item(u, {
		"msg": sprintf("%s: %s could not be verified for iam:PassRole (unresolved: %s)", [u.address, u.what, u.text]),
		"attribute": u.attribute,
	})
}
