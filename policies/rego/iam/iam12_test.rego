package gitops_compliance.iam.iam12_test

import data.gitops_compliance.iam.iam12

role(rules) := {
	"address": "Role/ml/reader", "kind": "kubernetes", "type": "Role", "name": "reader",
	"file": "rbac.yaml", "line": 1, "api_version": "rbac.authorization.k8s.io/v1", "namespace": "ml",
	"config": {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "reader", "namespace": "ml"}, "rules": rules},
}

unit(resources) := {"contract_version": 1, "kind": "kubernetes", "unit": "kubernetes", "resources": resources}

test_list_secrets_fires if {
	iam12.deny == {{
		"msg": "Role/ml/reader rule 1 allows get, list on Secrets",
		"resource": "Role/ml/reader", "file": "rbac.yaml", "attribute": "rules[1]",
	}} with input as unit([role([
		{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]},
		{"apiGroups": [""], "resources": ["configmaps", "secrets"], "verbs": ["get", "list", "create"]},
	])])
}

# The rule's resources or verbs may come from a wildcard.
test_wildcard_covers_secrets if {
	count(iam12.deny) == 1 with input as unit([role([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}])])
}

test_named_secret_passes if {
	count(iam12.deny) == 0 with input as unit([role([{"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["tls-cert"], "verbs": ["get"]}])])
}

test_write_only_passes if {
	count(iam12.deny) == 0 with input as unit([role([{"apiGroups": [""], "resources": ["secrets"], "verbs": ["create", "update"]}])])
}

test_other_api_group_passes if {
	count(iam12.deny) == 0 with input as unit([role([{"apiGroups": ["bitnami.com"], "resources": ["secrets"], "verbs": ["get"]}])])
}
