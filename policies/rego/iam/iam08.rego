# METADATA
# title: Role trust policies are not open, and cross-account trust requires sts:ExternalId
# description: >-
#   A trust policy (a role's assume_role_policy, a policy document used as one, or any
#   statement with a Principal that allows sts:AssumeRole*) must not allow Principal "*"
#   (or {"AWS": "*"}) without a Condition: anyone in any account could assume the role; nor
#   allow a federated (OIDC, SAML) principal without any Condition (on the token subject).
#   A statement that lets another AWS account assume the role (a 12-digit account id or
#   an IAM ARN of an account not listed in the aws_account_ids parameter) must require
#   sts:ExternalId, against the confused-deputy problem. Principals the loader could not
#   resolve are reported as not verifiable unless they are plainly ARNs of this
#   configuration's own resources.
# scope: package
# custom:
#   id: IAM-08
#   severity: critical
#   family: iam
#   controls: ["21CFR11.10(d)", "21CFR11.10(g)", "EUANNEX11-12.1"]
#   applies_to: [aws_iam_role, data.aws_iam_policy_document]
#   remediation: >-
#     Name the principals that may assume the role; for another account, add a condition
#     StringEquals sts:ExternalId = the value agreed with that account (and list your own
#     accounts in the aws_account_ids parameter).
package gitops_compliance.iam.iam08

import data.gitops_compliance.lib.iam
import data.gitops_compliance.lib.util

default params := {}

params := data.gitops_compliance.params

own_accounts := {sprintf("%v", [a]) | some a in util.as_array(object.get(params, "aws_account_ids", []))}

docs := iam.documents(input.resources)

_assume_actions := ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"]

# Allow statements that decide who may assume a role.
_trust_statements contains [doc, i, statement] if {
	some doc in docs
	some i, statement in iam.statements(doc)
	iam.allows(statement)
	"Principal" in object.keys(statement)
	_about_trust(doc, statement)
}

_about_trust(doc, _) if iam.is_trust_policy(doc)

_about_trust(doc, statement) if {
	not iam.is_trust_policy(doc)
	some action in _assume_actions
	iam.statement_grants(statement, action)
}

_has_condition(statement) if util.is_unknown(statement.Condition)

_has_condition(statement) if count(util.as_object(statement.Condition)) > 0

# Every principal identifier of a statement: [type, identifier].
_identifiers(statement) := [["*", "*"]] if statement.Principal == "*"

_identifiers(statement) := [[type, id] |
	some type, ids in util.as_object(statement.Principal)
	some id in _as_list(ids)
] if statement.Principal != "*"

_as_list(ids) := ids if is_array(ids)

_as_list(ids) := [ids] if not is_array(ids)

deny contains finding if {
	some [doc, i, statement] in _trust_statements
	not _has_condition(statement)
	some [type, id] in _identifiers(statement)
	id == "*"
	finding := util.item(doc, {
		"msg": sprintf("%s: %s statement %s lets any principal (%s \"*\") assume the role, without a condition", [doc.address, doc.attribute, iam.label(statement, i), type]),
		"attribute": sprintf("%s.Statement[%d].Principal", [doc.attribute, i]),
	})
}

# A web-identity (OIDC) or SAML federation without any Condition trusts every identity the
# provider issues tokens for — every repository of a CI provider, every service account of
# a cluster: open trust by another name.
deny contains finding if {
	some [doc, i, statement] in _trust_statements
	not _has_condition(statement)
	some action in ["sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"]
	iam.statement_grants(statement, action)
	some [type, _] in _identifiers(statement)
	type == "Federated"
	finding := util.item(doc, {
		"msg": sprintf("%s: %s statement %s lets every identity of a federated provider assume the role (no condition on the subject or audience)", [doc.address, doc.attribute, iam.label(statement, i)]),
		"attribute": sprintf("%s.Statement[%d].Condition", [doc.attribute, i]),
	})
}

# The account of an AWS principal: "123456789012" or arn:aws:iam::123456789012:role/x
_account(id) := id if regex.match(`^[0-9]{12}$`, id)

_account(id) := split(id, ":")[4] if regex.match(`^arn:[a-z-]+:(iam|sts)::[0-9]{12}:`, id)

_cross_account contains [doc, i, statement, account] if {
	some [doc, i, statement] in _trust_statements
	iam.statement_grants(statement, "sts:AssumeRole")
	some [type, id] in _identifiers(statement)
	type == "AWS"
	is_string(id)
	account := _account(trim_space(id))
	not account in own_accounts
}

deny contains finding if {
	some [doc, i, statement, account] in _cross_account
	not util.is_unknown(object.get(statement, "Condition", {}))
	not "sts:externalid" in iam.condition_keys(statement)
	finding := util.item(doc, {
		"msg": sprintf("%s: %s statement %s lets account %s assume the role without requiring sts:ExternalId", [doc.address, doc.attribute, iam.label(statement, i), account]),
		"attribute": sprintf("%s.Statement[%d].Condition", [doc.attribute, i]),
	})
}

deny contains finding if {
	some [doc, i, statement, account] in _cross_account
	condition := object.get(statement, "Condition", {})
	util.is_unknown(condition)
	finding := util.item(doc, {
		"msg": sprintf("%s: %s statement %s lets account %s assume the role; whether it requires sts:ExternalId could not be verified (unresolved: %s)", [doc.address, doc.attribute, iam.label(statement, i), account, util.unknown_text(condition)]),
		"attribute": sprintf("%s.Statement[%d].Condition", [doc.attribute, i]),
	})
}

# Unresolved principals: the whole Principal or one identifier. Service principals and
# ARNs of the configuration's own resources (aws_iam_role.x.arn, an OIDC provider's arn,
# "arn:aws:iam::${...}:root" built from data.aws_caller_identity) cannot be "*", so they
# are not reported.
_unresolved_principals contains [doc, i, statement, text] if {
	some [doc, i, statement] in _trust_statements
	util.is_unknown(statement.Principal)
	text := util.unknown_text(statement.Principal)
}

_unresolved_principals contains [doc, i, statement, text] if {
	some [doc, i, statement] in _trust_statements
	some [type, id] in _identifiers(statement)
	type != "Service" # a service principal names an AWS service, never anyone
	util.is_unknown(id)
	text := util.unknown_text(id)
	not regex.match(`(?i)arn|account_id|caller_identity`, text)
}

deny contains finding if {
	some [doc, i, statement, text] in _unresolved_principals
	not _has_condition(statement)
	finding := util.item(doc, {
		"msg": sprintf("%s: %s statement %s: who may assume the role could not be verified (unresolved: %s)", [doc.address, doc.attribute, iam.label(statement, i), text]),
		"attribute": sprintf("%s.Statement[%d].Principal", [doc.attribute, i]),
	})
}

deny contains finding if {
	some doc in docs
	iam.is_trust_policy(doc)
	util.is_unknown(doc.statements)
	finding := util.item(doc, {
		"msg": sprintf("%s: the trust policy %s could not be verified (unresolved: %s)", [doc.address, doc.attribute, util.unknown_text(doc.statements)]),
		"attribute": doc.attribute,
	})
}
