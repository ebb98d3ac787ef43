package gitops_compliance.gxp.gxp10_test

import data.gitops_compliance.gxp.gxp10

complete := {
	"gxp-classification": "gxp-critical",
	"system-owner": "qa-team",
	"validation-status": "validated",
	"data-classification": "confidential",
	"cost-center": "cc-100",
}

tf(address, type, tags) := {
	"address": address, "kind": "terraform", "type": type, "name": "x",
	"file": "infra/main.tf", "line": 1, "mode": "managed", "module": "infra",
	"provider": "aws", "config": {}, "tags": tags,
}

unit(kind, resources) := {"contract_version": 1, "kind": kind, "unit": "u", "resources": resources}

k8s(kind, name, config) := {
	"address": sprintf("%s/ml/%s", [kind, name]), "kind": "kubernetes", "type": kind,
	"name": name, "file": "k8s/app.yaml", "line": 1, "api_version": "apps/v1",
	"namespace": "ml", "config": config,
}

deployment(labels) := k8s("Deployment", "trainer", {
	"kind": "Deployment",
	"metadata": {"name": "trainer", "labels": complete},
	"spec": {"template": {"metadata": {"labels": labels}, "spec": {"containers": []}}},
})

test_complete_tags_pass if {
	count(gxp10.deny) == 0 with input as unit("terraform", [tf("aws_s3_bucket.a", "aws_s3_bucket", complete)])
}

# A bucket with no tags attribute at all, and no provider default_tags, must fire.
test_bucket_without_tags_attribute_fires if {
	bucket := object.remove(tf("aws_s3_bucket.logs", "aws_s3_bucket", {}), ["tags"])
	gxp10.deny == {{
		"msg": "aws_s3_bucket.logs is missing the required tag(s): cost-center, data-classification, gxp-classification, system-owner, validation-status",
		"resource": "aws_s3_bucket.logs",
		"file": "infra/main.tf",
		"attribute": "tags",
		"severity": "high",
	}} with input as unit("terraform", [bucket])
}

test_null_tags_fire if {
	count(gxp10.deny) == 1 with input as unit("terraform", [tf("aws_s3_bucket.a", "aws_s3_bucket", null)])
}

# Effective tags (resource tags merged over default_tags) are the top-level `tags` key.
test_effective_tags_win_over_config if {
	bucket := object.union(tf("aws_s3_bucket.a", "aws_s3_bucket", complete), {"config": {"tags": {}}})
	count(gxp10.deny) == 0 with input as unit("terraform", [bucket])
}

test_not_taggable_type_is_ignored if {
	count(gxp10.deny) == 0 with input as unit("terraform", [tf("aws_s3_bucket_versioning.a", "aws_s3_bucket_versioning", {})])
}

test_data_source_is_ignored if {
	source := object.union(tf("data.aws_s3_bucket.a", "aws_s3_bucket", {}), {"mode": "data"})
	count(gxp10.deny) == 0 with input as unit("terraform", [source])
}

test_azure_resource_is_taggable if {
	count(gxp10.deny) == 1 with input as unit("terraform", [tf("azurerm_storage_account.a", "azurerm_storage_account", {})])
}

test_unknown_tags_cannot_be_verified if {
	gxp10.deny == {{
		"msg": "aws_s3_bucket.a: the tags could not be verified (unresolved: merge(var.tags, local.extra))",
		"resource": "aws_s3_bucket.a",
		"file": "infra/main.tf",
		"attribute": "tags",
		"severity": "high",
	}} with input as unit("terraform", [tf("aws_s3_bucket.a", "aws_s3_bucket", {"$unknown": "merge(var.tags, local.extra)"})])
}

test_unknown_tag_value_cannot_be_verified if {
	tags := object.union(complete, {"system-owner": {"$unknown": "var.owner"}})
	gxp10.deny == {{
		"msg": "aws_s3_bucket.a: the tag \"system-owner\" could not be verified (unresolved: var.owner)",
		"resource": "aws_s3_bucket.a",
		"file": "infra/main.tf",
		"attribute": "tags.system-owner",
		"severity": "high",
	}} with input as unit("terraform", [tf("aws_s3_bucket.a", "aws_s3_bucket", tags)])
}

test_invalid_value_fires if {
	tags := object.union(complete, {"validation-status": "done"})
	gxp10.deny == {{
		"msg": "aws_s3_bucket.a: the tag \"validation-status\" has the value \"done\", which is not one of: in-validation, not-validated, retired, validated",
		"resource": "aws_s3_bucket.a",
		"file": "infra/main.tf",
		"attribute": "tags.validation-status",
		"severity": "high",
	}} with input as unit("terraform", [tf("aws_s3_bucket.a", "aws_s3_bucket", tags)])
}

test_empty_value_counts_as_missing if {
	tags := object.union(complete, {"cost-center": ""})
	findings := gxp10.deny with input as unit("terraform", [tf("aws_s3_bucket.a", "aws_s3_bucket", tags)])
	[f.msg | some f in findings] == ["aws_s3_bucket.a is missing the required tag(s): cost-center"]
}

# Severity split: high on gxp-critical (and on a missing or invalid classification),
# medium on resources known to be classified as something else.
test_severity_medium_on_non_gxp if {
	tags := object.remove(object.union(complete, {"gxp-classification": "non-gxp"}), ["cost-center"])
	[f.severity | some f in gxp10.deny] == ["medium"] with input as unit("terraform", [tf("aws_s3_bucket.a", "aws_s3_bucket", tags)])
}

test_severity_high_on_gxp_critical if {
	tags := object.remove(complete, ["cost-center"])
	[f.severity | some f in gxp10.deny] == ["high"] with input as unit("terraform", [tf("aws_s3_bucket.a", "aws_s3_bucket", tags)])
}

test_severity_high_when_classification_invalid if {
	tags := object.union(complete, {"gxp-classification": "maybe"})
	[f.severity | some f in gxp10.deny] == ["high"] with input as unit("terraform", [tf("aws_s3_bucket.a", "aws_s3_bucket", tags)])
}

test_severity_high_when_classification_missing if {
	tags := {"system-owner": "x"}
	[f.severity | some f in gxp10.deny] == ["high"] with input as unit("terraform", [tf("aws_s3_bucket.a", "aws_s3_bucket", tags)])
}

test_parameters_choose_the_keys if {
	params := {"required_tags": {"owner": null}}
	findings := gxp10.deny with input as unit("terraform", [tf("aws_s3_bucket.a", "aws_s3_bucket", {"owner": "me"}), tf("aws_s3_bucket.b", "aws_s3_bucket", complete)])
		with data.gitops_compliance.params as params
	[f.resource | some f in findings] == ["aws_s3_bucket.b"]
}

test_namespace_labels if {
	good := {"address": "Namespace/ml", "kind": "kubernetes", "type": "Namespace", "name": "ml", "config": {"kind": "Namespace", "metadata": {"name": "ml", "labels": complete}}}
	bad := {"address": "Namespace/web", "kind": "kubernetes", "type": "Namespace", "name": "web", "config": {"kind": "Namespace", "metadata": {"name": "web"}}}
	findings := gxp10.deny with input as unit("kubernetes", [good, bad])
	[[f.resource, f.attribute] | some f in findings] == [["Namespace/web", "metadata.labels"]]
}

test_deployment_pod_template_labels_pass if {
	count(gxp10.deny) == 0 with input as unit("kubernetes", [deployment(complete)])
}

# The workload's own labels do not count: the pods are what runs.
test_deployment_pod_template_labels_fail if {
	findings := gxp10.deny with input as unit("kubernetes", [deployment({"app": "trainer"})])
	[[f.resource, f.attribute] | some f in findings] == [["Deployment/ml/trainer", "spec.template.metadata.labels"]]
}

test_cronjob_and_pod_paths if {
	cron := k8s("CronJob", "nightly", {"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"metadata": {}}}}}})
	pod := k8s("Pod", "debug", {"kind": "Pod", "metadata": {"name": "debug"}})
	findings := gxp10.deny with input as unit("kubernetes", [cron, pod])
	{[f.resource, f.attribute] | some f in findings} == {
		["CronJob/ml/nightly", "spec.jobTemplate.spec.template.metadata.labels"],
		["Pod/ml/debug", "metadata.labels"],
	}
}

test_other_kubernetes_kinds_ignored if {
	svc := k8s("Service", "web", {"kind": "Service", "metadata": {"name": "web"}})
	count(gxp10.deny) == 0 with input as unit("kubernetes", [svc])
}

test_malformed_template_does_not_error if {
	odd := k8s("Deployment", "odd", {"kind": "Deployment", "spec": {"template": "not-an-object"}})
	count(gxp10.deny) == 1 with input as unit("kubernetes", [odd])
}

# The same workload in envs/dev and envs/prod, both missing labels: one item per file.
test_same_address_in_two_files_fires_per_file if {
	dev := object.union(deployment({}), {"file": "envs/dev/app.yaml"})
	prod := object.union(deployment({}), {"file": "envs/prod/app.yaml"})
	findings := gxp10.deny with input as unit("kubernetes", [dev, prod])
	count(findings) == 2
	{[f.resource, f.file] | some f in findings} == {
		["Deployment/ml/trainer", "envs/dev/app.yaml"],
		["Deployment/ml/trainer", "envs/prod/app.yaml"],
	}
}
