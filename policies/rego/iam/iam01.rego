# METADATA
# title: No IAM policy allows every action on every resource, and no AdministratorAccess
# description: >-
#   An Allow statement of any IAM policy document on a Terraform resource must not grant "*"
#   (or "*:*") on Resource "*": that is full administrator access. Attaching the AWS managed
#   AdministratorAccess policy (to a role, user, group, permission set, or through a role's
#   managed_policy_arns) is the same grant by another name. An unresolved document, action
#   list or attached policy ARN is reported as not verifiable.
# scope: package
# custom:
#   id: IAM-01
#   severity: critical
#   family: iam
#   controls: ["21CFR11.10(d)", "21CFR11.10(g)", "EUANNEX11-12.1"]
#   applies_to:
#     - aws_iam_policy
#     - aws_iam_role
#     - aws_iam_role_policy
#     - aws_iam_user_policy
#     - aws_iam_group_policy
#     - data.aws_iam_policy_document
#     - aws_iam_role_policy_attachment
#     - aws_iam_user_policy_attachment
#     - aws_iam_group_policy_attachment
#     - aws_iam_policy_attachment
#     - aws_ssoadmin_managed_policy_attachment
#     - aws_iam_role_policies_exclusive
#   remediation: >-
#     Grant the specific actions on the specific resources the principal needs; use a
#     break-glass role outside Terraform-managed workloads for administrator access.
package gitops_compliance.iam.iam01

import data.gitops_compliance.lib.iam
import data.gitops_compliance.lib.util

docs := iam.documents(input.resources)

deny contains finding if {
	some doc in docs
	some i, statement in iam.statements(doc)
	iam.allows(statement)
	some action in iam.strings(statement, "Action")
	iam.full_wildcard(action)
	some resource in iam.strings(statement, "Resource")
	iam.full_wildcard(resource)
	finding := util.item(doc, {
		"msg": sprintf("%s: %s statement %s allows \"%s\" on \"%s\" (full administrator access)", [doc.address, doc.attribute, iam.label(statement, i), action, resource]),
		"attribute": sprintf("%s.Statement[%d]", [doc.attribute, i]),
	})
}

deny contains finding if {
	some u in iam.unresolved_actions(docs)
	finding := util.item(u, {
		"msg": sprintf("%s: %s could not be verified for full wildcards (unresolved: %s)", [u.address, u.what, u.text]),
		"attribute": u.attribute,
	})
}

# AdministratorAccess, attached by ARN: attribute -> is it a list of ARNs?
_arn_attributes := {
	"aws_iam_role_policy_attachment": {"policy_arn": false},
	"aws_iam_user_policy_attachment": {"policy_arn": false},
	"aws_iam_group_policy_attachment": {"policy_arn": false},
	"aws_iam_policy_attachment": {"policy_arn": false},
	"aws_ssoadmin_managed_policy_attachment": {"managed_policy_arn": false},
	"aws_iam_role": {"managed_policy_arns": true},
}

_attached(r) := {[attr, arn] |
	some attr, is_list in object.get(_arn_attributes, r.type, {})
	not is_list
	arn := util.as_object(r.config)[attr]
} | {[sprintf("%s[%d]", [attr, i]), arn] |
	some attr, is_list in object.get(_arn_attributes, r.type, {})
	is_list
	some i, arn in util.as_array(util.as_object(r.config)[attr])
}

# arn:aws:iam::aws:policy/AdministratorAccess (any partition)
_administrator_access(arn) if {
	is_string(arn)
	regex.match(`^arn:[a-z-]+:iam::aws:policy/AdministratorAccess$`, trim_space(arn))
}

deny contains finding if {
	some r in input.resources
	r.kind == "terraform"
	some [attr, arn] in _attached(r)
	some candidate in _candidates(r, arn)
	_administrator_access(candidate)
	finding := util.item(r, {
		"msg": sprintf("%s attaches the AWS managed AdministratorAccess policy", [r.address]),
		"attribute": attr,
	})
}

# What an attached ARN can be: itself when known; for `each.value` / `each.key`, the
# elements of a for_each the loader resolved or wrote as toset([...]) of literal strings.
_candidates(r, arn) := [arn] if not util.is_unknown(arn)

_candidates(r, arn) := values if {
	util.is_unknown(arn)
	util.unknown_text(arn) in {"each.value", "each.key"}
	values := _for_each_values(util.as_object(r.config).for_each, util.unknown_text(arn))
}

_for_each_values(for_each, _) := for_each if is_array(for_each)

_for_each_values(for_each, "each.value") := [v | some v in for_each] if {
	is_object(for_each)
	not util.is_unknown(for_each)
}

_for_each_values(for_each, "each.key") := [k | some k, _ in for_each] if {
	is_object(for_each)
	not util.is_unknown(for_each)
}

_for_each_values(for_each, _) := [trim(s, "\"") | some s in regex.find_n(`"[^"]*"`, util.unknown_text(for_each), -1)] if {
	util.is_unknown(for_each)
	regex.match(`^toset\(\s*\[\s*("[^"\\$]*"\s*,?\s*)*\]\s*\)$`, util.unknown_text(for_each))
}

# An ARN the loader could not resolve may be AdministratorAccess — unless it names one of
# this configuration's own policies (aws_iam_policy.x.arn), which the document rules judge,
# its text already shows another AWS managed policy, or it is drawn from a literal for_each.
deny contains finding if {
	some r in input.resources
	r.kind == "terraform"
	some [attr, arn] in _attached(r)
	util.is_unknown(arn)
	not _candidates(r, arn)
	not _known_not_admin(util.unknown_text(arn))
	finding := util.item(r, {
		"msg": sprintf("%s: the attached policy could not be verified not to be AdministratorAccess (unresolved: %s)", [r.address, util.unknown_text(arn)]),
		"attribute": attr,
	})
}

_known_not_admin(text) if regex.match(`^"?\$?\{?aws_iam_policy\.[A-Za-z0-9_-]+(\[[^\]]*\])?\.(arn|id)\}?"?$`, trim_space(text))

# A template whose literal tail names a policy: ".../AmazonEKSClusterPolicy"
_known_not_admin(text) if {
	regex.match(`/[A-Za-z0-9+=,.@_-]+"$`, trim_space(text))
	not regex.match(`/AdministratorAccess"$`, trim_space(text))
}
