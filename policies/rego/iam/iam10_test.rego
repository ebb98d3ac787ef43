package gitops_compliance.iam.iam10_test

import data.gitops_compliance.iam.iam10

role(kind, rules) := {
	"address": sprintf("%s/ops", [kind]), "kind": "kubernetes", "type": kind, "name": "ops",
	"file": "rbac.yaml", "line": 1, "api_version": "rbac.authorization.k8s.io/v1", "namespace": null,
	"config": {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": {"name": "ops"}, "rules": rules},
}

unit(resources) := {"contract_version": 1, "kind": "kubernetes", "unit": "kubernetes", "resources": resources}

read_pods := {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}

# The wildcard sits in the second rule: Checkov's CKV_K8S_49 reads only the first.
test_wildcard_in_a_later_rule_fires if {
	iam10.deny == {{
		"msg": "ClusterRole/ops rule 1 grants \"*\" in apiGroups, verbs",
		"resource": "ClusterRole/ops", "file": "rbac.yaml", "attribute": "rules[1]",
	}} with input as unit([role("ClusterRole", [read_pods, {"apiGroups": ["*"], "resources": ["deployments"], "verbs": ["*"]}])])
}

test_role_wildcard_resources_fires if {
	{f.attribute | some f in iam10.deny} == {"rules[0]"} with input as unit([role("Role", [{"apiGroups": ["apps"], "resources": ["*"], "verbs": ["get"]}])])
}

test_explicit_rules_pass if {
	count(iam10.deny) == 0 with input as unit([role("ClusterRole", [read_pods, {"nonResourceURLs": ["/metrics"], "verbs": ["get"]}])])
}

test_aggregated_role_without_rules_passes if {
	count(iam10.deny) == 0 with input as unit([role("ClusterRole", null)])
}
