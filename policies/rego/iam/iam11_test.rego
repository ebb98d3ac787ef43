package gitops_compliance.iam.iam11_test

import data.gitops_compliance.iam.iam11

binding(kind, role, subjects) := {
	"address": sprintf("%s/ops", [kind]), "kind": "kubernetes", "type": kind, "name": "ops",
	"file": "rbac.yaml", "line": 1, "api_version": "rbac.authorization.k8s.io/v1", "namespace": null,
	"config": {
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": {"name": "ops"},
		"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
		"subjects": subjects,
	},
}

unit(resources) := {"contract_version": 1, "kind": "kubernetes", "unit": "kubernetes", "resources": resources}

group(name) := {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": name}

test_cluster_admin_fires if {
	iam11.deny == {{
		"msg": "ClusterRoleBinding/ops binds the cluster-admin ClusterRole",
		"resource": "ClusterRoleBinding/ops", "file": "rbac.yaml", "attribute": "roleRef.name",
	}} with input as unit([binding("ClusterRoleBinding", "cluster-admin", [group("acme:platform")])])
}

test_forbidden_subjects_fire if {
	findings := iam11.deny with input as unit([binding("RoleBinding", "view", [group("acme:dev"), group("system:unauthenticated"), {"kind": "User", "name": "system:anonymous"}])])
	{f.attribute | some f in findings} == {"subjects[1]", "subjects[2]"}
}

test_masters_fires if {
	count(iam11.deny) == 1 with input as unit([binding("ClusterRoleBinding", "view", [group("system:masters")])])
}

test_ordinary_binding_passes if {
	count(iam11.deny) == 0 with input as unit([binding("ClusterRoleBinding", "view", [group("acme:oncall"), group("system:authenticated")])])
}
