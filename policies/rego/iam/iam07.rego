# METADATA
# title: kms:Decrypt and kms:ReEncryptFrom are scoped to named keys
# description: >-
#   An identity policy statement that allows kms:Decrypt or kms:ReEncryptFrom (also through
#   wildcards such as kms:* or kms:ReEncrypt*) must name the keys, not Resource "*" or
#   every key of an account (arn:aws:kms:...:key/*): otherwise the holder can read any data
#   encrypted under any key whose key policy delegates to IAM. Key policies are exempt —
#   there Resource "*" means the key itself — and so are resource and trust policy
#   statements (with a Principal). "*" alone is IAM-01's finding.
# scope: package
# custom:
#   id: IAM-07
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
#     Put the key ARNs in Resource (and, where it fits, a kms:ViaService condition);
#     a key alias ARN does not restrict Decrypt — use the key ARN.
package gitops_compliance.iam.iam07

import data.gitops_compliance.lib.iam
import data.gitops_compliance.lib.util

docs := {doc | some doc in iam.documents(input.resources); not iam.is_key_policy(doc)}

_sensitive := ["kms:Decrypt", "kms:ReEncryptFrom"]

# "*", or every key of an account and region: arn:aws:kms:eu-west-1:123456789012:key/*
_any_key(resource) if iam.full_wildcard(resource)

_any_key(resource) if regex.match(`^arn:[^:]*:kms:[^:]*:[^:]*:(\*|key/\*)$`, trim_space(resource))

deny contains finding if {
	some doc in docs
	some i, statement in iam.statements(doc)
	iam.allows(statement)
	not "Principal" in object.keys(statement)
	granted := [action |
		some action in _sensitive
		some pattern in iam.strings(statement, "Action")
		not iam.full_wildcard(pattern)
		iam.grants(pattern, action)
	]
	count(granted) > 0
	some resource in iam.strings(statement, "Resource")
	_any_key(resource)
	finding := util.item(doc, {
		"msg": sprintf("%s: %s statement %s allows %s on \"%s\" (every key)", [doc.address, doc.attribute, iam.label(statement, i), concat(" and ", sort({a | some a in granted})), resource]),
		"attribute": sprintf("%s.Statement[%d]", [doc.attribute, i]),
	})
}

deny contains finding if {
	some u in iam.unresolved_actions(docs)
	finding := util.item(u, {
		"msg": sprintf("%s: %s could not be verified for kms:Decrypt on every key (unresolved: %s)", [u.address, u.what, u.text]),
		"attribute": u.attribute,
	})
}
