package gitops_compliance.iam.iam02_test

import data.gitops_compliance.iam.iam02

policy(statements) := {
	"address": "aws_iam_policy.app", "kind": "terraform", "type": "aws_iam_policy",
	"name": "app", "file": "iam.tf", "line": 1, "mode": "managed", "config": {},
	"iam_policies": [{"attribute": "policy", "statements": statements}],
}

unit(resources) := {"contract_version": 1, "kind": "terraform", "unit": "iam", "resources": resources}

allow(actions) := {"Effect": "Allow", "Action": actions, "Resource": ["*"]}

test_service_wildcard_fires if {
	iam02.deny == {{
		"msg": "aws_iam_policy.app: policy statement #0 allows every action of a service (\"s3:*\")",
		"resource": "aws_iam_policy.app",
		"file": "iam.tf",
		"attribute": "policy.Statement[0].Action[1]",
	}} with input as unit([policy([allow(["s3:GetObject", "s3:*"])])])
}

test_case_insensitive if {
	count(iam02.deny) == 2 with input as unit([policy([allow(["S3:*", "Kms:*"])])])
}

test_specific_actions_pass if {
	count(iam02.deny) == 0 with input as unit([policy([allow(["s3:GetObject", "s3:Get*", "s3:*Object"])])])
}

# "*" alone is IAM-01's; NotAction is IAM-06's.
test_full_wildcard_and_not_action_are_not_ours if {
	not_action := {"Effect": "Allow", "NotAction": ["s3:*"], "Resource": ["*"]}
	count(iam02.deny) == 0 with input as unit([policy([allow(["*"]), not_action])])
}

test_all_services_wildcard_fires if {
	count(iam02.deny) == 1 with input as unit([policy([allow(["*:*"])])])
}

test_deny_statement_passes if {
	statement := {"Effect": "Deny", "Action": ["s3:*"], "Resource": ["*"]}
	count(iam02.deny) == 0 with input as unit([policy([statement])])
}

test_effect_defaults_to_allow if {
	statement := {"Action": ["ec2:*"], "Resource": ["*"]}
	count(iam02.deny) == 1 with input as unit([policy([statement])])
}

test_sid_names_the_statement if {
	statement := object.union(allow(["kms:*"]), {"Sid": "KeyAdmin"})
	[f.msg | some f in iam02.deny] == ["aws_iam_policy.app: policy statement \"KeyAdmin\" allows every action of a service (\"kms:*\")"] with input as unit([policy([statement])])
}

test_every_document_of_a_role if {
	role := {
		"address": "aws_iam_role.r", "kind": "terraform", "type": "aws_iam_role", "name": "r",
		"mode": "managed", "config": {},
		"iam_policies": [
			{"attribute": "assume_role_policy", "statements": [{"Effect": "Allow", "Action": ["sts:AssumeRole"]}]},
			{"attribute": "inline_policy.policy", "statements": [allow(["dynamodb:*"])]},
		],
	}
	{f.attribute | some f in iam02.deny} == {"inline_policy.policy.Statement[0].Action[0]"} with input as unit([role])
}

test_policy_document_data_source if {
	document := {
		"address": "data.aws_iam_policy_document.d", "kind": "terraform", "type": "aws_iam_policy_document",
		"name": "d", "mode": "data", "config": {},
		"iam_policies": [{"attribute": "json", "statements": [allow(["sagemaker:*"])]}],
	}
	{f.resource | some f in iam02.deny} == {"data.aws_iam_policy_document.d"} with input as unit([document])
}

test_unknown_document_cannot_be_verified if {
	resource := object.union(policy([]), {"iam_policies": [{"attribute": "policy", "statements": {"$unknown": "file(\"policy.json\")"}}]})
	[f.msg | some f in iam02.deny] == ["aws_iam_policy.app: policy could not be verified for service wildcards (unresolved: file(\"policy.json\"))"] with input as unit([resource])
}

test_unknown_actions_cannot_be_verified if {
	findings := iam02.deny with input as unit([policy([allow({"$unknown": "var.actions"}), allow(["s3:GetObject", {"$unknown": "local.extra"}])])])
	{f.attribute | some f in findings} == {"policy.Statement[0].Action", "policy.Statement[1].Action[1]"}
}

test_resources_without_policies_pass if {
	bucket := {"address": "aws_s3_bucket.b", "kind": "terraform", "type": "aws_s3_bucket", "mode": "managed", "config": {}}
	count(iam02.deny) == 0 with input as unit([bucket])
}

test_same_address_in_two_files_fires_per_file if {
	statements := [allow(["s3:*"])]
	one := object.union(policy(statements), {"file": "a/iam.tf"})
	two := object.union(policy(statements), {"file": "b/iam.tf"})
	findings := iam02.deny with input as unit([one, two])
	count(findings) == 2
	{f.file | some f in findings} == {"a/iam.tf", "b/iam.tf"}
}
