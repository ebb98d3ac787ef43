package gitops_compliance.iam.iam08_test

import data.gitops_compliance.iam.iam08

role(statements) := {
	"address": "aws_iam_role.r", "kind": "terraform", "type": "aws_iam_role",
	"name": "r", "file": "iam.tf", "line": 1, "mode": "managed", "config": {},
	"iam_policies": [{"attribute": "assume_role_policy", "statements": statements}],
}

unit(resources) := {"contract_version": 1, "kind": "terraform", "unit": "iam", "resources": resources}

assume(principal) := {"Effect": "Allow", "Action": ["sts:AssumeRole"], "Principal": principal}

test_open_principal_fires if {
	iam08.deny == {{
		"msg": "aws_iam_role.r: assume_role_policy statement #0 lets any principal (* \"*\") assume the role, without a condition",
		"resource": "aws_iam_role.r", "file": "iam.tf", "attribute": "assume_role_policy.Statement[0].Principal",
	}} with input as unit([role([assume("*")])])
}

test_open_aws_principal_fires if {
	{f.attribute | some f in iam08.deny} == {"assume_role_policy.Statement[0].Principal"} with input as unit([role([assume({"AWS": ["*"]})])])
}

test_open_principal_with_condition_passes if {
	statement := object.union(assume("*"), {"Condition": {"StringEquals": {"aws:PrincipalOrgID": ["o-abc123"]}}})
	count(iam08.deny) == 0 with input as unit([role([statement])])
}

test_cross_account_without_external_id_fires if {
	[f.msg | some f in iam08.deny] == ["aws_iam_role.r: assume_role_policy statement #0 lets account 999988887777 assume the role without requiring sts:ExternalId"] with input as unit([role([assume({"AWS": ["arn:aws:iam::999988887777:root"]})])])
}

test_cross_account_with_external_id_passes if {
	statement := object.union(assume({"AWS": ["999988887777"]}), {"Condition": {"StringEquals": {"sts:ExternalId": ["vendor-7f3a"]}}})
	count(iam08.deny) == 0 with input as unit([role([statement])])
}

test_own_account_passes if {
	count(iam08.deny) == 0 with input as unit([role([assume({"AWS": ["arn:aws:iam::111122223333:role/ci"]})])])
		with data.gitops_compliance.params.aws_account_ids as ["111122223333"]
}

test_service_principal_passes if {
	count(iam08.deny) == 0 with input as unit([role([assume({"Service": ["ec2.amazonaws.com"]})])])
}

test_own_resource_arn_passes if {
	count(iam08.deny) == 0 with input as unit([role([assume({"AWS": [{"$unknown": "aws_iam_role.ci.arn"}]})])])
}

test_unresolved_principal_cannot_be_verified if {
	{f.attribute | some f in iam08.deny} == {"assume_role_policy.Statement[0].Principal"} with input as unit([role([assume({"AWS": [{"$unknown": "var.trusted"}]})])])
}

# Not a trust policy: a statement with a Principal that allows sts:AssumeRole still is.
test_assume_role_statement_in_a_document if {
	document := {
		"address": "data.aws_iam_policy_document.trust", "kind": "terraform", "type": "aws_iam_policy_document",
		"name": "trust", "file": "iam.tf", "mode": "data", "config": {},
		"iam_policies": [{"attribute": "json", "statements": [assume("*")]}],
	}
	{f.resource | some f in iam08.deny} == {"data.aws_iam_policy_document.trust"} with input as unit([document])
}

test_bucket_policy_is_not_a_trust_policy if {
	policy := {
		"address": "aws_s3_bucket_policy.b", "kind": "terraform", "type": "aws_s3_bucket_policy",
		"name": "b", "file": "s3.tf", "mode": "managed", "config": {},
		"iam_policies": [{"attribute": "policy", "statements": [{"Action": ["s3:GetObject"], "Principal": {"AWS": ["999988887777"]}}]}],
	}
	count(iam08.deny) == 0 with input as unit([policy])
}

test_unresolved_service_principal_passes if {
	count(iam08.deny) == 0 with input as unit([role([assume({"Service": [{"$unknown": "local.ec2_sp_name"}]})])])
}

test_federation_without_condition_fires if {
	statement := {"Effect": "Allow", "Action": ["sts:AssumeRoleWithWebIdentity"], "Principal": {"Federated": ["arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"]}}
	{f.attribute | some f in iam08.deny} == {"assume_role_policy.Statement[0].Condition"} with input as unit([role([statement])])
}

test_federation_with_subject_condition_passes if {
	statement := {
		"Effect": "Allow", "Action": ["sts:AssumeRoleWithWebIdentity"],
		"Principal": {"Federated": ["arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"]},
		"Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": ["repo:acme/platform:ref:refs/heads/main"]}},
	}
	count(iam08.deny) == 0 with input as unit([role([statement])])
}
