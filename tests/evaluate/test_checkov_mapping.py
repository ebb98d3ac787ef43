"""Checkov ids -> the project's addresses, results -> findings, skip globs."""

from __future__ import annotations

import pytest

from engine.evaluate.checkov.mapping import (
    CheckResult,
    Outcome,
    kubernetes_address,
    terraform_address,
    to_finding,
)
from engine.evaluate.checkov.severity import parse_severity_map
from engine.evaluate.checkov.skips import CheckovSkip, path_matches, split_skips
from engine.model import Engine, Severity, Status


@pytest.mark.parametrize(("checkov_id", "block_type", "address"), [
    ("aws_s3_bucket.logs", "resource", "aws_s3_bucket.logs"),
    ("aws_s3_bucket.logs[0]", "resource", "aws_s3_bucket.logs"),
    ('aws_s3_bucket.logs["a.b"]', "resource", "aws_s3_bucket.logs"),
    ("module.x.aws_s3_bucket.logs", "resource", "module.x.aws_s3_bucket.logs"),
    ('module.x["eu"].module.y.aws_s3_bucket.logs[1]', "resource",
     "module.x.module.y.aws_s3_bucket.logs"),
    ("aws_iam_policy_document.admin", "data", "data.aws_iam_policy_document.admin"),
    ("module.x.aws_iam_policy_document.admin", "data",
     "module.x.data.aws_iam_policy_document.admin"),
    ("aws.default", "provider", "provider.aws"),
    ("aws.eu", "provider", "provider.aws.eu"),
    ("remote", "module", "module.remote"),
    ("module.outer.inner", "module", "module.outer.module.inner"),
])
def test_terraform_addresses(checkov_id: str, block_type: str, address: str) -> None:
    assert terraform_address(checkov_id, block_type) == address


@pytest.mark.parametrize(("checkov_id", "address"), [
    ("Deployment.ml.trainer", "Deployment/ml/trainer"),
    ("Deployment.default.web", "Deployment/default/web"),
    ("ConfigMap.default.app.config.v1", "ConfigMap/default/app.config.v1"),
    ("ClusterRole.default.system:aggregate.view", "ClusterRole/system:aggregate.view"),
    ("Namespace.default.ml", "Namespace/ml"),
])
def test_kubernetes_addresses(checkov_id: str, address: str) -> None:
    assert kubernetes_address(checkov_id) == address


SEVERITY_MAP = parse_severity_map({"version": 1, "checks": [
    {"id": "CKV_AWS_36", "severity": "high", "family": "gxp", "catalog": ["GXP-02"],
     "controls": ["21CFR11.10(a)"]},
]})


def result(**changes: object) -> CheckResult:
    values: dict[str, object] = dict(
        check_id="CKV_AWS_36", check_name="Ensure CloudTrail log file validation is enabled",
        outcome=Outcome.FAILED, resource="aws_cloudtrail.audit", file="infra/main.tf", line=3,
        unit="infra")
    values.update(changes)
    return CheckResult(**values)  # type: ignore[arg-type]


def test_mapped_result_becomes_a_finding() -> None:
    finding = to_finding(result(guideline="https://docs.example/CKV_AWS_36"), SEVERITY_MAP)
    assert (finding.policy_id, finding.severity, finding.family, finding.engine) == (
        "CKV_AWS_36", Severity.HIGH, "gxp", Engine.CHECKOV)
    assert (finding.catalog, finding.controls) == (("GXP-02",), ("21CFR11.10(a)",))
    assert (finding.status, finding.resource, finding.file, finding.line, finding.unit) == (
        Status.FAILED, "aws_cloudtrail.audit", "infra/main.tf", 3, "infra")
    assert finding.message == finding.title
    assert finding.remediation == "https://docs.example/CKV_AWS_36"


def test_unmapped_result_is_medium_without_controls() -> None:
    finding = to_finding(result(check_id="CKV_AWS_999", outcome=Outcome.PASSED), SEVERITY_MAP)
    assert (finding.severity, finding.family, finding.controls, finding.catalog) == (
        Severity.MEDIUM, "checkov", (), ())
    assert finding.status is Status.PASSED


def test_suppressed_failure_says_so_and_keeps_the_fingerprint() -> None:
    plain = to_finding(result(), SEVERITY_MAP)
    hidden = to_finding(result(suppressed_by="handled\n by   the org trail"), SEVERITY_MAP)
    assert hidden.status is Status.FAILED
    assert "unregistered inline suppression" in hidden.message
    assert '"handled by the org trail"' in hidden.message
    assert hidden.fingerprint == plain.fingerprint
    unknown = to_finding(result(suppressed_by="x", result_known=False), SEVERITY_MAP)
    assert "not evaluated" in unknown.message


def test_suppression_of_a_passing_check_is_just_a_pass() -> None:
    finding = to_finding(result(outcome=Outcome.PASSED, suppressed_by="whatever"), SEVERITY_MAP)
    assert finding.status is Status.PASSED
    assert finding.message == finding.title


@pytest.mark.parametrize(("pattern", "path", "matches"), [
    ("infra/legacy", "infra/legacy/main.tf", True),
    ("infra/legacy/", "infra/legacy/sub/main.tf", True),
    ("infra/legacy", "infra/legacy2/main.tf", False),
    ("infra/*/main.tf", "infra/a/main.tf", True),
    ("infra/*/main.tf", "infra/a/b/main.tf", False),
    ("infra/**/main.tf", "infra/a/b/main.tf", True),
    ("infra/**/main.tf", "infra/main.tf", True),
    ("**/*.yaml", "k8s/app.yaml", True),
    ("./k8s/app.yaml", "k8s/app.yaml", True),
    ("k8s/app-?.yaml", "k8s/app-1.yaml", True),
    ("k8s/[!a]*.yaml", "k8s/app.yaml", False),
])
def test_path_globs(pattern: str, path: str, matches: bool) -> None:
    assert path_matches(pattern, path) is matches


def test_skips_split_into_global_and_scoped() -> None:
    global_ids, scoped = split_skips([
        CheckovSkip("CKV_AWS_1", "a"),
        CheckovSkip("CKV_K8S_*", "b"),
        CheckovSkip("CKV_AWS_2", "c", ("infra/**",)),
        CheckovSkip("CKV_AWS_3:regex", "d"),  # Checkov would read this as a path regex
    ])
    assert global_ids == ("CKV_AWS_1", "CKV_K8S_*")
    assert [s.id for s in scoped] == ["CKV_AWS_2", "CKV_AWS_3:regex"]
    assert scoped[0].covers("CKV_AWS_2", "infra/main.tf")
    assert not scoped[0].covers("CKV_AWS_2", "apps/main.tf")
    assert not scoped[0].covers("CKV_AWS_20", "infra/main.tf")
