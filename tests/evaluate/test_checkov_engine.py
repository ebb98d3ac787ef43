"""The Checkov engine end to end on small fixtures (tests/fixtures/checkov).

Checkov is imported once per test session (``offline.load_checkov`` caches it); the main
scan runs once per module and the tests read its outcome.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import socket
from pathlib import Path

import pytest

from engine.evaluate.checkov import CheckovEngine, CheckovOutcome, CheckovSkip
from engine.model import Engine, Finding, Severity, Status

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "checkov"
TF_DIRS = ("terraform/failing", "terraform/passing", "terraform/modules/bucket")
K8S_FILES = ("kubernetes/trainer.yaml", "kubernetes/rbac.yaml")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def outcome() -> CheckovOutcome:
    return CheckovEngine().run(FIXTURES, terraform_dirs=TF_DIRS, kubernetes_files=K8S_FILES)


def failed(outcome: CheckovOutcome) -> set[tuple[str, str, str, int]]:
    return {(f.policy_id, f.resource, f.file, f.line) for f in outcome.findings
            if f.status is Status.FAILED}


def passed(outcome: CheckovOutcome) -> set[tuple[str, str, str, int]]:
    return {(f.policy_id, f.resource, f.file, f.line) for f in outcome.findings
            if f.status is Status.PASSED}


def finding(outcome: CheckovOutcome, policy_id: str, resource: str) -> Finding:
    matches = [f for f in outcome.findings if f.policy_id == policy_id and f.resource == resource]
    assert len(matches) == 1, matches
    return matches[0]


def test_reports_the_checkov_version_and_no_errors(outcome: CheckovOutcome) -> None:
    assert outcome.version.startswith("3.")
    assert outcome.errors == ()


def test_failing_trail_fails_the_gxp_audit_trail_checks(outcome: CheckovOutcome) -> None:
    for check in ("CKV_AWS_36", "CKV_AWS_35", "CKV_AWS_67"):
        assert (check, "aws_cloudtrail.audit", "terraform/failing/main.tf", 2) in failed(outcome)
    validation = finding(outcome, "CKV_AWS_36", "aws_cloudtrail.audit")
    assert validation.engine is Engine.CHECKOV
    assert validation.severity is Severity.HIGH
    assert validation.family == "gxp"
    assert validation.catalog == ("GXP-02",)
    assert validation.controls == ("21CFR11.10(a)", "21CFR11.10(c)")
    assert validation.unit == "terraform/failing"
    assert validation.title == "Ensure CloudTrail log file validation is enabled"
    assert validation.message == validation.title


def test_compliant_trail_passes_the_same_checks(outcome: CheckovOutcome) -> None:
    for check in ("CKV_AWS_36", "CKV_AWS_35", "CKV_AWS_67", "CKV_AWS_251"):
        assert (check, "aws_cloudtrail.org", "terraform/passing/main.tf", 7) in passed(outcome)
        assert not any(f[0] == check and f[1] == "aws_cloudtrail.org" for f in failed(outcome))


def test_module_resources_are_reported_through_the_caller(outcome: CheckovOutcome) -> None:
    bucket = finding(outcome, "CKV_AWS_21", "module.records.aws_s3_bucket.this")
    assert (bucket.file, bucket.line, bucket.unit) == (
        "terraform/modules/bucket/main.tf", 5, "terraform/failing")
    # As with checkov -d: the module directory is not also scanned on its own.
    assert not any(f.resource == "aws_s3_bucket.this" for f in outcome.findings)


def test_count_instances_collapse_to_the_base_address(outcome: CheckovOutcome) -> None:
    volumes = [f for f in outcome.findings if f.policy_id == "CKV_AWS_3"]
    assert [(f.resource, f.status) for f in volumes] == [("aws_ebs_volume.scratch", Status.FAILED)]


def test_unmapped_check_defaults_to_medium(outcome: CheckovOutcome) -> None:
    sns = finding(outcome, "CKV_AWS_252", "aws_cloudtrail.audit")
    assert (sns.severity, sns.family, sns.controls, sns.catalog) == (
        Severity.MEDIUM, "checkov", (), ())


def test_privileged_container_on_namespaced_deployment(outcome: CheckovOutcome) -> None:
    assert ("CKV_K8S_16", "Deployment/ml/trainer", "kubernetes/trainer.yaml", 6) in failed(outcome)
    assert finding(outcome, "CKV_K8S_16", "Deployment/ml/trainer").unit == "kubernetes"


def test_cluster_scoped_objects_have_no_namespace(outcome: CheckovOutcome) -> None:
    wildcard = finding(outcome, "CKV_K8S_49", "ClusterRole/everything")
    assert (wildcard.status, wildcard.catalog, wildcard.line) == (Status.FAILED, ("IAM-10",), 1)


def test_namespace_defaults_like_checkov(outcome: CheckovOutcome) -> None:
    assert any(f.resource == "ConfigMap/default/settings" for f in outcome.findings)


def test_graph_results_on_pod_templates_name_the_workload(outcome: CheckovOutcome) -> None:
    assert ("CKV2_K8S_6", "Deployment/ml/trainer", "kubernetes/trainer.yaml", 6) in failed(outcome)
    assert not any(f.resource.startswith("Pod/") for f in outcome.findings)


def test_inline_terraform_skip_is_reported_not_honoured(outcome: CheckovOutcome) -> None:
    queue = finding(outcome, "CKV_AWS_27", "aws_sqs_queue.jobs")
    assert queue.status is Status.FAILED
    assert "unregistered inline suppression" in queue.message
    assert "encryption is handled by the platform team" in queue.message
    assert any(s.check_id == "CKV_AWS_27" and s.resource == "aws_sqs_queue.jobs"
               and s.reason == "encryption is handled by the platform team"
               for s in outcome.suppressions)


def test_inline_skip_on_a_module_call_covers_the_module_resources(outcome: CheckovOutcome) -> None:
    logging = finding(outcome, "CKV_AWS_18", "module.records.aws_s3_bucket.this")
    assert logging.status is Status.FAILED
    assert "access logs are collected by the central account" in logging.message
    assert any(s.check_id == "CKV_AWS_18" and s.unit == "terraform/failing"
               and s.file == "terraform/modules/bucket/main.tf" for s in outcome.suppressions)


def test_inline_skip_on_a_passing_check_reports_the_pass(outcome: CheckovOutcome) -> None:
    topic = finding(outcome, "CKV_AWS_26", "aws_sns_topic.alerts")
    assert topic.status is Status.PASSED
    assert not any(s.resource == "aws_sns_topic.alerts" for s in outcome.suppressions)


def test_kubernetes_skip_annotation_is_reported_not_honoured(outcome: CheckovOutcome) -> None:
    escalation = finding(outcome, "CKV_K8S_20", "Deployment/ml/trainer")
    assert escalation.status is Status.FAILED
    assert "privilege escalation is needed by the profiler" in escalation.message
    on_trainer = [(s.check_id, s.file, s.line) for s in outcome.suppressions
                  if s.resource == "Deployment/ml/trainer"]
    assert on_trainer == [("CKV_K8S_20", "kubernetes/trainer.yaml", 6)]


def test_no_manifest_content_reaches_the_findings(outcome: CheckovOutcome) -> None:
    # Checkov's code_block is never carried over: no value from the fixtures appears.
    text = json.dumps([dataclasses.asdict(f) for f in outcome.findings], default=str)
    for value in ("audit-logs", "gxp-records", "registry.example.com", "alias/alerts"):
        assert value not in text


def test_findings_are_sorted_and_stable(outcome: CheckovOutcome) -> None:
    assert list(outcome.findings) == sorted(outcome.findings, key=Finding.sort_key)
    again = CheckovEngine().run(FIXTURES, terraform_dirs=TF_DIRS, kubernetes_files=K8S_FILES)
    assert again.findings == outcome.findings


def test_malformed_files_are_parse_errors_naming_the_file() -> None:
    result = CheckovEngine().run(
        FIXTURES,
        terraform_dirs=["terraform/malformed", "terraform/json_only"],
        kubernetes_files=["kubernetes/malformed.yaml", "kubernetes/dropped.yaml"],
    )
    errors = {(e.code, e.file): e for e in result.errors}
    assert set(errors) == {
        ("parse-error", "terraform/malformed/main.tf"),
        ("parse-error", "terraform/json_only/main.tf.json"),
        ("parse-error", "kubernetes/malformed.yaml"),
        ("parse-error", "kubernetes/dropped.yaml"),
    }
    assert errors[("parse-error", "kubernetes/malformed.yaml")].line > 0
    assert errors[("parse-error", "kubernetes/dropped.yaml")].line == 6
    # The readable object of the partly dropped file is still checked.
    assert any(f.resource == "ConfigMap/default/kept" for f in result.findings)


def test_config_skips_are_honoured_with_path_scopes() -> None:
    engine = CheckovEngine(skips=[
        CheckovSkip("CKV_AWS_36", "the organisation trail validates", ("terraform/failing/**",)),
        CheckovSkip("CKV_K8S_16", "GPU driver daemon needs it"),
        CheckovSkip("CKV_AWS_35", "scoped elsewhere", ("terraform/passing",)),
    ])
    result = engine.run(FIXTURES, terraform_dirs=TF_DIRS, kubernetes_files=K8S_FILES)
    ids = {(f.policy_id, f.resource) for f in result.findings}
    assert ("CKV_AWS_36", "aws_cloudtrail.audit") not in ids
    assert ("CKV_AWS_36", "aws_cloudtrail.org") in ids  # outside the skip's paths
    assert not any(f.policy_id == "CKV_K8S_16" for f in result.findings)
    assert ("CKV_AWS_35", "aws_cloudtrail.audit") in ids


def test_excluded_paths_are_left_out() -> None:
    result = CheckovEngine().run(FIXTURES, terraform_dirs=TF_DIRS, kubernetes_files=K8S_FILES,
                                 excluded=["terraform/modules", "kubernetes/rbac.yaml"])
    files = {f.file for f in result.findings}
    assert "terraform/modules/bucket/main.tf" not in files
    assert "kubernetes/rbac.yaml" not in files
    assert "terraform/failing/main.tf" in files


def test_nothing_to_scan_does_not_load_anything() -> None:
    result = CheckovEngine().run(FIXTURES, terraform_dirs=[], kubernetes_files=[])
    assert result == CheckovOutcome(findings=(), errors=(), version="")


def test_missing_inputs_are_errors_not_crashes() -> None:
    result = CheckovEngine().run(FIXTURES, terraform_dirs=["terraform/nowhere"],
                                 kubernetes_files=["kubernetes/nowhere.yaml"])
    assert {(e.code, e.file) for e in result.errors} == {
        ("engine-error", "terraform/nowhere"), ("engine-error", "kubernetes/nowhere.yaml")}


def test_runs_without_any_network(no_network: list[str]) -> None:
    # conftest's no_network makes every socket connect/getaddrinfo raise and records it.
    result = CheckovEngine().run(FIXTURES, terraform_dirs=["terraform/failing"],
                                 kubernetes_files=["kubernetes/trainer.yaml"])
    assert result.errors == ()
    assert any(f.policy_id == "CKV_AWS_36" for f in result.findings)
    assert no_network == []
    with pytest.raises(OSError):  # the fixture really is active
        socket.getaddrinfo("example.com", 443)


def test_an_exception_in_a_framework_is_an_engine_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from checkov.kubernetes.runner import Runner

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret-value-must-not-leak")

    monkeypatch.setattr(Runner, "run", explode)
    result = CheckovEngine().run(FIXTURES, terraform_dirs=["terraform/failing"],
                                 kubernetes_files=["kubernetes/trainer.yaml"])
    assert [(e.code, e.unit) for e in result.errors] == [("engine-error", "kubernetes")]
    assert "RuntimeError" in result.errors[0].message
    assert "secret-value" not in result.errors[0].message
    assert any(f.unit == "terraform/failing" for f in result.findings)  # the rest completed
    assert not any(f.unit == "kubernetes" for f in result.findings)


def test_a_call_out_during_a_scan_is_blocked_and_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    from checkov.terraform.runner import Runner

    original = Runner.run

    def phone_home(self: object, *args: object, **kwargs: object) -> object:
        with contextlib.suppress(OSError):  # Checkov swallows network failures the same way
            socket.getaddrinfo("api0.prismacloud.io", 443)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Runner, "run", phone_home)
    result = CheckovEngine().run(FIXTURES, terraform_dirs=["terraform/failing"],
                                 kubernetes_files=[])
    assert any("socket.getaddrinfo" in e.message and "prismacloud" in e.message
               for e in result.errors)
    assert any(f.policy_id == "CKV_AWS_36" for f in result.findings)


def test_a_crashing_check_is_an_error_not_a_silent_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    from checkov.terraform.checks.resource.registry import resource_registry

    check = next(c for c in resource_registry.checks["aws_cloudtrail"] if c.id == "CKV_AWS_36")

    def crash(conf: object) -> object:
        raise KeyError("boom")

    monkeypatch.setattr(check, "scan_resource_conf", crash)
    result = CheckovEngine().run(FIXTURES, terraform_dirs=["terraform/failing"],
                                 kubernetes_files=[])
    assert not any(f.policy_id == "CKV_AWS_36" for f in result.findings)
    crashes = [e for e in result.errors if "CKV_AWS_36" in e.message]
    assert [(e.code, e.file) for e in crashes] == [("engine-error", "terraform/failing/main.tf")]
