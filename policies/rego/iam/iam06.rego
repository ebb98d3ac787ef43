# METADATA
# title: No Allow with NotAction or NotResource
# description: >-
#   An Allow statement with NotAction grants every action except the listed ones —
#   including every action AWS adds later — and an Allow with NotResource grants the
#   actions on every resource except the listed ones. Both are allow-lists turned inside
#   out. NotAction and NotResource with Deny (the usual guard-rail form) are fine.
# scope: package
# custom:
#   id: IAM-06
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
#     List the actions and resources the principal needs in Action and Resource; keep
#     NotAction/NotResource for Deny statements.
package gitops_compliance.iam.iam06

import data.gitops_compliance.lib.iam
import data.gitops_compliance.lib.util

docs := iam.documents(input.resources)

deny contains finding if {
	some doc in docs
	some i, statement in iam.statements(doc)
	iam.allows(statement)
	some field in ["NotAction", "NotResource"]
	field in object.keys(statement)
	finding := util.item(doc, {
		"msg": sprintf("%s: %s statement %s allows with %s (everything except what it lists)", [doc.address, doc.attribute, iam.label(statement, i), field]),
		"attribute": sprintf("%s.Statement[%d].%s", [doc.attribute, i, field]),
	})
}

# An unresolved document may hide such a statement.
deny contains finding if {
	some doc in docs
	util.is_unknown(doc.statements)
	finding := util.item(doc, {
		"msg": sprintf("%s: %s could not be verified for NotAction/NotResource (unresolved: %s)", [doc.address, doc.attribute, util.unknown_text(doc.statements)]),
		"attribute": doc.attribute,
	})
}
