"""Waivers end to end: real repositories, the real Rego engine and real Checkov.

Every run passes ``--as-of``: no assertion depends on the real date.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.slow

AS_OF = "2026-11-27"

QUEUES_TF = """\
resource "aws_sqs_queue" "jobs" {
  #checkov:skip=CKV_AWS_27:waiver:W-001
  name = "jobs"
}

resource "aws_sqs_queue" "other" {
  #checkov:skip=CKV_AWS_27:the platform team encrypts it
  name = "other"
}
"""

CONFIG = "severity:\n  CKV_AWS_27: high\n"


def waiver(waiver_id: str, policies: str, scope: str, *, approved_on: str = "2026-11-01",
           expires: str = "2027-01-15") -> str:
    return (f"  - id: {waiver_id}\n    policies: {policies}\n    scope: {scope}\n"
            f"    reason: accepted risk\n    owner: platform\n    approver: ciso\n"
            f"    approved_on: {approved_on}\n    ticket: SEC-1\n    expires: {expires}\n")


def waivers(*items: str) -> str:
    return "version: 1\nwaivers:\n" + "".join(items)


def _by_resource(document: dict, policy: str) -> dict[str, dict]:  # type: ignore[type-arg]
    return {f["resource"]: f for f in document["findings"] if f["policy_id"] == policy}


def test_checkov_inline_skip_counts_only_with_a_registered_waiver(
        repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory(files={
        "infra/queues.tf": QUEUES_TF,
        ".gitops-compliance.yaml": CONFIG,
        ".gitops-compliance/waivers.yaml": waivers(
            waiver("W-001", "[CKV_AWS_27]", '{resources: ["aws_sqs_queue.jobs"]}')),
    })
    run = run_cli("scan", str(repo), "-o", "json", "--as-of", AS_OF)
    document = run.json()
    queues = _by_resource(document, "CKV_AWS_27")
    jobs, other = queues["aws_sqs_queue.jobs"], queues["aws_sqs_queue.other"]
    assert (jobs["status"], jobs["waiver"], jobs["blocks_merge"]) == ("waived", "W-001", False)
    assert jobs["inline_suppression"] == "waiver:W-001"
    assert (other["status"], other["waiver"], other["blocks_merge"]) == ("failed", None, True)
    assert other["inline_suppression"] == "the platform team encrypts it"
    assert "unregistered inline suppression" in other["message"]
    assert (other["file"], other["line"]) == ("infra/queues.tf", 6)
    assert document["summary"]["waived"] >= 1
    assert document["summary"]["unregistered_suppressions"] == 1
    assert document["waivers"]["applied"] == [{"id": "W-001", "findings": 1}]
    assert document["waivers"]["as_of"] == AS_OF
    assert run.code == 1  # the unregistered one still blocks

    text = run_cli("scan", str(repo), "--as-of", AS_OF)
    assert "WAIVED CKV_AWS_27  aws_sqs_queue.jobs  infra/queues.tf:1  by waiver W-001" in \
        text.out, text.out
    assert "Unregistered inline suppressions (1)" in text.out
    assert "CKV_AWS_27  aws_sqs_queue.other  infra/queues.tf:6" in text.out


def test_rego_waiver_expiry_staleness_and_scope(repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory("e2e/noncompliant", files={
        ".gitops-compliance/waivers.yaml": waivers(
            waiver("W-IAM", "[IAM-02]", '{paths: ["infra/**"]}', expires="2026-12-31"),
            waiver("W-GPU", "[GPU-01]", '{paths: ["apps/**"]}'),  # out of scope: stale
            waiver("W-OLD", "[GXP-10]", '{resources: ["aws_s3_bucket.artifacts"]}',
                   approved_on="2026-08-01", expires="2026-10-30"),
        ),
    })
    run = run_cli("scan", str(repo), "--no-checkov", "-o", "json", "--as-of", AS_OF)
    document = run.json()
    iam = _by_resource(document, "IAM-02")["aws_iam_policy.pipeline"]
    assert (iam["status"], iam["waiver"]) == ("waived", "W-IAM")
    gpu = _by_resource(document, "GPU-01")["Job/ml-training/train-resnet"]
    assert gpu["status"] == "failed"
    artifacts = _by_resource(document, "GXP-10")["aws_s3_bucket.artifacts"]
    assert (artifacts["status"], artifacts["waiver"]) == ("failed", None)
    assert document["waivers"]["expired"] == [{"id": "W-OLD", "expires": "2026-10-30"}]
    assert document["waivers"]["stale"] == ["W-GPU"]
    assert run.code == 1

    # The same repository judged on a date when W-IAM has expired too.
    later = run_cli("scan", str(repo), "--no-checkov", "-o", "json", "--as-of", "2027-01-01")
    iam = _by_resource(later.json(), "IAM-02")["aws_iam_policy.pipeline"]
    assert iam["status"] == "failed" and iam["blocks_merge"] is True
    assert {w["id"] for w in later.json()["waivers"]["expired"]} == {"W-IAM", "W-OLD"}
    text = run_cli("scan", str(repo), "--no-checkov", "--as-of", "2027-01-01")
    assert "expired: W-IAM (valid through 2026-12-31); no longer applied" in text.out
    assert "stale: W-GPU matched no finding in this scan" in text.out


def test_errors_cannot_be_waived(repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory("e2e/broken", files={
        ".gitops-compliance/waivers.yaml": waivers(
            waiver("W-ALL", "[parse-error, internal-error]", '{paths: ["**"]}')),
    })
    run = run_cli("scan", str(repo), "--no-checkov", "-o", "json", "--as-of", AS_OF)
    assert run.code == 3
    assert ("infra/bad.tf", "parse-error") in {(e["file"], e["code"])
                                               for e in run.json()["errors"]}
    assert run.json()["waivers"]["stale"] == ["W-ALL"]


def test_an_invalid_waivers_file_is_a_configuration_error(
        repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory(files={
        "infra/queues.tf": QUEUES_TF,
        ".gitops-compliance/waivers.yaml": waivers(
            waiver("W-001", "[CKV_AWS_27]", "{}", expires="2027-06-01")),
    })
    run = run_cli("scan", str(repo), "--no-checkov", "-o", "json", "--as-of", AS_OF)
    assert run.code == 2
    errors = {(e["file"], e["line"], e["code"]) for e in run.json()["errors"]}
    assert (".gitops-compliance/waivers.yaml", 5, "waiver-error") in errors  # scope: {}
    assert (".gitops-compliance/waivers.yaml", 11, "waiver-error") in errors  # lifetime
    messages = " ".join(e["message"] for e in run.json()["errors"])
    assert "waiver W-001:" in messages and "maximum lifetime is 90 days" in messages


def test_config_names_the_waivers_file_and_its_lifetime(
        repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory(files={
        "infra/queues.tf": QUEUES_TF,
        ".gitops-compliance.yaml": CONFIG + "waivers: governance/waivers.yaml\n"
                                            "waiver_max_days: 200\n",
        "governance/waivers.yaml": waivers(
            waiver("W-001", "[CKV_AWS_27, GXP-10]", '{paths: ["infra/**"]}',
                   expires="2027-05-01")),
    })
    run = run_cli("scan", str(repo), "-o", "json", "--as-of", AS_OF)
    assert run.code == 0, run.out
    statuses = {(f["policy_id"], f["resource"]): f["status"] for f in run.json()["findings"]}
    assert statuses[("CKV_AWS_27", "aws_sqs_queue.other")] == "waived"
    assert statuses[("GXP-10", "aws_sqs_queue.jobs")] == "waived"
    assert run.json()["waivers"]["file"] == "governance/waivers.yaml"
    missing = repo_factory(name="missing", files={
        ".gitops-compliance.yaml": "waivers: nowhere.yaml\n"})
    run = run_cli("scan", str(missing), "--no-checkov")
    assert run.code == 2 and "waivers: nowhere.yaml: no such file" in run.err


def test_waivers_check_exit_codes(repo_factory: Callable[..., Path]) -> None:
    valid = repo_factory(name="valid", files={".gitops-compliance/waivers.yaml": waivers(
        waiver("W-001", "[IAM-02]", '{paths: ["infra/**"]}', expires="2026-12-05"))})
    run = run_cli("waivers", "check", str(valid), "--as-of", AS_OF)
    assert run.code == 0, run.out
    assert "1 waiver(s), as of 2026-11-27: valid" in run.out
    assert "waiver W-001: expires soon (valid through 2026-12-05)" in run.out

    expired = run_cli("waivers", "check", str(valid), "--as-of", "2026-12-06")
    assert expired.code == 1
    assert ".gitops-compliance/waivers.yaml:3: waiver W-001: expired" in expired.out

    invalid = repo_factory(name="invalid", files={".gitops-compliance/waivers.yaml": waivers(
        waiver("W-001", "IAM-02", '{paths: ["infra/**"]}'))})
    run = run_cli("waivers", "check", str(invalid), "--as-of", AS_OF)
    assert run.code == 1
    assert ".gitops-compliance/waivers.yaml:4: waiver W-001: waivers.0.policies" in run.out

    assert run_cli("waivers", "check", str(valid), "--as-of", "27/11/2026").code == 2
    assert run_cli("waivers", "check", str(valid), "--file", "nope.yaml").code == 2
    bad_config = repo_factory(name="badconfig", files={".gitops-compliance.yaml": "wavers: x\n"})
    assert run_cli("waivers", "check", str(bad_config)).code == 2
    assert run_cli("waivers").code == 2
    nothing = repo_factory(name="nothing", files={"README.md": "x\n"})
    run = run_cli("waivers", "check", str(nothing))
    assert run.code == 0 and "No waivers file" in run.out


def test_kubernetes_skip_annotation_naming_a_waiver(repo_factory: Callable[..., Path]) -> None:
    trainer = (Path(__file__).parent.parent / "fixtures" / "checkov" / "kubernetes" /
               "trainer.yaml").read_text()
    repo = repo_factory(files={
        "k8s/trainer.yaml": trainer.replace(
            "CKV_K8S_20=privilege escalation is needed by the profiler",
            "CKV_K8S_20=waiver:W-031"),
        ".gitops-compliance/waivers.yaml": waivers(
            waiver("W-031", "[CKV_K8S_20]", '{resources: ["Deployment/ml/trainer"]}')),
    })
    document = run_cli("scan", str(repo), "-o", "json", "--as-of", AS_OF).json()
    escalation = _by_resource(document, "CKV_K8S_20")["Deployment/ml/trainer"]
    assert (escalation["status"], escalation["waiver"]) == ("waived", "W-031")
    assert (escalation["file"], escalation["line"]) == ("k8s/trainer.yaml", 6)
    assert escalation["inline_suppression"] == "waiver:W-031"
    # Past its expiry the same annotation is an unregistered suppression again.
    later = run_cli("scan", str(repo), "-o", "json", "--as-of", "2027-02-01").json()
    escalation = _by_resource(later, "CKV_K8S_20")["Deployment/ml/trainer"]
    assert escalation["status"] == "failed"
    assert "names waiver W-031, which expired (valid through 2027-01-15)" in \
        escalation["message"]
