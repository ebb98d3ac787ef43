package gitops_compliance.iam.iam06_test

import data.gitops_compliance.iam.iam06

policy(statements) := {
	"address": "aws_iam_policy.app", "kind": "terraform", "type": "aws_iam_policy",
	"name": "app", "file": "iam.tf", "line": 1, "mode": "managed", "config": {},
	"iam_policies": [{"attribute": "policy", "statements": statements}],
}

unit(resources) := {"contract_version": 1, "kind": "terraform", "unit": "iam", "resources": resources}

test_allow_not_action_fires if {
	iam06.deny == {{
		"msg": "aws_iam_policy.app: policy statement #0 allows with NotAction (everything except what it lists)",
		"resource": "aws_iam_policy.app", "file": "iam.tf", "attribute": "policy.Statement[0].NotAction",
	}} with input as unit([policy([{"Effect": "Allow", "NotAction": ["iam:*"], "Resource": ["*"]}])])
}

test_allow_not_resource_fires if {
	{f.attribute | some f in iam06.deny} == {"policy.Statement[1].NotResource"} with input as unit([policy([
		{"Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]},
		{"Action": ["s3:GetObject"], "NotResource": ["arn:aws:s3:::secret/*"]},
	])])
}

test_deny_not_action_passes if {
	guard := {"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": ["*"], "Condition": {"Bool": {"aws:MultiFactorAuthPresent": ["false"]}}}
	count(iam06.deny) == 0 with input as unit([policy([guard, {"Action": ["s3:GetObject"], "Resource": ["*"]}])])
}

test_unresolved_document_cannot_be_verified if {
	resource := object.union(policy([]), {"iam_policies": [{"attribute": "policy", "statements": {"$unknown": "var.policy"}}]})
	count(iam06.deny) == 1 with input as unit([resource])
}
