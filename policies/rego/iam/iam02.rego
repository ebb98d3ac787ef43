# METADATA
# title: IAM policies do not allow every action of a service
# description: >-
#   An Allow statement in any IAM policy document found on a Terraform resource (policy,
#   assume_role_policy, inline_policy.policy, aws_iam_policy_document) must not grant a
#   whole service with a "service:*" action such as s3:* or kms:* (matched
#   case-insensitively). "*" on its own is IAM-01's and NotAction is IAM-06's.
# scope: package
# custom:
#   id: IAM-02
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
#     - aws_s3_bucket_policy
#     - aws_kms_key
#     - aws_sqs_queue_policy
#     - aws_sns_topic_policy
#     - aws_ecr_repository_policy
#     - aws_secretsmanager_secret_policy
#   remediation: >-
#     Replace the service wildcard with the specific actions the principal needs (for
#     example s3:GetObject and s3:PutObject instead of s3:*).
package gitops_compliance.iam.iam02

import data.gitops_compliance.lib.util

# Anything but an explicit Deny is treated as Allow: Effect defaults to Allow, and an
# unresolved Effect must not hide a wildcard.
_allows(statement) if not _denies(statement)

_denies(statement) if {
	effect := object.get(statement, "Effect", "Allow")
	is_string(effect)
	lower(trim_space(effect)) == "deny"
}

# "s3:*", "KMS:*", "s3:**"; also "*:*". Not "*" alone and not "s3:Get*".
service_wildcard(action) if regex.match(`^[^:]+:\*+$`, lower(trim_space(action)))

# One per policy document; address and file identify the resource (util.item).
_documents contains doc if {
	some r in input.resources
	some i, policy in util.as_array(object.get(r, "iam_policies", []))
	doc := {
		"address": r.address,
		"file": object.get(r, "file", ""),
		"attribute": object.get(policy, "attribute", sprintf("iam_policies[%d]", [i])),
		"statements": object.get(policy, "statements", []),
	}
}

deny contains finding if {
	some doc in _documents
	some i, statement in util.as_array(doc.statements)
	_allows(statement)
	some j, action in util.as_array(object.get(statement, "Action", []))
	is_string(action)
	service_wildcard(action)
	finding := util.item(doc, {
		"msg": sprintf("%s: %s statement %s allows every action of a service (\"%s\")", [doc.address, doc.attribute, _label(statement, i), action]),
		"attribute": sprintf("%s.Statement[%d].Action[%d]", [doc.attribute, i, j]),
	})
}

# Fail closed on what the loader could not resolve: the document, an Action list or one
# action of it.
deny contains finding if {
	some doc in _documents
	util.is_unknown(doc.statements)
	finding := util.item(doc, {
		"msg": sprintf("%s: %s could not be verified for service wildcards (unresolved: %s)", [doc.address, doc.attribute, util.unknown_text(doc.statements)]),
		"attribute": doc.attribute,
	})
}

deny contains finding if {
	some doc in _documents
	some i, statement in util.as_array(doc.statements)
	_allows(statement)
	actions := object.get(statement, "Action", [])
	util.is_unknown(actions)
	finding := util.item(doc, {
		"msg": sprintf("%s: %s statement %s: the actions could not be verified (unresolved: %s)", [doc.address, doc.attribute, _label(statement, i), util.unknown_text(actions)]),
		"attribute": sprintf("%s.Statement[%d].Action", [doc.attribute, i]),
	})
}

deny contains finding if {
	some doc in _documents
	some i, statement in util.as_array(doc.statements)
	_allows(statement)
	some j, action in util.as_array(object.get(statement, "Action", []))
	util.is_unknown(action)
	finding := util.item(doc, {
		"msg": sprintf("%s: %s statement %s: an action could not be verified (unresolved: %s)", [doc.address, doc.attribute, _label(statement, i), util.unknown_text(action)]),
		"attribute": sprintf("%s.Statement[%d].Action[%d]", [doc.attribute, i, j]),
	})
}

_label(statement, i) := sprintf("\"%s\"", [statement.Sid]) if _has_sid(statement)

_label(statement, i) := sprintf("#%d", [i]) if {
	not _has_sid(statement)
}

_has_sid(statement) if {
	is_string(statement.Sid)
	statement.Sid != ""
}
