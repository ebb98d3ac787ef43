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

import data.gitops_compliance.lib.iam
import data.gitops_compliance.lib.util

# "s3:*", "KMS:*", "s3:**"; also "*:*". Not "*" alone and not "s3:Get*".
service_wildcard(action) if regex.match(`^[^:]+:\*+$`, lower(trim_space(action)))

# One per policy document, reported where its statements are written (lib.iam.documents).
_documents := iam.documents(input.resources)

deny contains finding if {
	some doc in _documents
	some i, statement in iam.statements(doc)
	iam.allows(statement)
	some j, action in util.as_array(object.get(statement, "Action", []))
	is_string(action)
	service_wildcard(action)
	finding := util.item(doc, {
		"msg": sprintf("%s: %s statement %s allows every action of a service (\"%s\")", [doc.address, doc.attribute, iam.label(statement, i), action]),
		"attribute": sprintf("%s.Statement[%d].Action[%d]", [doc.attribute, i, j]),
	})
}

# Fail closed on what the loader could not resolve: the document, an Action list or one
# action of it.
deny contains finding if {
	some u in iam.unresolved_actions(_documents)
	finding := util.item(u, {
		"msg": sprintf("%s: %s could not be verified for service wildcards (unresolved: %s)", [u.address, u.what, u.text]),
		"attribute": u.attribute,
	})
}
