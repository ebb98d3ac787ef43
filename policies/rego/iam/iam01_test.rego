package gitops_compliance.iam.iam01_test

import data.gitops_compliance.iam.iam01

policy(statements) := {
	"address": "aws_iam_policy.app", "kind": "terraform", "type": "aws_iam_policy",
	"name": "app", "file": "iam.tf", "line": 1, "mode": "managed", "config": {},
	"iam_policies": [{"attribute": "policy", "statements": statements}],
}

unit(resources) := {"contract_version": 1, "kind": "terraform", "unit": "iam", "resources": resources}

attachment(arn) := {
	"address": "aws_iam_role_policy_attachment.admin", "kind": "terraform",
	"type": "aws_iam_role_policy_attachment", "name": "admin", "file": "iam.tf", "line": 9,
	"mode": "managed", "config": {"role": "deployer", "policy_arn": arn}, "iam_policies": [],
}

test_star_on_star_fires if {
	iam01.deny == {{
		"msg": "aws_iam_policy.app: policy statement #0 allows \"*\" on \"*\" (full administrator access)",
		"resource": "aws_iam_policy.app", "file": "iam.tf", "attribute": "policy.Statement[0]",
	}} with input as unit([policy([{"Effect": "Allow", "Action": ["*"], "Resource": ["*"]}])])
}

test_star_colon_star_fires if {
	count(iam01.deny) == 1 with input as unit([policy([{"Action": ["s3:GetObject", "*:*"], "Resource": ["*"]}])])
}

test_star_on_one_resource_passes if {
	count(iam01.deny) == 0 with input as unit([policy([{"Effect": "Allow", "Action": ["*"], "Resource": ["arn:aws:s3:::b/*"]}])])
}

test_deny_star_passes if {
	count(iam01.deny) == 0 with input as unit([policy([{"Effect": "Deny", "Action": ["*"], "Resource": ["*"]}])])
}

test_administrator_access_attached_fires if {
	{f.attribute | some f in iam01.deny} == {"policy_arn"} with input as unit([attachment("arn:aws:iam::aws:policy/AdministratorAccess")])
}

test_managed_policy_arns_fires if {
	role := {
		"address": "aws_iam_role.r", "kind": "terraform", "type": "aws_iam_role", "name": "r",
		"file": "iam.tf", "mode": "managed", "iam_policies": [],
		"config": {"managed_policy_arns": ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws-us-gov:iam::aws:policy/AdministratorAccess"]},
	}
	{f.attribute | some f in iam01.deny} == {"managed_policy_arns[1]"} with input as unit([role])
}

test_other_managed_policy_passes if {
	count(iam01.deny) == 0 with input as unit([attachment("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy")])
}

test_own_policy_reference_passes if {
	count(iam01.deny) == 0 with input as unit([attachment({"$unknown": "aws_iam_policy.app.arn"})])
}

test_template_with_named_policy_passes if {
	count(iam01.deny) == 0 with input as unit([attachment({"$unknown": "\"${local.prefix}/AmazonEKSWorkerNodePolicy\""})])
}

test_unresolved_arn_cannot_be_verified if {
	[f.msg | some f in iam01.deny] == ["aws_iam_role_policy_attachment.admin: the attached policy could not be verified not to be AdministratorAccess (unresolved: var.policy_arn)"] with input as unit([attachment({"$unknown": "var.policy_arn"})])
}

test_unresolved_document_cannot_be_verified if {
	resource := object.union(policy([]), {"iam_policies": [{"attribute": "policy", "statements": {"$unknown": "file(\"p.json\")"}}]})
	{f.attribute | some f in iam01.deny} == {"policy"} with input as unit([resource])
}

# The role reads its trust policy from a data source: reported once, on the data source.
test_reported_once_on_the_data_source if {
	statements := [{"Effect": "Allow", "Action": ["*"], "Resource": ["*"]}]
	document := {
		"address": "data.aws_iam_policy_document.admin", "kind": "terraform", "type": "aws_iam_policy_document",
		"name": "admin", "file": "iam.tf", "mode": "data", "config": {},
		"iam_policies": [{"attribute": "json", "statements": statements}],
	}
	user := object.union(policy(statements), {"config": {"policy": {"$unknown": "data.aws_iam_policy_document.admin.json"}}})
	{f.resource | some f in iam01.deny} == {"data.aws_iam_policy_document.admin"} with input as unit([document, user])
}

for_each_attachment(for_each) := object.union(attachment({"$unknown": "each.value"}), {"config": {"for_each": for_each, "policy_arn": {"$unknown": "each.value"}}})

test_literal_for_each_is_judged if {
	safe := {"$unknown": "toset([\"arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy\", \"arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy\"])"}
	admin := {"$unknown": "toset([\"arn:aws:iam::aws:policy/ReadOnlyAccess\", \"arn:aws:iam::aws:policy/AdministratorAccess\"])"}
	count(iam01.deny) == 0 with input as unit([for_each_attachment(safe)])
	[f.msg | some f in iam01.deny] == ["aws_iam_role_policy_attachment.admin attaches the AWS managed AdministratorAccess policy"] with input as unit([for_each_attachment(admin)])
}

test_resolved_for_each_map_is_judged if {
	count(iam01.deny) == 1 with input as unit([for_each_attachment({"admin": "arn:aws:iam::aws:policy/AdministratorAccess"})])
}

test_unresolved_for_each_cannot_be_verified if {
	count(iam01.deny) == 1 with input as unit([for_each_attachment({"$unknown": "var.policies"})])
}
