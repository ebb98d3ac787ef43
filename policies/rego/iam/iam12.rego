# METADATA
# title: Kubernetes roles do not read Secrets
# description: >-
#   A rule of a Role or ClusterRole that covers Secrets (resources "secrets" or "*" in the
#   core API group "" or "*") must not allow get, list or watch (or "*"): the holder reads
#   every Secret value in the namespace, or the cluster. A rule limited by resourceNames to
#   named Secrets is fine.
# scope: package
# custom:
#   id: IAM-12
#   severity: high
#   family: iam
#   controls: ["21CFR11.10(d)", "21CFR11.10(g)", "EUANNEX11-12.1"]
#   applies_to: [Role, ClusterRole]
#   remediation: >-
#     Mount the Secrets the workload needs instead of reading them through the API, or
#     restrict the rule to named Secrets with resourceNames.
package gitops_compliance.iam.iam12

import data.gitops_compliance.lib.util

_read_verbs := {"get", "list", "watch", "*"}

deny contains finding if {
	some r in input.resources
	r.kind == "kubernetes"
	r.type in {"Role", "ClusterRole"}
	some i, raw in util.as_array(object.get(r.config, "rules", []))
	rule := util.as_object(raw)
	some group in util.as_array(object.get(rule, "apiGroups", []))
	group in {"", "*"}
	some resource in util.as_array(object.get(rule, "resources", []))
	resource in {"secrets", "*"}
	count(util.as_array(object.get(rule, "resourceNames", []))) == 0
	verbs := {v | some v in util.as_array(object.get(rule, "verbs", [])); v in _read_verbs}
	count(verbs) > 0
	finding := util.item(r, {
		"msg": sprintf("%s rule %d allows %s on Secrets", [r.address, i, concat(", ", sort(verbs))]),
		"attribute": sprintf("rules[%d]", [i]),
	})
}
