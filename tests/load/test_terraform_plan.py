"""load_plan on `terraform show -json` output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.load.terraform import LoadResult, load_plan

FIXTURES = Path(__file__).parents[1] / "fixtures" / "terraform"


@pytest.fixture(scope="module")
def plan() -> LoadResult:
    return load_plan(FIXTURES, "plan/plan.json")


def test_addresses_drop_instance_keys_and_walk_child_modules(plan: LoadResult) -> None:
    assert plan.errors == ()
    assert [(r.address, r.extra["module"], r.line) for r in plan.resources] == [
        ("aws_s3_bucket.records", "", 13),
        ("aws_db_instance.lims", "", 41),
        ("aws_iam_role.trainer", "", 68),
        ("data.aws_iam_policy_document.bucket", "", 94),
        ("module.logs.aws_s3_bucket.this", "module.logs", 114),
        ("module.logs.aws_s3_bucket.this", "module.logs", 136),
        ("module.logs.module.kms.aws_kms_key.this", "module.logs.module.kms", 163),
    ]
    assert {r.file for r in plan.resources} == {"plan/plan.json"}
    assert {(r.kind, r.extra["provider"]) for r in plan.resources} == {("terraform", "aws")}
    data = plan.resources[3]
    assert (data.type, data.name, data.extra["mode"]) == (
        "aws_iam_policy_document", "bucket", "data")


def test_exact_values_and_tags_all(plan: LoadResult) -> None:
    records = plan.resources[0]
    assert records.config["bucket"] == "gxp-prod-records"
    assert records.config["object_lock_enabled"] is True
    assert records.extra["tags"] == {
        "Name": "gxp-prod-records", "gxp-classification": "gxp-critical",
        "cost-center": "cc-4711", "system-owner": "qa-platform"}
    assert plan.resources[2].extra["tags"] == {}


def test_values_known_after_apply_are_unknown(plan: LoadResult) -> None:
    records = plan.resources[0]
    assert records.config["arn"] == {"$unknown": "(known after apply)"}
    assert records.config["versioning"] == {"$unknown": "(known after apply)"}
    kms = plan.resources[6]
    assert kms.extra["tags"] == {"$unknown": "(known after apply)"}
    assert kms.extra["iam_policies"] == [{
        "attribute": "policy",
        "statements": {"$unknown": "module.logs.module.kms.aws_kms_key.this.policy"}}]


def test_sensitive_values_are_redacted(plan: LoadResult) -> None:
    lims = plan.resources[1]
    assert lims.config["password"] == {"$redacted": True}
    assert lims.config["deletion_protection"] is True
    dumped = json.dumps([r.to_input() for r in plan.resources])
    assert "plan-secret-value" not in dumped


def test_iam_policies_from_plan_values(plan: LoadResult) -> None:
    assert plan.resources[2].extra["iam_policies"] == [
        {"attribute": "assume_role_policy", "statements": [
            {"Effect": "Allow", "Action": ["sts:AssumeRole"],
             "Principal": {"Service": ["sagemaker.amazonaws.com"]}}]},
        {"attribute": "inline_policy.policy", "statements": [
            {"Sid": "PassRole", "Effect": "Allow", "Action": ["iam:PassRole"],
             "Resource": ["*"]}]},
    ]
    (document,) = plan.resources[3].extra["iam_policies"]
    assert document["attribute"] == "json"
    assert [s["Sid"] for s in document["statements"]] == ["ReadRecords", "DenyInsecureTransport"]
    assert document["statements"][1]["Condition"] == {"Bool": {"aws:SecureTransport": ["false"]}}


def test_single_line_plan_has_line_one(tmp_path: Path) -> None:
    compact = json.dumps(json.loads((FIXTURES / "plan" / "plan.json").read_text()))
    (tmp_path / "tfplan.json").write_text(compact)
    result = load_plan(tmp_path, "tfplan.json")
    assert len(result.resources) == 7
    assert {r.line for r in result.resources} == {1}


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "plan.json").write_text('{\n  "planned_values": {\n    "root_module": {,\n')
    result = load_plan(tmp_path, "plan.json")
    assert result.resources == ()
    (error,) = result.errors
    assert (error.code, error.file, error.line) == ("parse-error", "plan.json", 3)
    assert error.message.startswith("plan.json: line 3, column 21: invalid JSON")


def test_json_that_is_not_a_plan_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "x"}')
    (error,) = load_plan(tmp_path, "package.json").errors
    assert error.code == "parse-error"
    assert "not a Terraform plan" in error.message


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    (error,) = load_plan(tmp_path, "absent.json").errors
    assert (error.code, error.file) == ("parse-error", "absent.json")


def test_type_rules_redact_values_the_provider_does_not_mark_sensitive(tmp_path: Path) -> None:
    def resource(address: str, type_: str, values: dict[str, object]) -> dict[str, object]:
        return {"address": address, "mode": "managed", "type": type_, "name": "x",
                "provider_name": "registry.terraform.io/hashicorp/aws", "values": values,
                "sensitive_values": {}}

    definitions = json.dumps([{"name": "app", "environment": [
        {"name": "DB_PASSWORD", "value": "plan-canary-1"}, {"name": "MODE", "value": "m"}]}])
    (tmp_path / "plan.json").write_text(json.dumps({"planned_values": {"root_module": {
        "resources": [
            resource("aws_ssm_parameter.x", "aws_ssm_parameter",
                     {"name": "/p", "type": "String", "value": "plan-canary-2"}),
            resource("aws_lambda_function.x", "aws_lambda_function", {"environment": [
                {"variables": {"STRIPE_KEY": "plan-canary-3", "MODE": "m"}}]}),
            resource("aws_ecs_task_definition.x", "aws_ecs_task_definition",
                     {"container_definitions": definitions}),
        ]}}}))
    result = load_plan(tmp_path, "plan.json")
    configs = {r.address: r.config for r in result.resources}
    redacted = {"$redacted": True}
    assert configs == {
        "aws_ssm_parameter.x": {"name": "/p", "type": "String", "value": redacted},
        "aws_lambda_function.x": {"environment": [
            {"variables": {"STRIPE_KEY": redacted, "MODE": "m"}}]},
        "aws_ecs_task_definition.x": {"container_definitions": (
            '[{"name":"app","environment":[{"name":"DB_PASSWORD","value":{"$redacted":true}},'
            '{"name":"MODE","value":"m"}]}]')},
    }
    assert "plan-canary" not in json.dumps([r.to_input() for r in result.resources])


def test_unknown_references_keep_their_targets(tmp_path: Path) -> None:
    """A split resource of a bucket being created: its bucket is known only after apply, and
    the configuration's references say which bucket (policies join on that text)."""
    versioning = {"address": "aws_s3_bucket_versioning.records", "mode": "managed",
                  "type": "aws_s3_bucket_versioning", "name": "records",
                  "provider_name": "registry.terraform.io/hashicorp/aws",
                  "values": {"versioning_configuration": [{"status": "Enabled"}]}}
    plan = {
        "planned_values": {"root_module": {"resources": [versioning], "child_modules": [
            {"address": "module.logs", "resources": [
                {**versioning, "address": "module.logs.aws_s3_bucket_versioning.this",
                 "name": "this", "values": {"mfa": None}}]}]}},
        "resource_changes": [
            {"address": "aws_s3_bucket_versioning.records", "change": {
                "after_unknown": {"bucket": True, "id": True}}},
            {"address": "module.logs.aws_s3_bucket_versioning.this", "change": {
                "after_unknown": {"bucket": True}}}],
        "configuration": {"root_module": {
            "resources": [{"address": "aws_s3_bucket_versioning.records", "expressions": {
                "bucket": {"references": ["aws_s3_bucket.records.id", "aws_s3_bucket.records"]},
                "versioning_configuration": [{"status": {"constant_value": "Enabled"}}]}}],
            "module_calls": {"logs": {"module": {"resources": [
                {"address": "aws_s3_bucket_versioning.this", "expressions": {
                    "bucket": {"references": ["aws_s3_bucket.this[0].id"]}}}]}}}}},
    }
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    result = load_plan(tmp_path, "plan.json")
    root, child = result.resources
    assert root.config["bucket"] == {
        "$unknown": "(known after apply: aws_s3_bucket.records.id, aws_s3_bucket.records)"}
    assert root.config["id"] == {"$unknown": "(known after apply)"}  # no references
    assert child.config["bucket"] == {"$unknown": "(known after apply: aws_s3_bucket.this[0].id)"}
