package gitops_compliance.iam.iam07_test

import data.gitops_compliance.iam.iam07

policy(statements) := {
	"address": "aws_iam_policy.app", "kind": "terraform", "type": "aws_iam_policy",
	"name": "app", "file": "iam.tf", "line": 1, "mode": "managed", "config": {},
	"iam_policies": [{"attribute": "policy", "statements": statements}],
}

unit(resources) := {"contract_version": 1, "kind": "terraform", "unit": "iam", "resources": resources}

test_decrypt_on_star_fires if {
	iam07.deny == {{
		"msg": "aws_iam_policy.app: policy statement #0 allows kms:Decrypt on \"*\" (every key)",
		"resource": "aws_iam_policy.app", "file": "iam.tf", "attribute": "policy.Statement[0]",
	}} with input as unit([policy([{"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": ["*"]}])])
}

test_wildcards_grant_both if {
	[f.msg | some f in iam07.deny] == ["aws_iam_policy.app: policy statement #0 allows kms:Decrypt and kms:ReEncryptFrom on \"arn:aws:kms:eu-west-1:111122223333:key/*\" (every key)"] with input as unit([policy([{"Action": ["KMS:*"], "Resource": ["arn:aws:kms:eu-west-1:111122223333:key/*"]}])])
}

test_reencrypt_wildcard_fires if {
	count(iam07.deny) == 1 with input as unit([policy([{"Action": ["kms:ReEncrypt*"], "Resource": ["*"]}])])
}

test_named_key_passes if {
	count(iam07.deny) == 0 with input as unit([policy([{"Action": ["kms:Decrypt"], "Resource": ["arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"]}])])
}

test_encrypt_only_on_star_passes if {
	count(iam07.deny) == 0 with input as unit([policy([{"Action": ["kms:Encrypt", "kms:GenerateDataKey"], "Resource": ["*"]}])])
}

test_key_policy_passes if {
	key := {
		"address": "aws_kms_key.k", "kind": "terraform", "type": "aws_kms_key", "name": "k",
		"file": "kms.tf", "mode": "managed", "config": {},
		"iam_policies": [{"attribute": "policy", "statements": [{"Action": ["kms:Decrypt"], "Resource": ["*"]}]}],
	}
	count(iam07.deny) == 0 with input as unit([key])
}

# A data source used as a key policy is a key policy too.
test_document_used_by_a_key_passes if {
	document := {
		"address": "data.aws_iam_policy_document.key", "kind": "terraform", "type": "aws_iam_policy_document",
		"name": "key", "file": "kms.tf", "mode": "data", "config": {},
		"iam_policies": [{"attribute": "json", "statements": [{"Action": ["kms:Decrypt"], "Resource": ["*"]}]}],
	}
	key := {
		"address": "aws_kms_key.k", "kind": "terraform", "type": "aws_kms_key", "name": "k",
		"file": "kms.tf", "mode": "managed", "config": {"policy": {"$unknown": "data.aws_iam_policy_document.key.json"}},
		"iam_policies": [{"attribute": "policy", "statements": [{"Action": ["kms:Decrypt"], "Resource": ["*"]}]}],
	}
	count(iam07.deny) == 0 with input as unit([document, key])
}
