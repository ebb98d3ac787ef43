# METADATA
# title: GxP resources carry the required audit tags
# description: >-
#   Every taggable Terraform resource (the types listed in data.gitops_compliance.taggable)
#   carries the required tags in its effective tags (resource tags merged over the provider's
#   default_tags), and every Kubernetes Namespace and workload pod template carries them as
#   labels. Keys and allowed values come from the required_tags parameter. Findings are high
#   on resources classified gxp-critical (or whose classification is missing, invalid or
#   unresolved) and medium on resources classified as something else.
# scope: package
# custom:
#   id: GXP-10
#   severity: high
#   family: gxp
#   controls: ["21CFR11.10(a)", "21CFR11.10(d)", "21CFR11.10(k)", "EUANNEX11-1", "EUANNEX11-10"]
#   applies_to:
#     - Namespace
#     - Pod
#     - Deployment
#     - StatefulSet
#     - DaemonSet
#     - ReplicaSet
#     - Job
#     - CronJob
#     - data:gitops_compliance.taggable
#   remediation: >-
#     Add the missing tags (Terraform: on the resource or in the provider's default_tags) or
#     labels (Kubernetes: on the Namespace, or in the pod template's metadata.labels) with one
#     of the allowed values.
package gitops_compliance.gxp.gxp10

import data.gitops_compliance.lib.kubernetes as k8s
import data.gitops_compliance.lib.util

# Direct references only: object.get(data.gitops_compliance, ...) would make the engine
# evaluate every policy package under gitops_compliance to build that document.
default params := {}

params := data.gitops_compliance.params

required := util.as_object(object.get(params, "required_tags", {}))

gxp_tag := object.get(params, "gxp_tag", "gxp-classification")

critical_values := object.get(params, "gxp_critical_values", ["gxp-critical"])

taggable_types := {t |
	some types in data.gitops_compliance.taggable
	some t in types
}

# What must carry the tags: {"address", "file", "noun", "attr", "tags"}. The file keeps two
# objects with the same address (envs/dev, envs/prod) apart; util.item puts both in items.
subjects contains s if {
	some r in input.resources
	r.kind == "terraform"
	object.get(r, "mode", "managed") == "managed"
	r.type in taggable_types
	s := {"address": r.address, "file": object.get(r, "file", ""), "noun": "tag", "attr": "tags", "tags": _terraform_tags(r)}
}

subjects contains s if {
	some r in input.resources
	r.kind == "kubernetes"
	r.type == "Namespace"
	labels := object.get(r.config, ["metadata", "labels"], {})
	s := {"address": r.address, "file": object.get(r, "file", ""), "noun": "label", "attr": "metadata.labels", "tags": labels}
}

subjects contains s if {
	some r in input.resources
	tpl := k8s.pod_template(r)
	labels := object.get(tpl.template, ["metadata", "labels"], {})
	s := {
		"address": r.address,
		"file": object.get(r, "file", ""),
		"noun": "label",
		"attr": k8s.template_attr(tpl, "metadata.labels"),
		"tags": labels,
	}
}

# Effective tags per the input contract; a null `tags` (explicitly unset) means none.
_terraform_tags(r) := tags if {
	tags := object.get(r, "tags", object.get(util.as_object(r.config), "tags", {}))
	tags != null
}

_terraform_tags(r) := {} if {
	object.get(r, "tags", object.get(util.as_object(r.config), "tags", {})) == null
}

# Keys with a list of allowed values -> that list as a set; null or [] means any non-empty
# value. Computed once per evaluation: per-key function calls dominate the cost on large
# units.
allowed := {key: {v | some v in values} |
	some key, values in required
	count(util.as_array(values)) > 0
}

required_keys := object.keys(required)

_allowed_text(key) := concat(", ", sort([sprintf("%v", [v]) | some v in allowed[key]]))

# Medium only on a resource known to be classified as not gxp-critical; a missing, invalid
# or unresolved classification fails closed to high.
_known_non_critical(tags) if {
	value := tags[gxp_tag]
	is_string(value)
	value != ""
	value in object.get(allowed, gxp_tag, {value}) # unconstrained: any value is valid
	not value in critical_values
}

severity(tags) := "medium" if _known_non_critical(tags)

severity(tags) := "high" if not _known_non_critical(tags)

deny contains finding if {
	some s in subjects
	util.is_unknown(s.tags)
	finding := util.item(s, {
		"msg": sprintf("%s: the %ss could not be verified (unresolved: %s)", [s.address, s.noun, util.unknown_text(s.tags)]),
		"attribute": s.attr,
		"severity": "high",
	})
}

deny contains finding if {
	some s in subjects
	not util.is_unknown(s.tags)
	tags := util.as_object(s.tags)
	missing := {key | some key, _ in required; object.get(tags, key, null) in {null, ""}}
	count(missing) > 0
	finding := util.item(s, {
		"msg": sprintf("%s is missing the required %s(s): %s", [s.address, s.noun, concat(", ", sort(missing))]),
		"attribute": s.attr,
		"severity": severity(tags),
	})
}

deny contains finding if {
	some s in subjects
	is_object(s.tags)
	some key, value in s.tags
	key in required_keys
	util.is_unknown(value)
	finding := util.item(s, {
		"msg": sprintf("%s: the %s \"%s\" could not be verified (unresolved: %s)", [s.address, s.noun, key, util.unknown_text(value)]),
		"attribute": sprintf("%s.%s", [s.attr, key]),
		"severity": severity(s.tags),
	})
}

deny contains finding if {
	some s in subjects
	is_object(s.tags)
	some key, values in allowed
	value := s.tags[key]
	not value in {null, ""}
	not util.is_unknown(value)
	not value in values
	finding := util.item(s, {
		"msg": sprintf("%s: the %s \"%s\" has the value \"%v\", which is not one of: %s", [s.address, s.noun, key, value, _allowed_text(key)]),
		"attribute": sprintf("%s.%s", [s.attr, key]),
		"severity": severity(s.tags),
	})
}
