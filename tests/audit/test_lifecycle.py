"""Violations followed through history: a file that cannot be read at one commit says
nothing about its violations (no false fix, no false re-introduction); elsewhere, a
disappearance is a fix."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from engine.audit.build import ReportScope
from engine.audit.generate import Request, generate
from engine.audit.period import parse_period
from tests.audit.history import commit, init, tags

BUCKET = 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n%s}\n'
NS = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n"


def test_an_unreadable_file_neither_fixes_nor_reintroduces(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    commit(repo, "2026-06-01T00:00:00Z", "start", {"tf/main.tf": BUCKET % ""})
    broken = commit(repo, "2026-07-05T00:00:00Z", "break the module",
                    {"tf/main.tf": "resource {\n"})
    commit(repo, "2026-07-06T00:00:00Z", "restore the module", {"tf/main.tf": BUCKET % ""})
    ops = commit(repo, "2026-07-10T00:00:00Z", "ops namespace", {"k8s/ops.yaml": NS % "ops"})
    gone = commit(repo, "2026-07-11T00:00:00Z", "drop ops, break another manifest",
                  {"k8s/other.yaml": "kind: [\n"}, delete=["k8s/ops.yaml"])
    tagged = commit(repo, "2026-07-12T00:00:00Z", "tag the bucket",
                    {"tf/main.tf": BUCKET % tags(), "k8s/other.yaml": NS % "other"})
    report = generate(Request(repo=repo, scope=ReportScope(
        "repo", "main", ("",), parse_period("2026-Q3", None, None), date(2026, 10, 2), None),
        use_checkov=False), now=datetime(2026, 10, 2, tzinfo=UTC))
    lived = [(f["policy_id"], f["resource"],
              f["introduced"]["commit"] if f["introduced"] else None,
              f["resolved"]["commit"] if f["resolved"] else None)
             for f in report["findings"]["introduced"] + report["findings"]["resolved"]]
    # The bucket's missing tags: present before the period, fixed by `tagged` only; the
    # unparsable module at `broken` did not resolve it.
    assert ("GXP-10", "aws_s3_bucket.b", None, tagged) in lived
    assert not any(r == broken for *_, r in lived)
    # Namespace/ops left with its file at `gone`: a parse error in another manifest of the
    # Kubernetes unit does not hide that.
    assert ("GXP-10", "Namespace/ops", ops, gone) in lived
    assert {(e["code"], e["file"], e["first_commit"])
            for e in report["errors"]["historical"]} == {
        ("parse-error", "tf/main.tf", broken), ("parse-error", "k8s/other.yaml", gone)}
    # Still open: the new namespace's labels, and the missing CloudTrail (GXP-01, named
    # on the bucket: the scope has no AWS provider or trail at all).
    assert {(f["policy_id"], f["resource"]) for f in report["findings"]["open_at_end"]} == {
        ("GXP-10", "Namespace/other"), ("GXP-01", "aws_s3_bucket.b")}
