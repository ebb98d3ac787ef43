"""Acceptance: the quarterly report of a real, back-dated repository (tests/audit/story.py),
through the command line, Rego policies only (a Checkov run is in test_quarterly_checkov).

Every number and row of report.json is asserted against what the story did; the HTML and
Markdown are checked to show them.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from engine.audit.artifacts import dump_json
from engine.audit.render_pdf import pdf_available
from engine.audit.seal import write_sums
from engine.evaluate.rego import load_policy_set
from engine.resources import policies_dir
from tests.audit.story import build as build_story
from tests.conftest import run_cli
from tests.report.html_tree import parse

Q3 = ("--quarter", "2026-Q3", "--as-of", "2026-10-15", "--no-checkov")
NO_PDF = ("--no-pdf",)  # printing is tested once (the module's first run), not each time


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("story")
    repo = base / "platform"
    commits = build_story(repo)
    out = base / "q3"
    run = run_cli("report", "quarterly", "--repo", str(repo), "--out", str(out), *Q3)
    return {"repo": repo, "c": commits, "out": out, "run": run,
            "report": json.loads((out / "report.json").read_text())}


def _cite(story: dict[str, Any], name: str) -> dict[str, str]:
    """What the report must say of commit ``name`` of the story."""
    people = {"c3": ("Bo Chen <bo@example.com>", "2026-07-06T09:00:00Z", "ops admin policy"),
              "c4": ("Cy Diaz <cy@example.com>", "2026-07-20T09:00:00Z",
                     "add worker manifest"),
              "c6": ("Bo Chen <bo@example.com>", "2026-08-03T09:00:00Z",
                     "least privilege for ops"),
              "c7": ("Ana Lima <ana@example.com>", "2026-08-12T09:00:00Z",
                     "raise audit log retention"),
              "c8": ("Ana Lima <ana@example.com>", "2026-08-20T09:00:00Z",
                     "renew the legacy bucket's waiver"),
              "c9": ("Cy Diaz <cy@example.com>", "2026-09-01T09:00:00Z",
                     "Merge feature/trainer"),
              "c10": ("Ana Lima <ana@example.com>", "2026-09-15T09:00:00Z",
                      "exclude vendored modules")}
    author, date, subject = people[name]
    return {"commit": story["c"][name], "author": author, "date": date, "subject": subject}


def test_exit_code_and_printed_digest(story: dict[str, Any]) -> None:
    run = story["run"]
    # The trainer Deployment (GXP-10, high) fails at the period's end: blocked, exit 1.
    assert run.code == 1, run.err
    assert "2026-Q3: 9 commit(s), blocked: 1 finding(s) at or above high" in run.out
    sums = (story["out"] / "SHA256SUMS").read_bytes()
    assert run.out.strip().splitlines()[-1] == (
        f"SHA256SUMS: sha256 {hashlib.sha256(sums).hexdigest()} (record this to detect any "
        "later change)")
    # The real coreutils accept the sums.
    checked = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=story["out"],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    sealed = {line.split("  ", 1)[1] for line in sums.decode().splitlines()}
    assert sealed >= {"report.json", "report.html", "report.md"}
    # With the pdf extra (scripts/test.sh installs it) the PDF is sealed with the rest.
    assert ("report.pdf" in sealed) == pdf_available()
    if pdf_available():
        assert (story["out"] / "report.pdf").read_bytes().startswith(b"%PDF-")


def test_scope_and_period(story: dict[str, Any]) -> None:
    report = story["report"]
    c = story["c"]
    assert report["schema"] == "gitops-compliance/quarterly-report"
    assert report["schema_version"] == 1
    scope = report["scope"]
    assert scope["repository"] == "platform"
    assert scope["branch"] == "main"
    assert scope["paths"] == ["."]
    assert scope["period"] == {"label": "2026-Q3", "since": "2026-07-01",
                               "until": "2026-09-30", "as_of": "2026-10-15",
                               "judged_on": "2026-09-30", "complete": True}
    assert scope["previous_period"] == {"label": "2026-Q2", "since": "2026-04-01",
                                        "until": "2026-06-30"}
    # Q2's last commit is the start; Q4's commit (c11) is not part of Q3.
    assert scope["start_commit"] == c["c2"]
    assert scope["end_commit"] == c["c10"]
    # First-parent only: the feature branch's two commits are not the period's commits.
    assert scope["commit_count"] == 9
    assert [row["commit"] for row in report["commits"]] == [
        c[n] for n in ("c3", "c4", "c5", "c6", "c7", "c7b", "c8", "c9", "c10")]
    bundle = scope["policy_bundle"]
    assert bundle["from_commit"] == c["c10"]
    builtin = load_policy_set([policies_dir() / "rego"])
    assert bundle["digest"] == f"sha256:{builtin.digest}"
    assert bundle["policies"] == len(builtin.metas)
    assert bundle["sources"] == ["builtin:rego"]
    assert scope["config_file"] == ".gitops-compliance.yaml"
    assert scope["fail_on"] == "high" and scope["checkov"] is False
    assert set(report["tool"]) == {"gitops-compliance", "regorus"}


def test_verdict_and_totals(story: dict[str, Any]) -> None:
    report = story["report"]
    assert report["verdict"]["end_snapshot"] == "blocked"
    assert report["verdict"]["exit_code"] == 1
    assert report["verdict"]["complete"] is True
    totals = report["summary"]["totals"]
    # At the end: the trainer fails (GXP-10); the legacy bucket is waived by W-002.
    assert (totals["failed"], totals["waived"], totals["blocking"], totals["errors"]) == \
        (1, 1, 1, 0)
    # Introduced in Q3: IAM-01 and IAM-05 (c3), GXP-10 on the trainer (c9); resolved: the
    # two IAM findings (c6), 28 days after c3.
    assert (totals["introduced"], totals["resolved"]) == (3, 2)
    assert totals["mean_days_to_remediate"] == 28.0
    gxp = next(f for f in report["summary"]["by_family"] if f["family"] == "gxp")
    assert (gxp["failed"], gxp["waived"], gxp["blocking"]) == (1, 1, 1)
    iam = next(f for f in report["summary"]["by_family"] if f["family"] == "iam")
    assert (iam["failed"], iam["waived"], iam["blocking"]) == (0, 0, 0)
    assert iam["passed"] >= 1  # aws_iam_policy.ops passes every IAM policy at the end


def test_findings_introduced_and_resolved(story: dict[str, Any]) -> None:
    findings = story["report"]["findings"]
    introduced = [(f["policy_id"], f["resource"], f["introduced"]["commit"])
                  for f in findings["introduced"]]
    c = story["c"]
    assert sorted(introduced) == [
        ("GXP-10", "Deployment/ml/trainer", c["c9"]),
        ("IAM-01", "aws_iam_policy.ops", c["c3"]),
        ("IAM-05", "aws_iam_policy.ops", c["c3"])]
    iam01 = next(f for f in findings["resolved"] if f["policy_id"] == "IAM-01")
    assert iam01["introduced"] == _cite(story, "c3")
    assert iam01["resolved"] == _cite(story, "c6")
    assert iam01["days_open"] == 28.0
    assert (iam01["file"], iam01["line"], iam01["severity"]) == ("tf/iam.tf", 1, "critical")
    assert findings["remediation"] == {"resolved": 2, "measured": 2, "mean_days": 28.0,
                                       "median_days": 28.0, "carried_over_resolved": 0}
    open_at_end = {f["resource"]: f for f in findings["open_at_end"]}
    assert set(open_at_end) == {"Deployment/ml/trainer", "aws_s3_bucket.legacy"}
    trainer = open_at_end["Deployment/ml/trainer"]
    assert trainer["introduced"] == _cite(story, "c9")
    assert trainer["status_at_end"] == "failed" and trainer["resolved"] is None
    # Open from 09-01 09:00 to the end of 09-30: 29.625 days.
    assert trainer["days_open"] == 29.62
    legacy = open_at_end["aws_s3_bucket.legacy"]
    # Present since Q2 (introduced before the period), waived by W-002 at the end; its
    # weeks as "failed" between W-001's expiry and W-002 did not make it new.
    assert legacy["introduced"] is None and legacy["days_open"] is None
    assert (legacy["status_at_end"], legacy["waiver"]) == ("waived", "W-002")


def test_waiver_register(story: dict[str, Any]) -> None:
    waivers = story["report"]["waivers"]
    rows = {w["id"]: w for w in waivers["register"]}
    assert set(rows) == {"W-001", "W-002"}
    first, second = rows["W-001"], rows["W-002"]
    assert (first["state"], first["expires"], first["findings_waived"]) == \
        ("expired", "2026-08-15", 0)
    assert first["added"] is None  # in the file since Q2
    assert first["expiring_next_period"] is False
    assert (second["state"], second["expires"], second["findings_waived"]) == \
        ("active", "2026-11-10", 1)
    assert second["added"] == _cite(story, "c8")
    assert (second["owner"], second["approver"], second["ticket"]) == \
        ("ana@example.com", "qa-lead@example.com", "CHG-1002")
    assert second["expiring_next_period"] is True  # 2026-11-10 is inside 2026-Q4
    assert waivers["expiring_next_period"] == ["W-002"]
    assert waivers["counts"] == {"active": 1, "stale": 0, "expired": 1, "pending": 0,
                                 "removed": 0}


def test_change_control_governance_and_red_merges(story: dict[str, Any]) -> None:
    report = story["report"]
    assert report["change_control"] == [{
        **_cite(story, "c7"),
        "resources": [{"address": "aws_cloudwatch_log_group.audit", "unit": "tf",
                       "file": "tf/logs.tf", "change": "modified"}]}]
    assert report["governance_changes"] == [
        {**_cite(story, "c8"), "kind": "waivers", "status": "modified",
         "path": ".gitops-compliance/waivers.yaml"},
        {**_cite(story, "c10"), "kind": "config", "status": "modified",
         "path": ".gitops-compliance.yaml"}]
    red = {r["commit"]: r for r in report["red_merges"]}
    c = story["c"]
    assert list(red) == [c["c3"], c["c4"], c["c9"], c["c10"]]
    # c10 adds a vendored bucket and excludes its folder in the same commit: the gate
    # reads the config from the first parent, so it saw the bucket, and was red.
    assert [(b["policy_id"], b["resource"], b["file"]) for b in red[c["c10"]]["new_blocking"]
            ] == [("GXP-10", "aws_s3_bucket.vendored", "vendor/mod/main.tf")]
    assert [(b["policy_id"], b["resource"]) for b in red[c["c3"]]["new_blocking"]] == [
        ("IAM-01", "aws_iam_policy.ops"), ("IAM-05", "aws_iam_policy.ops")]
    assert (red[c["c4"]]["verdict"], red[c["c4"]]["errors"]) == ("incomplete", 1)
    assert red[c["c9"]]["new_blocking"] == [{
        "policy_id": "GXP-10", "severity": "high", "resource": "Deployment/ml/trainer",
        "file": "k8s/trainer.yaml", "line": 1}]
    rows = {r["commit"]: r for r in report["commits"]}
    # c5 still had IAM-01 blocking, but not new: green, like the PR check would be.
    assert (rows[c["c5"]]["verdict"], rows[c["c5"]]["gate"]) == ("blocked", "green")
    assert rows[c["c9"]]["merge"] is True and rows[c["c8"]]["merge"] is False
    # Between W-001's expiry (08-15) and W-002's approval (08-20) the legacy bucket fails:
    # a waiver approved later does not reach back. Not new either: the gate stays green.
    assert (rows[c["c7"]]["failed"], rows[c["c7"]]["waived"]) == (0, 1)
    assert (rows[c["c7b"]]["failed"], rows[c["c7b"]]["waived"]) == (1, 0)
    assert (rows[c["c7b"]]["verdict"], rows[c["c7b"]]["gate"]) == ("blocked", "green")
    assert (rows[c["c8"]]["failed"], rows[c["c8"]]["waived"]) == (0, 1)
    assert (rows[c["c6"]]["resolved"], rows[c["c3"]]["introduced"]) == (2, 2)


def test_errors_trend_exclusions_overrides(story: dict[str, Any]) -> None:
    report = story["report"]
    c = story["c"]
    assert report["errors"]["end_snapshot"] == []
    [broken] = report["errors"]["historical"]
    assert (broken["code"], broken["file"], broken["first_commit"], broken["commits"]) == \
        ("parse-error", "k8s/broken.yaml", c["c4"], 1)
    trend = report["trend"]
    assert (trend["previous"]["label"], trend["previous"]["commit"]) == ("2026-Q2", c["c2"])
    assert (trend["previous"]["failed"], trend["previous"]["waived"]) == (0, 1)
    assert (trend["current"]["failed"], trend["current"]["waived"]) == (1, 1)
    gxp = next(f for f in trend["by_family"] if f["family"] == "gxp")
    assert (gxp["previous_failed"], gxp["current_failed"], gxp["delta"]) == (0, 1, 1)
    assert report["exclusions"] == [{"path": "vendor/**",
                                     "reason": "third-party modules, scanned upstream",
                                     "files": ["vendor/mod/main.tf"]}]
    assert report["severity_overrides"] == [{"policy_id": "IAM-02", "severity": "critical"}]
    assert report["checkov_skips"] == []
    tests = report["evidence"]["policy_tests"]
    assert tests["failed"] == 0 and tests["errors"] == 0 and tests["passed"] > 100
    assert tests["bundle_digest"] == report["scope"]["policy_bundle"]["digest"]
    assert [s["role"] for s in report["sign_off"]] == ["Prepared by", "Reviewed by",
                                                        "Approved by"]


def test_control_matrix(story: dict[str, Any]) -> None:
    rows = {r["clause"]: r for r in story["report"]["controls"]}
    c = story["c"]
    # Every clause of both catalogs is present, procedural ones as such.
    assert rows["21CFR11.10(b)"]["status"] == "procedural"
    access = rows["21CFR11.10(d)"]  # GXP-10 and the IAM policies evidence it
    assert (access["status"], access["resources_failing"], access["failed"],
            access["waived"]) == ("failed", 1, 1, 1)
    assert access["first_seen"]["commit"] == c["c3"]  # IAM-01, the first failure in Q3
    assert access["fixed_in"] is None  # still failing (the trainer) at the end
    authority = rows["21CFR11.10(g)"]  # IAM only: failed at c3, fixed at c6
    # Its Rego policies pass at the end, but Checkov (which checks it too) did not run:
    # not "passed", and the note says why.
    assert authority["status"] == "not-evaluated"
    assert authority["note"].startswith("Checkov was not run (--no-checkov): ")
    assert authority["first_seen"]["commit"] == c["c3"]
    assert authority["fixed_in"] == _cite(story, "c6")
    assert authority["resources_evaluated"] == 1  # aws_iam_policy.ops
    change = rows["21CFR11.10(k)(2)"]  # GXP-11: met by the change-control section
    assert change["status"] == "passed" and "1 commit(s)" in change["note"]
    assert change["policies"] == ["GXP-11"]
    by_clause = {r["clause"]: r for r in story["report"]["summary"]["by_clause"]}
    assert by_clause["21CFR11.10(d)"]["status"] == "failed"


def test_html_and_markdown_show_the_rows(story: dict[str, Any]) -> None:
    html = (story["out"] / "report.html").read_text()
    # Markdown escapes punctuation (aws\_s3\_bucket) and breaks mentions: read it as text.
    markdown = (story["out"] / "report.md").read_text().replace("\\", "").replace(
        "\u200b", "")
    c = story["c"]
    for text in (html, markdown):
        assert "2026-Q3" in text
        assert c["c9"][:7] in text  # the red merge and the trainer's introduction
        assert "W-002" in text and "2026-11-10" in text and "CHG-1002" in text
        assert "aws_cloudwatch_log_group.audit" in text  # change control
        assert "Deployment/ml/trainer" in text
        assert "vendor/**" in text and "IAM-02" in text
        assert "k8s/broken.yaml" in text
        assert "Prepared by" in text and "Approved by" in text
    assert 'data-clause="21CFR11.10(d)"' in html


def test_deterministic_and_verifiable(story: dict[str, Any], tmp_path: Path) -> None:
    """A second run gives the same report.json but for generated_at; verify passes on the
    folder, fails once a byte of evidence changes, and --recompute rebuilds it."""
    again = tmp_path / "again"
    run = run_cli("report", "quarterly", "--repo", str(story["repo"]), "--out", str(again),
                  *Q3, *NO_PDF)
    assert run.code == 1, run.err
    first = json.loads((story["out"] / "report.json").read_text())
    second = json.loads((again / "report.json").read_text())
    first.pop("generated_at")
    second.pop("generated_at")
    assert first == second
    assert (again / "report.json").read_text().replace(
        json.loads((again / "report.json").read_text())["generated_at"], "T") == \
        (story["out"] / "report.json").read_text().replace(
        story["report"]["generated_at"], "T")

    verified = run_cli("report", "verify", str(again))
    assert verified.code == 0, verified.out + verified.err
    recomputed = run_cli("report", "verify", str(again), "--recompute", "--repo",
                         str(story["repo"]))
    assert recomputed.code == 0, recomputed.out + recomputed.err

    # A determined editor: change a number, re-seal the sums. The sums then pass; only
    # --recompute catches it.
    data = json.loads((again / "report.json").read_text())
    data["summary"]["totals"]["failed"] = 0
    (again / "report.json").write_text(dump_json(data))
    assert run_cli("report", "verify", str(again)).code == 1
    write_sums(again, ["report.json", "report.html", "report.md"])
    assert run_cli("report", "verify", str(again)).code == 0
    caught = run_cli("report", "verify", str(again), "--recompute", "--repo",
                     str(story["repo"]))
    assert caught.code == 1
    assert "$.summary.totals.failed: folder has 0, rebuilt has 1" in caught.out


def _named(story: dict[str, Any], text: str) -> str:
    """The report with the story's commit ids written as their names (c3, c7b, ...) and the
    values that follow the installed tools (bundle digest, versions) as placeholders."""
    for name, sha in sorted(story["c"].items(), key=lambda item: -len(item[0])):
        text = text.replace(sha, f"<{name}>")
    report = json.loads(text)
    report["generated_at"] = "<generated_at>"
    report["tool"] = {name: "<version>" for name in report["tool"]}
    digest = report["scope"]["policy_bundle"]["digest"]
    return dump_json(report).replace(digest, "<bundle digest>")


def test_every_number_and_row_against_the_reviewed_golden(story: dict[str, Any]) -> None:
    """All of report.json, every number and row, against a file reviewed line by line
    (tests/audit/golden/story-q3.json). A change to the policies or the builder that moves
    a number fails here; regenerate with UPDATE_GOLDEN=1 and review the diff."""
    actual = _named(story, (story["out"] / "report.json").read_text())
    golden = Path(__file__).parent / "golden" / "story-q3.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(actual)
    assert golden.is_file(), f"{golden} is missing: run with UPDATE_GOLDEN=1 and review it"
    assert actual == golden.read_text()


def test_the_html_shows_every_row_of_the_json(story: dict[str, Any]) -> None:
    """Row by row, the page carries what report.json says: every clause with its status
    and counts, every commit with its verdict and gate, every waiver with its state."""
    report = story["report"]
    page = parse((story["out"] / "report.html").read_text())
    controls = {r.attrs["data-clause"]: r for r in page.by_id("controls-table").rows()}
    assert list(controls) == [c["clause"] for c in report["controls"]]
    for row in report["controls"]:
        cells = controls[row["clause"]].cells()
        assert controls[row["clause"]].attrs["data-status"] == row["status"]
        assert cells[4:9] == [str(row[k]) for k in ("resources_evaluated",
                                                     "resources_failing", "failed",
                                                     "waived", "passed")], row["clause"]
    commits = {r.attrs["data-commit"]: r for r in page.by_id("commits-table").rows()}
    assert list(commits) == [c["commit"] for c in report["commits"]]
    for row in report["commits"]:
        html = commits[row["commit"]]
        assert (html.attrs["data-verdict"], html.attrs["data-gate"]) == (row["verdict"],
                                                                         row["gate"])
        assert html.cells()[-7:] == [str(row[k]) for k in (
            "failed", "blocking", "new_blocking", "waived", "introduced", "resolved",
            "errors")]
    waivers = {r.attrs["data-waiver"]: r for r in page.by_id("waivers-table").rows()}
    assert {w: r.attrs["data-state"] for w, r in waivers.items()} == {
        w["id"]: w["state"] for w in report["waivers"]["register"]}
    introduced = {r.attrs["data-fingerprint"] for r in page.by_id("introduced-table").rows()}
    assert introduced == {f["fingerprint"] for f in report["findings"]["introduced"]}
    red = [r.attrs["data-commit"] for r in page.by_id("red-merges-table").rows()]
    assert red == [r["commit"] for r in report["red_merges"]]
