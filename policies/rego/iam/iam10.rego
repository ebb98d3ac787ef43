# METADATA
# title: Kubernetes Roles and ClusterRoles grant no wildcard
# description: >-
#   No rule of a Role or ClusterRole — every rule, not only the first — may contain "*" in
#   verbs, resources or apiGroups: a wildcard grants every verb, resource or API group,
#   including ones added later by CRDs and Kubernetes upgrades. One finding per rule, naming
#   the fields. nonResourceURLs are not judged.
# scope: package
# custom:
#   id: IAM-10
#   severity: high
#   family: iam
#   controls: ["21CFR11.10(d)", "21CFR11.10(g)", "EUANNEX11-12.1"]
#   applies_to: [Role, ClusterRole]
#   remediation: >-
#     List the API groups, resources and verbs the subject needs (kubectl auth can-i
#     --list, or audit logs, show what it uses).
package gitops_compliance.iam.iam10

import data.gitops_compliance.lib.util

deny contains finding if {
	some r in input.resources
	r.kind == "kubernetes"
	r.type in {"Role", "ClusterRole"}
	some i, rule in util.as_array(object.get(r.config, "rules", []))
	fields := [field |
		some field in ["apiGroups", "resources", "verbs"]
		"*" in util.as_array(object.get(util.as_object(rule), field, []))
	]
	count(fields) > 0
	finding := util.item(r, {
		"msg": sprintf("%s rule %d grants \"*\" in %s", [r.address, i, concat(", ", fields)]),
		"attribute": sprintf("rules[%d]", [i]),
	})
}
