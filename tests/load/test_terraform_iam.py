"""IAM policy documents: the three spellings normalize to identical statements."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.load.terraform import load_module
from engine.model import Resource

FIXTURES = Path(__file__).parents[1] / "fixtures" / "terraform"

BUCKET_POLICY = [
    {
        "Sid": "ReadRecords",
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": ["arn:aws:s3:::gxp-batch-records", "arn:aws:s3:::gxp-batch-records/*"],
        "Principal": {"AWS": ["arn:aws:iam::111122223333:root"]},
    },
    {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Action": ["s3:*"],
        "Resource": ["arn:aws:s3:::gxp-batch-records/*"],
        "Principal": "*",
        "Condition": {"Bool": {"aws:SecureTransport": ["false"]}},
    },
]


@pytest.fixture(scope="module")
def iam() -> dict[str, Resource]:
    files = sorted(p.relative_to(FIXTURES).as_posix() for p in (FIXTURES / "iam").iterdir())
    result = load_module(FIXTURES, "iam", files)
    assert result.errors == ()
    return {r.address: r for r in result.resources}


def _policies(resource: Resource) -> list[dict[str, Any]]:
    policies: list[dict[str, Any]] = resource.extra["iam_policies"]
    return policies


@pytest.mark.parametrize("address", [
    "aws_s3_bucket_policy.from_document",
    "aws_s3_bucket_policy.from_jsonencode",
    "aws_s3_bucket_policy.from_heredoc",
])
def test_three_spellings_produce_identical_statements(
        iam: dict[str, Resource], address: str) -> None:
    assert _policies(iam[address]) == [{"attribute": "policy", "statements": BUCKET_POLICY}]


def test_policy_document_data_source_carries_its_statements(iam: dict[str, Resource]) -> None:
    document = iam["data.aws_iam_policy_document.bucket"]
    assert _policies(document) == [{"attribute": "json", "statements": BUCKET_POLICY}]


def test_jsonencode_policy_is_terraforms_json_string(iam: dict[str, Resource]) -> None:
    policy = iam["aws_s3_bucket_policy.from_jsonencode"].config["policy"]
    assert isinstance(policy, str)
    assert policy.startswith('{"Statement":[{"Action":["s3:GetObject","s3:ListBucket"],')
    assert policy.endswith('"Version":"2012-10-17"}')


def test_document_reference_is_unknown_in_config(iam: dict[str, Resource]) -> None:
    assert iam["aws_s3_bucket_policy.from_document"].config["policy"] == {
        "$unknown": "data.aws_iam_policy_document.bucket.json"}


def test_trust_policy_and_quoted_inline_json(iam: dict[str, Resource]) -> None:
    assert _policies(iam["aws_iam_role.trainer"]) == [
        {"attribute": "assume_role_policy", "statements": [
            {"Effect": "Allow", "Action": ["sts:AssumeRole"],
             "Principal": {"Service": ["sagemaker.amazonaws.com"]}}]},
        {"attribute": "inline_policy.policy", "statements": [
            {"Effect": "Allow", "Action": ["iam:PassRole"], "Resource": ["*"]}]},
    ]


def test_unknown_resource_element_stays_an_element(iam: dict[str, Resource]) -> None:
    (policy,) = _policies(iam["aws_iam_policy.artifacts"])
    assert policy["statements"] == [{
        "Effect": "Allow", "Action": ["s3:PutObject"],
        "Resource": [{"$unknown": '"${aws_s3_bucket.artifacts.arn}/*"'}]}]
    assert iam["aws_iam_policy.artifacts"].config["policy"] == {"$unknown": (
        'jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", '
        'Action = ["s3:PutObject"], Resource = "${aws_s3_bucket.artifacts.arn}/*"}]})')}


def test_document_from_another_module_is_unknown(iam: dict[str, Resource]) -> None:
    assert _policies(iam["aws_iam_policy.external"]) == [{
        "attribute": "policy",
        "statements": {"$unknown": "data.aws_iam_policy_document.defined_elsewhere.json"}}]


def test_source_documents_merge_by_sid(iam: dict[str, Resource]) -> None:
    (policy,) = _policies(iam["data.aws_iam_policy_document.combined"])
    assert policy["statements"] == [
        {"Sid": "Logs", "Effect": "Allow", "Action": ["logs:CreateLogStream"],
         "Resource": ["*"]},
        {"Sid": "Metrics", "Effect": "Allow", "Action": ["cloudwatch:PutMetricData"],
         "Resource": ["arn:aws:cloudwatch:*:*:namespace/gxp"]},
        {"Effect": "Allow", "NotAction": ["iam:*"],
         "NotResource": ["arn:aws:iam::*:role/admin"]},
    ]


def test_json_that_is_not_an_iam_document_is_not_listed(iam: dict[str, Resource]) -> None:
    assert _policies(iam["aws_ecr_lifecycle_policy.images"]) == []


def test_cyclic_and_unresolvable_documents_terminate(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'data "aws_iam_policy_document" "a" {\n'
        '  source_policy_documents = [data.aws_iam_policy_document.b.json]\n}\n'
        'data "aws_iam_policy_document" "b" {\n'
        '  source_policy_documents = [data.aws_iam_policy_document.a.json]\n}\n'
        'resource "aws_iam_policy" "p" {\n  policy = var.policy\n}\n'
        'resource "aws_iam_policy" "q" {\n  policy = "not json"\n}\n')
    result = load_module(tmp_path, "", ["main.tf"])
    statements = {r.address: r.extra["iam_policies"][0]["statements"] for r in result.resources}
    assert statements == {
        "data.aws_iam_policy_document.a": {"$unknown": "data.aws_iam_policy_document.a.json"},
        "data.aws_iam_policy_document.b": {"$unknown": "data.aws_iam_policy_document.b.json"},
        "aws_iam_policy.p": {"$unknown": "var.policy"},
        "aws_iam_policy.q": {"$unknown": '"not json"'},
    }
