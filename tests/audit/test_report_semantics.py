"""What ``report quarterly`` says about tricky histories, each against the truth: the real
PR check (``scan --diff <first parent> --new-only``) where the report claims what the gate
said, and what the previous period's own report said of its end tree. Each case was a
defect found in review, reproduced on a real back-dated repository before it was fixed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.audit.history import commit, git, init, tags
from tests.audit.story import TRAINER
from tests.conftest import run_cli

CONFIG = {".gitops-compliance.yaml": "fail_on: high\n"}
LEGACY = 'resource "aws_s3_bucket" "legacy" {\n  bucket = "legacy"\n}\n'


def untagged(name: str) -> str:
    return f'resource "aws_s3_bucket" "{name}" {{\n  bucket = "{name}"\n}}\n'


def tagged(name: str) -> str:
    return f'resource "aws_s3_bucket" "{name}" {{\n  bucket = "{name}"\n' + tags() + "}\n"


def waivers(wid: str, approved: str, expires: str, path: str = "tf/legacy.tf") -> str:
    return (f"version: 1\nwaivers:\n  - id: {wid}\n    policies: [GXP-10]\n    scope:\n"
            f"      paths: [{path}]\n    reason: legacy\n    owner: ana@example.com\n"
            f"    approver: qa@example.com\n    approved_on: {approved}\n    ticket: CHG-1\n"
            f"    expires: {expires}\n")


DEPLOYMENT = TRAINER  # an unlabelled Deployment (GXP-10 fails on it)


def quarterly(repo: Path, *extra: str, out: str = "out") -> tuple[int, str, dict[str, Any]]:
    folder = repo.parent / out
    run = run_cli("report", "quarterly", "--repo", str(repo), "--out", str(folder),
                  "--no-checkov", "--no-pdf", "--as-of", "2026-12-01", *extra)
    report = folder / "report.json"
    return run.code, run.err, json.loads(report.read_text()) if report.exists() else {}


def real_gate(repo: Path, head: str, as_of: str) -> int:
    """``scan --diff <first parent> --new-only`` with ``head`` checked out: the PR check."""
    git(repo, "checkout", "-q", head)
    try:
        run = run_cli("scan", str(repo), "--no-checkov", "--diff", f"{head}~1", "--new-only",
                      "--as-of", as_of)
    finally:
        git(repo, "checkout", "-q", "main")
    return run.code


def subjects(rows: list[dict[str, Any]]) -> list[str]:
    return [r["subject"] for r in rows]


def test_a_decommissioned_validated_resource_is_reported_not_a_crash(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    log = ('resource "aws_cloudwatch_log_group" "audit" {\n  name = "audit"\n'
           '  retention_in_days = 400\n' + tags("validated") + "}\n")
    commit(repo, "2026-05-04T09:00:00Z", "init", {**CONFIG, "tf/logs.tf": log})
    commit(repo, "2026-07-05T09:00:00Z", "decommission the audit log group",
           delete=["tf/logs.tf"])
    _code, err, report = quarterly(repo, "--quarter", "2026-Q3")
    assert "internal error" not in err
    assert [r["change"] for row in report["change_control"] for r in row["resources"]] \
        == ["deleted"]


def test_a_commit_that_waives_its_own_violation_was_merged_red(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    commit(repo, "2026-05-04T09:00:00Z", "init", {**CONFIG, "tf/ok.tf": tagged("ok")})
    head = commit(repo, "2026-07-06T09:00:00Z", "untagged bucket + its own waiver", {
        "tf/new.tf": untagged("new"),
        ".gitops-compliance/waivers.yaml": waivers("W-9", "2026-07-06", "2026-09-30",
                                                   "tf/new.tf")})
    assert real_gate(repo, head, "2026-07-06") == 1
    _code, _err, report = quarterly(repo, "--quarter", "2026-Q3")
    assert subjects(report["red_merges"]) == ["untagged bucket + its own waiver"]


def test_a_waiver_expiring_between_commits_does_not_make_the_next_commit_red(
        tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    commit(repo, "2026-05-04T09:00:00Z", "init", {**CONFIG, "tf/legacy.tf": LEGACY})
    commit(repo, "2026-06-10T09:00:00Z", "waive",
           {".gitops-compliance/waivers.yaml": waivers("W-1", "2026-06-10", "2026-08-15")})
    commit(repo, "2026-07-06T09:00:00Z", "docs 1", {"README.md": "a\n"})
    head = commit(repo, "2026-08-16T09:00:00Z", "docs 2", {"README.md": "b\n"})
    assert real_gate(repo, head, "2026-08-16") == 0
    _code, _err, report = quarterly(repo, "--quarter", "2026-Q3")
    assert report["red_merges"] == []


def test_open_at_end_agrees_with_the_period_end_snapshot(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    commit(repo, "2026-05-04T09:00:00Z", "init", {**CONFIG, "tf/legacy.tf": LEGACY})
    commit(repo, "2026-06-20T09:00:00Z", "waive",
           {".gitops-compliance/waivers.yaml": waivers("W-1", "2026-06-20", "2026-09-10")})
    commit(repo, "2026-08-01T09:00:00Z", "docs", {"README.md": "a\n"})
    _code, _err, report = quarterly(repo, "--quarter", "2026-Q3")
    assert [w["state"] for w in report["waivers"]["register"]] == ["expired"]
    gxp10 = [e for e in report["findings"]["open_at_end"] if e["policy_id"] == "GXP-10"]
    assert [(e["status_at_end"], e["waiver"]) for e in gxp10] == [("failed", "")]
    row = next(r for r in report["controls"] if r["clause"] == "21CFR11.10(a)")
    assert row["status"] == "failed" and row["first_seen"] is not None


def test_the_trend_previous_is_what_the_previous_report_said(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    commit(repo, "2026-05-04T09:00:00Z", "init", {**CONFIG, "tf/legacy.tf": LEGACY})
    commit(repo, "2026-06-01T09:00:00Z", "waive",
           {".gitops-compliance/waivers.yaml": waivers("W-1", "2026-06-01", "2026-06-20")})
    commit(repo, "2026-08-01T09:00:00Z", "docs", {"README.md": "a\n"})
    _c, _e, q2 = quarterly(repo, "--quarter", "2026-Q2", out="q2")
    _c, _e, q3 = quarterly(repo, "--quarter", "2026-Q3", out="q3")
    keys = ("commit", "failed", "waived", "blocking")
    assert {k: q3["trend"]["previous"][k] for k in keys} == \
        {k: q2["trend"]["current"][k] for k in keys}


def test_a_second_failing_copy_is_introduced_and_red(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    commit(repo, "2026-05-04T09:00:00Z", "init", {**CONFIG, "envs/dev/app.yaml": DEPLOYMENT})
    head = commit(repo, "2026-07-02T09:00:00Z", "copy the app to prod",
                  {"envs/prod/app.yaml": DEPLOYMENT})
    assert real_gate(repo, head, "2026-07-02") == 1
    _code, _err, report = quarterly(repo, "--quarter", "2026-Q3")
    assert [(e["policy_id"], e["file"]) for e in report["findings"]["introduced"]] == \
        [("GXP-10", "envs/prod/app.yaml")]
    assert subjects(report["red_merges"]) == ["copy the app to prod"]


def test_an_old_committer_date_does_not_blame_the_next_committer(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    commit(repo, "2026-06-01T09:00:00Z", "A", {**CONFIG, "tf/a.tf": tagged("a")})
    commit(repo, "2026-07-05T09:00:00Z", "B", {"README.md": "b\n"})
    commit(repo, "2026-06-20T09:00:00Z", "C: untagged bucket", {"tf/c.tf": untagged("c")},
           author="Cy Diaz <cy@example.com>")
    commit(repo, "2026-07-10T09:00:00Z", "D: docs only", {"README.md": "d\n"},
           author="Dee Ek <dee@example.com>")
    _code, _err, report = quarterly(repo, "--quarter", "2026-Q3")
    blamed = [e["introduced"]["subject"] for e in report["findings"]["introduced"]]
    assert "D: docs only" not in blamed
    assert "D: docs only" not in subjects(report["red_merges"])


def test_a_violation_is_not_blamed_on_the_commit_that_fixed_the_config(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    commit(repo, "2026-05-04T09:00:00Z", "init", {**CONFIG, "tf/a.tf": tagged("a")})
    commit(repo, "2026-07-05T09:00:00Z", "X: untagged bucket and a config typo",
           {"tf/x.tf": untagged("x"), ".gitops-compliance.yaml": "fail_onn: high\n"},
           author="Mal Lory <mal@example.com>")
    commit(repo, "2026-07-06T09:00:00Z", "Y: fix the config typo", CONFIG,
           author="Bo Chen <bo@example.com>")
    _code, _err, report = quarterly(repo, "--quarter", "2026-Q3")
    assert [e["introduced"]["author"] for e in report["findings"]["introduced"]] != \
        ["Bo Chen <bo@example.com>"]


def test_a_broken_waivers_file_does_not_remove_or_re_add_waivers(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    good = waivers("W-1", "2026-06-20", "2026-09-15")
    commit(repo, "2026-05-04T09:00:00Z", "init", {**CONFIG, "tf/legacy.tf": LEGACY})
    commit(repo, "2026-06-20T09:00:00Z", "waive (Ana)", {".gitops-compliance/waivers.yaml": good})
    commit(repo, "2026-07-10T09:00:00Z", "typo (Mal)",
           {".gitops-compliance/waivers.yaml": good + "  - [\n"})
    commit(repo, "2026-07-11T09:00:00Z", "fix (Bo)", {".gitops-compliance/waivers.yaml": good})
    _code, _err, report = quarterly(repo, "--quarter", "2026-Q3", "--as-of", "2026-09-01")
    (row,) = report["waivers"]["register"]
    assert (row["added"], row["removed"]) == (None, None)  # added before the period


def test_fail_on_does_not_rewrite_which_commits_were_merged_red(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    commit(repo, "2026-05-04T09:00:00Z", "init",
           {".gitops-compliance.yaml": "fail_on: critical\n", "README.md": "x\n"})
    head = commit(repo, "2026-07-05T09:00:00Z", "legacy bucket", {"tf/legacy.tf": LEGACY})
    assert real_gate(repo, head, "2026-07-05") == 0
    _code, _err, report = quarterly(repo, "--quarter", "2026-Q3", "--fail-on", "high")
    assert report["red_merges"] == []


def test_a_report_made_with_extra_policies_can_be_recomputed(tmp_path: Path) -> None:
    policies = tmp_path / "acme"
    policies.mkdir()
    (policies / "acme01.rego").write_text(ACME)
    repo = init(tmp_path / "repo")
    commit(repo, "2026-05-04T09:00:00Z", "init", {**CONFIG, "tf/a.tf": tagged("a")})
    commit(repo, "2026-07-05T09:00:00Z", "b", {"tf/b.tf": tagged("b")})
    quarterly(repo, "--quarter", "2026-Q3", "--policies", str(policies))
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["scope"]["policy_bundle"]["sources"] == ["builtin:rego", "acme"]
    run = run_cli("report", "verify", str(tmp_path / "out"), "--recompute", "--repo", str(repo),
                  "--policies", str(policies))
    assert run.code == 0, run.out
    # Without the same --policies the bundle differs, and recompute says so first.
    run = run_cli("report", "verify", str(tmp_path / "out"), "--recompute", "--repo", str(repo))
    assert run.code == 1
    assert "recompute: the policy bundle differs" in run.out.splitlines()[2]


ACME = """# METADATA
# title: Buckets are named acme-*
# scope: package
# custom:
#   id: ACME-01
#   severity: high
#   family: acme
#   regulatory: false
#   applies_to: [aws_s3_bucket]
package acme.acme01

import data.gitops_compliance.lib.util

deny contains finding if {
	some r in input.resources
	r.type == "aws_s3_bucket"
	not startswith(object.get(r.config, "bucket", ""), "acme-")
	finding := util.item(r, {"msg": "bucket not named acme-*", "attribute": "bucket"})
}
"""


def test_in_repository_policies_are_the_end_commits_not_the_working_trees(
        tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    commit(repo, "2026-05-04T09:00:00Z", "init", {**CONFIG, "tf/a.tf": tagged("a"),
                                                 "acme/acme01.rego": ACME})
    commit(repo, "2026-07-05T09:00:00Z", "b", {"tf/b.tf": tagged("b")})
    # An uncommitted edit that would silence the policy: not what the end commit holds.
    (repo / "acme" / "acme01.rego").write_text(ACME.replace('"acme-"', '""'))
    code, err, report = quarterly(repo, "--quarter", "2026-Q3", "--policies",
                                  str(repo / "acme"))
    assert code == 1, err
    failing = {(f["policy_id"], f["resource"]) for f in report["findings"]["open_at_end"]
               if f["policy_id"] == "ACME-01"}
    assert failing == {("ACME-01", "aws_s3_bucket.a"), ("ACME-01", "aws_s3_bucket.b")}
    assert report["scope"]["policy_bundle"]["sources"] == ["builtin:rego", "acme"]


VALIDATED_DEPLOYMENT = DEPLOYMENT.replace(
    "      labels: {app: trainer}",
    "      labels: {app: trainer, validation-status: validated}")


def test_change_control_records_real_changes_only(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    commit(repo, "2026-05-04T09:00:00Z", "init", {**CONFIG, "k8s/app.yaml": DEPLOYMENT})
    code, err, report = quarterly(repo, "--quarter", "2026-Q3", out="empty")
    row = next(r for r in report["controls"] if r["clause"] == "21CFR11.10(k)(2)")
    # Nothing validated, nothing changed: the change-control clause was not evaluated.
    assert row["status"] == "not-evaluated", err
    validated = commit(repo, "2026-07-05T09:00:00Z", "validate",
                       {"k8s/app.yaml": VALIDATED_DEPLOYMENT})
    commit(repo, "2026-07-06T09:00:00Z", "break", {"k8s/app.yaml": "kind: [\n"})
    commit(repo, "2026-07-07T09:00:00Z", "mend", {"k8s/app.yaml": VALIDATED_DEPLOYMENT})
    bumped = commit(repo, "2026-07-08T09:00:00Z", "bump",
                    {"k8s/app.yaml": VALIDATED_DEPLOYMENT.replace(":1.0", ":1.1")})
    retired = commit(repo, "2026-07-09T09:00:00Z", "retire", delete=["k8s/app.yaml"])
    code, err, report = quarterly(repo, "--quarter", "2026-Q3")
    assert code == 0, err
    # The unreadable manifest (break, mend) is not a removal and a re-addition.
    assert [(r["subject"], [(x["address"], x["change"]) for x in r["resources"]])
            for r in report["change_control"]] == [
        ("validate", [("Deployment/ml/trainer", "added")]),
        ("bump", [("Deployment/ml/trainer", "modified")]),
        ("retire", [("Deployment/ml/trainer", "deleted")])]
    assert [r["commit"] for r in report["change_control"]] == [validated, bumped, retired]
    row = next(r for r in report["controls"] if r["clause"] == "21CFR11.10(k)(2)")
    assert row["status"] == "passed" and "3 commit(s)" in row["note"]
