# METADATA
# title: No binding to cluster-admin, system:masters or anonymous users
# description: >-
#   A RoleBinding or ClusterRoleBinding must not grant the cluster-admin ClusterRole (full
#   control of the cluster; in a RoleBinding, of the namespace), and no binding may name
#   the subjects system:masters (bypasses RBAC and cannot be revoked), system:anonymous or
#   system:unauthenticated (anyone who can reach the API server).
# scope: package
# custom:
#   id: IAM-11
#   severity: high
#   family: iam
#   controls: ["21CFR11.10(d)", "21CFR11.10(g)", "EUANNEX11-12.1"]
#   applies_to: [RoleBinding, ClusterRoleBinding]
#   remediation: >-
#     Bind a role with the permissions the subject needs; grant cluster administration
#     through a break-glass process, never through a committed binding.
package gitops_compliance.iam.iam11

import data.gitops_compliance.lib.util

_bindings contains r if {
	some r in input.resources
	r.kind == "kubernetes"
	r.type in {"RoleBinding", "ClusterRoleBinding"}
}

_forbidden_subjects := {"system:masters", "system:anonymous", "system:unauthenticated"}

deny contains finding if {
	some r in _bindings
	ref := util.as_object(object.get(r.config, "roleRef", {}))
	object.get(ref, "kind", "ClusterRole") == "ClusterRole"
	ref.name == "cluster-admin"
	finding := util.item(r, {
		"msg": sprintf("%s binds the cluster-admin ClusterRole", [r.address]),
		"attribute": "roleRef.name",
	})
}

deny contains finding if {
	some r in _bindings
	some i, subject in util.as_array(object.get(r.config, "subjects", []))
	name := util.as_object(subject).name
	name in _forbidden_subjects
	finding := util.item(r, {
		"msg": sprintf("%s binds the subject %s", [r.address, name]),
		"attribute": sprintf("subjects[%d]", [i]),
	})
}
