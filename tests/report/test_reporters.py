"""Table-driven checks of each reporter on one fixed result, including hostile content."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from engine.model import Engine, Finding, ScanError, ScanResult, Severity, Status, Unit, UnitKind
from engine.report import RenderOptions, get_renderer
from engine.report.writer import OutputError, write_atomic
from engine.resources import schemas_dir

HOSTILE = "evil\x1b[31m[bold]red[/bold]\u202etxt"


def fixed_result() -> ScanResult:
    findings = (
        Finding("IAM-02", "No service-wide actions", Severity.HIGH, "iam", Engine.REGO,
                Status.FAILED, "aws_iam_policy.pipeline", "infra/main.tf", 13,
                "Allow of s3:* on aws_iam_policy.pipeline", "infra",
                remediation="List the actions the pipeline needs.",
                controls=("21CFR11.10(d)",)),
        Finding("GXP-10", "Required tags", Severity.MEDIUM, "gxp", Engine.REGO,
                Status.FAILED, f"Deployment/ml/{HOSTILE}", "k8s/app.yaml", 7,
                f"missing label system-owner on {HOSTILE}", "kubernetes", blocking=False),
        Finding("CKV_AWS_16", "RDS encrypted", Severity.MEDIUM, "encryption", Engine.CHECKOV,
                Status.PASSED, "aws_db_instance.x", "infra/main.tf", 30, "ok", "infra"),
    )
    return ScanResult(
        root="/repo", scope=("",), findings=findings,
        errors=(ScanError("parse-error", "invalid YAML: expected ',' or '}'", "k8s/bad.yaml", 7,
                          "kubernetes"),),
        units=(Unit(UnitKind.TERRAFORM, "infra", "infra", ("infra/main.tf",)),),
        excluded=(("legacy/a.yaml", "decommissioned"),), fail_on=Severity.HIGH,
        commit="abc123", policy_digest="sha256:00", policy_count=4, resource_count=9,
        versions={"gitops-compliance": "0.1.0"}, timings={"total": 1.0},
        skipped_checks=(("CKV_AWS_144", "replication is AWS Backup", ("infra/s3.tf",)),))


def test_text_report() -> None:
    text = get_renderer("text")(fixed_result(), RenderOptions())
    assert "Blocking findings" in text
    assert "HIGH (1)" in text
    assert "✗ IAM-02  aws_iam_policy.pipeline  infra/main.tf:13" in text
    assert "fix: List the actions the pipeline needs." in text
    assert "warn GXP-10" in text
    assert "k8s/bad.yaml:7  [parse-error]" in text
    assert "Excluded by config: 1 file(s)" in text
    assert "  - legacy/a.yaml: decommissioned" in text
    assert "Checkov CKV_AWS_144 skipped by config (infra/s3.tf): replication is AWS Backup" in text
    assert "Verdict: INCOMPLETE (exit 3)" in text
    # Untrusted content cannot inject escape sequences or bidi overrides.
    assert "\x1b" not in text and "\u202e" not in text
    assert "\\x1b[31m[bold]red[/bold]" in text


def test_json_report_matches_its_schema() -> None:
    document = json.loads(get_renderer("json")(fixed_result(), RenderOptions()))
    schema = json.loads((schemas_dir() / "scan-result-v1.json").read_text())
    jsonschema.validate(document, schema)
    assert document["verdict"] == "incomplete" and document["exit_code"] == 3
    assert [f["policy_id"] for f in document["findings"]] == ["IAM-02", "GXP-10"]
    assert document["findings"][0]["blocks_merge"] is True
    assert document["findings"][1]["rule"] == "warn"
    assert document["summary"]["passed_checks"] == 1
    assert document["scan"]["excluded"] == [{"path": "legacy/a.yaml", "reason": "decommissioned"}]
    assert document["scan"]["checkov_skips"] == [
        {"id": "CKV_AWS_144", "reason": "replication is AWS Backup", "paths": ["infra/s3.tf"]}]


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown output format"):
        get_renderer("pdf")


def test_atomic_write_replaces_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    write_atomic(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_write_to_a_full_device_is_a_clear_error(tmp_path: Path) -> None:
    full = Path("/dev/full")
    if not full.exists():
        pytest.skip("/dev/full is not available on this system")
    with pytest.raises(OutputError, match="/dev/full"):
        write_atomic(full, "x" * 100_000)


def test_write_under_a_regular_file_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OutputError, match="cannot write"):
        write_atomic(blocker / "out.json", "x")


def diff_result() -> ScanResult:
    """A --diff --new-only result: one pre-existing finding, one governance change, and a
    hostile path (a file name is scanned content too)."""
    import dataclasses

    from engine.model import GovernanceChange

    old = dataclasses.replace(fixed_result().findings[0], preexisting=True)
    return dataclasses.replace(
        fixed_result(), findings=(old,), errors=(), mode="diff", base_commit="def456",
        changed_files=("infra/main.tf",),
        governance_changes=(GovernanceChange("config", "modified", ".gitops-compliance.yaml"),
                            GovernanceChange("policies", "renamed", f"team/{HOSTILE}.rego",
                                             "team/a.rego")))


def test_git_mode_fields_in_json_match_the_schema() -> None:
    document = json.loads(get_renderer("json")(diff_result(), RenderOptions()))
    jsonschema.validate(document, json.loads((schemas_dir() / "scan-result-v1.json")
                                             .read_text()))
    finding = document["findings"][0]
    assert (finding["preexisting"], finding["blocks_merge"]) == (True, False)
    assert document["verdict"] == "compliant" and document["summary"]["preexisting"] == 1
    assert document["summary"]["failed"]["high"] == 1 and document["summary"]["blocking"] == 0
    assert document["scan"]["mode"] == "diff" and document["scan"]["base_commit"] == "def456"
    assert document["scan"]["governance_changes"][0] == {
        "kind": "config", "status": "modified", "path": ".gitops-compliance.yaml",
        "old_path": ""}
    plain = json.loads(get_renderer("json")(fixed_result(), RenderOptions()))
    assert plain["scan"]["mode"] == "worktree" and plain["scan"]["changed_files"] is None


def test_git_mode_sections_in_text() -> None:
    text = get_renderer("text")(diff_result(), RenderOptions())
    assert "Blocking findings" not in text
    assert "Pre-existing findings" in text
    assert "old IAM-02  aws_iam_policy.pipeline  infra/main.tf:13" in text
    assert "Governance changes (2)" in text
    assert "config: modified .gitops-compliance.yaml" in text
    assert "policies: renamed team/a.rego -> team/evil\\x1b[31m" in text
    assert "\x1b" not in text and "\u202e" not in text
    assert "HEAD against the merge-base def456; 1 changed path(s)" in text
    assert "(1 pre-existing)" in text
