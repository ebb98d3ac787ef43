package gitops_compliance.iam.iam05_test

import data.gitops_compliance.iam.iam05

policy(statements) := {
	"address": "aws_iam_policy.app", "kind": "terraform", "type": "aws_iam_policy",
	"name": "app", "file": "iam.tf", "line": 1, "mode": "managed", "config": {},
	"iam_policies": [{"attribute": "policy", "statements": statements}],
}

unit(resources) := {"contract_version": 1, "kind": "terraform", "unit": "iam", "resources": resources}

passed_to := {"StringEquals": {"iam:PassedToService": ["sagemaker.amazonaws.com"]}}

role_arn := "arn:aws:iam::111122223333:role/sagemaker-training"

test_passrole_on_star_fires if {
	iam05.deny == {{
		"msg": "aws_iam_policy.app: policy statement #0 allows iam:PassRole on every role and without an iam:PassedToService condition",
		"resource": "aws_iam_policy.app", "file": "iam.tf", "attribute": "policy.Statement[0]",
	}} with input as unit([policy([{"Effect": "Allow", "Action": ["iam:PassRole"], "Resource": ["*"]}])])
}

test_every_role_of_an_account_fires if {
	statement := {"Action": ["iam:PassRole"], "Resource": ["arn:aws:iam::111122223333:role/*"], "Condition": passed_to}
	[f.msg | some f in iam05.deny] == ["aws_iam_policy.app: policy statement #0 allows iam:PassRole on every role"] with input as unit([policy([statement])])
}

test_missing_condition_fires if {
	statement := {"Sid": "Pass", "Action": ["iam:Pass*"], "Resource": [role_arn]}
	[f.msg | some f in iam05.deny] == ["aws_iam_policy.app: policy statement \"Pass\" allows iam:PassRole without an iam:PassedToService condition"] with input as unit([policy([statement])])
}

test_service_wildcard_grants_passrole if {
	count(iam05.deny) == 1 with input as unit([policy([{"Action": ["IAM:*"], "Resource": [role_arn]}])])
}

test_scoped_passrole_passes if {
	statement := {"Action": ["iam:PassRole"], "Resource": [role_arn], "Condition": {"StringEquals": {"IAM:PassedToService": ["sagemaker.amazonaws.com"]}}}
	count(iam05.deny) == 0 with input as unit([policy([statement])])
}

test_no_passrole_passes if {
	count(iam05.deny) == 0 with input as unit([policy([{"Action": ["iam:GetRole", "s3:GetObject"], "Resource": ["*"]}])])
}

test_deny_passrole_passes if {
	count(iam05.deny) == 0 with input as unit([policy([{"Effect": "Deny", "Action": ["iam:PassRole"], "Resource": ["*"]}])])
}

test_unresolved_condition_cannot_be_verified if {
	statement := {"Action": ["iam:PassRole"], "Resource": [role_arn], "Condition": {"$unknown": "condition"}}
	{f.attribute | some f in iam05.deny} == {"policy.Statement[0].Condition"} with input as unit([policy([statement])])
}

test_unresolved_condition_and_every_role if {
	statement := {"Action": ["iam:PassRole"], "Resource": ["*"], "Condition": {"$unknown": "condition"}}
	{f.attribute | some f in iam05.deny} == {"policy.Statement[0]", "policy.Statement[0].Condition"} with input as unit([policy([statement])])
}
