package gitops_compliance.iam.iam04_test

import data.gitops_compliance.iam.iam04

policy(statements) := {
	"address": "aws_iam_policy.app", "kind": "terraform", "type": "aws_iam_policy",
	"name": "app", "file": "iam.tf", "line": 1, "mode": "managed", "config": {},
	"iam_policies": [{"attribute": "policy", "statements": statements}],
}

unit(resources) := {"contract_version": 1, "kind": "terraform", "unit": "iam", "resources": resources}

allow(actions) := {"Effect": "Allow", "Action": actions, "Resource": ["*"]}

test_passrole_with_training_job_fires if {
	iam04.deny == {{
		"msg": "aws_iam_policy.app: policy allows privilege escalation (PassExistingRoleToNewSageMakerTrainingJob: iam:PassRole + sagemaker:CreateTrainingJob)",
		"resource": "aws_iam_policy.app", "file": "iam.tf", "attribute": "policy",
	}} with input as unit([policy([allow(["iam:PassRole"]), allow(["sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob"])])])
}

test_wildcards_expand_case_insensitively if {
	[f.msg | some f in iam04.deny] == ["aws_iam_policy.app: policy allows privilege escalation (CreateEC2WithExistingIP: iam:PassRole + ec2:RunInstances)"] with input as unit([policy([allow(["IAM:Pass*", "ec2:Run?nstances"])])])
}

test_single_action_method_fires if {
	count(iam04.deny) == 1 with input as unit([policy([allow(["iam:CreatePolicyVersion"])])])
}

test_passrole_alone_passes if {
	count(iam04.deny) == 0 with input as unit([policy([allow(["iam:PassRole", "sagemaker:DescribeTrainingJob", "ec2:DescribeInstances"])])])
}

test_denied_half_passes if {
	deny := {"Effect": "Deny", "Action": ["ec2:RunInstances"], "Resource": ["*"]}
	count(iam04.deny) == 0 with input as unit([policy([allow(["iam:PassRole"]), deny])])
}

test_full_wildcard_is_iam01s if {
	count(iam04.deny) == 0 with input as unit([policy([allow(["*"])])])
}

test_own_access_keys_pass if {
	self := {"Effect": "Allow", "Action": ["iam:CreateAccessKey", "iam:UpdateLoginProfile"], "Resource": ["arn:aws:iam::*:user/${aws:username}"]}
	count(iam04.deny) == 0 with input as unit([policy([self])])
}

test_resource_policy_statements_pass if {
	statement := object.union(allow(["iam:PassRole", "ec2:RunInstances"]), {"Principal": {"AWS": ["arn:aws:iam::111122223333:root"]}})
	count(iam04.deny) == 0 with input as unit([policy([statement])])
}

test_unresolved_actions_cannot_be_verified if {
	{f.attribute | some f in iam04.deny} == {"policy.Statement[0].Action"} with input as unit([policy([allow({"$unknown": "var.actions"})])])
}
