"""The quarterly report with Checkov (one run: Checkov is the slow part), on the story of
tests/audit/story.py: Checkov's findings follow the same lifecycle as Rego's, and a
resource that fails both engines is one failing resource of a clause."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.audit.story import build as build_story
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("story-checkov")
    commits = build_story(base / "platform")
    out = base / "q3"
    run = run_cli("report", "quarterly", "--repo", str(base / "platform"), "--out", str(out),
                  "--quarter", "2026-Q3", "--as-of", "2026-10-15", "--no-pdf")
    assert run.code == 1, run.err
    return {"c": commits, **json.loads((out / "report.json").read_text())}


def test_checkov_ran_and_is_recorded(report: dict[str, Any]) -> None:
    assert report["scope"]["checkov"] is True
    assert "checkov" in report["tool"]


def test_checkov_findings_have_the_same_lifecycle(report: dict[str, Any]) -> None:
    c = report["c"]
    lived = {(f["policy_id"], f["resource"]): f for f in report["findings"]["introduced"]}
    # The admin policy: Checkov's CKV_AWS_62 and our IAM-01 both appear at c3 and both
    # are resolved by c6.
    for policy in ("CKV_AWS_62", "IAM-01"):
        finding = lived[(policy, "aws_iam_policy.ops")]
        assert finding["introduced"]["commit"] == c["c3"]
        assert finding["resolved"]["commit"] == c["c6"]
        assert finding["days_open"] == 28.0
    # The trainer's container findings arrive with the merge, not with the branch's
    # own commits.
    privileged = lived[("CKV_K8S_23", "Deployment/ml/trainer")]
    assert privileged["introduced"]["commit"] == c["c9"]
    assert privileged["file"] == "k8s/trainer.yaml"


def test_a_resource_is_counted_once_per_clause_whatever_the_engines(
        report: dict[str, Any]) -> None:
    row = next(r for r in report["controls"] if r["clause"] == "21CFR11.10(d)")
    failing_at_end = {(f["resource"]) for f in report["findings"]["open_at_end"]
                      if f["status_at_end"] == "failed"
                      and "21CFR11.10(d)" in f["controls"]}
    # Many findings (Checkov's container checks and GXP-10 on the trainer, Checkov's IAM
    # checks on the policy), two resources.
    assert failing_at_end == {"Deployment/ml/trainer", "aws_iam_policy.ops"}
    assert row["resources_failing"] == 2
    assert row["failed"] > 2
