package gitops_compliance.gxp.gxp01_test

import data.gitops_compliance.gxp.gxp01

tf(address, type, file, config) := {
	"address": address, "kind": "terraform", "type": type, "name": split(address, ".")[1],
	"file": file, "line": 1, "mode": "managed", "module": "m", "provider": "aws", "config": config, "tags": {},
}

provider(address, file, line) := object.union(tf(address, "provider", file, {}), {"mode": "provider", "line": line, "name": "aws"})

trail(config) := tf("aws_cloudtrail.org", "aws_cloudtrail", "audit/trail.tf", config)

unit(resources) := {"contract_version": 1, "kind": "terraform", "unit": "m", "resources": resources}

test_no_trail_names_the_provider if {
	findings := gxp01.deny with input as unit([provider("provider.aws", "m/versions.tf", 3), tf("aws_s3_bucket.x", "aws_s3_bucket", "m/s3.tf", {})])
	findings == {{
		"msg": "provider.aws: no multi-region CloudTrail with logging on in the scope: this configuration deploys to AWS without an audit trail",
		"resource": "provider.aws", "file": "m/versions.tf", "attribute": "cloudtrail",
	}}
}

# The trail lives in another unit of the scope: data.inventory sees it.
test_trail_elsewhere_in_the_scope_passes if {
	inventory := [trail({"is_multi_region_trail": true})]
	count(gxp01.deny) == 0 with input as unit([provider("provider.aws", "m/versions.tf", 3)]) with data.inventory.terraform as inventory
}

test_single_region_or_disabled_trail_fires if {
	trails := [trail({"is_multi_region_trail": false}), object.union(trail({"is_multi_region_trail": true, "enable_logging": false}), {"address": "aws_cloudtrail.off"})]
	msgs := [f.msg | some f in gxp01.deny] with input as unit([provider("provider.aws", "m/versions.tf", 3)]) with data.inventory.terraform as trails
	msgs == ["provider.aws: no multi-region CloudTrail with logging on in the scope (aws_cloudtrail.off has logging off; aws_cloudtrail.org is single-region)"]
}

test_unresolved_trail_cannot_be_verified if {
	t := trail({"is_multi_region_trail": {"$unknown": "var.multi_region"}})
	msgs := [f.msg | some f in gxp01.deny] with input as unit([provider("provider.aws", "m/versions.tf", 3), t])
	msgs == ["provider.aws: no multi-region CloudTrail with logging on could be verified in the scope (unresolved: aws_cloudtrail.org.is_multi_region_trail = var.multi_region)"]
}

test_trail_with_count_zero_does_not_count if {
	t := trail({"is_multi_region_trail": true, "count": 0})
	count(gxp01.deny) == 1 with input as unit([provider("provider.aws", "m/versions.tf", 3), t])
}

# One finding per unit, on the default provider configuration before aliases.
test_one_finding_on_the_default_provider if {
	resources := [provider("provider.aws.us", "m/a.tf", 1), provider("provider.aws", "m/z.tf", 9)]
	[f.resource | some f in gxp01.deny] == ["provider.aws"] with input as unit(resources)
}

# No AWS provider block anywhere in the scope: a warning, once, on the first AWS resource.
test_scope_without_provider_warns_on_first_resource if {
	resources := [tf("aws_s3_bucket.b", "aws_s3_bucket", "m/main.tf", {}), tf("aws_s3_bucket.a", "aws_s3_bucket", "m/main.tf", {})]
	count(gxp01.deny) == 0 with input as unit(resources)
	[f.resource | some f in gxp01.warn] == ["aws_s3_bucket.a"] with input as unit(resources)
}

test_warning_only_in_the_unit_holding_the_first_resource if {
	inventory := [tf("aws_s3_bucket.a", "aws_s3_bucket", "a/main.tf", {})]
	count(gxp01.warn) == 0 with input as unit([tf("aws_s3_bucket.z", "aws_s3_bucket", "z/main.tf", {})]) with data.inventory.terraform as inventory
}

test_no_aws_at_all_passes if {
	az := object.union(tf("azurerm_resource_group.rg", "azurerm_resource_group", "m/main.tf", {}), {"provider": "azurerm"})
	count(gxp01.deny | gxp01.warn) == 0 with input as unit([az])
}
