"""``report quarterly`` at its edges: bad periods and folders, a period in progress, a
narrowed scope, invalid configs now and in history, an incomplete period end (exit 3)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.audit.history import commit, init
from tests.conftest import run_cli

GOOD_NS = ("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ml\n  labels:\n"
           "    gxp-classification: non-gxp\n    system-owner: ml\n"
           "    validation-status: not-validated\n    data-classification: internal\n"
           "    cost-center: cc-1\n")
BAD_NS = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ops\n"


def _quarterly(repo: Path, out: Path, *extra: str) -> tuple[int, str, str, dict | None]:
    run = run_cli("report", "quarterly", "--repo", str(repo), "--out", str(out),
                  "--no-checkov", "--no-pdf", *extra)
    report_file = out / "report.json"
    data = json.loads(report_file.read_text()) if report_file.exists() else None
    return run.code, run.out, run.err, data


def _repo(tmp_path: Path) -> Path:
    repo = init(tmp_path / "repo")
    commit(repo, "2026-06-01T00:00:00Z", "start", {"k8s/ml.yaml": GOOD_NS})
    commit(repo, "2026-07-10T00:00:00Z", "ops namespace", {"k8s/ops.yaml": BAD_NS})
    commit(repo, "2026-08-10T00:00:00Z", "tf", {
        "tf/main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'})
    return repo


def test_usage_errors_are_exit_2_and_say_why(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    out = tmp_path / "out"
    cases = [
        (("--quarter", "2026-Q5"), "--quarter 2026-Q5: expected YYYY-QN"),
        (("--quarter", "2026-Q3", "--branch", "nope"), "'nope': unknown revision"),
        (("--quarter", "2026-Q3", "--as-of", "2026-06-01"),
         "the period 2026-Q3 starts after --as-of 2026-06-01"),
        (("--quarter", "2026-Q1", "--as-of", "2026-10-01"),
         "main: no commit on or before 2026-03-31: nothing to report"),
        (("--quarter", "2026-Q3", "--path", "../elsewhere"), "outside the repository"),
    ]
    for args, message in cases:
        code, _out, err, data = _quarterly(repo, out, *args)
        assert (code, data) == (2, None), (args, err)
        assert message in err, (args, err)
    plain = tmp_path / "plain"
    plain.mkdir()
    code, _out, err, _ = _quarterly(plain, out, "--quarter", "2026-Q3")
    assert code == 2 and "not inside a git repository" in err


def test_an_out_folder_with_other_files_is_refused_untouched(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code, _out, err, data = _quarterly(repo, out, "--quarter", "2026-Q3",
                                       "--as-of", "2026-10-02")
    assert code == 2 and data is None
    assert "holds files that are not a report's (notes.txt)" in err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_a_period_in_progress_stops_at_as_of(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    code, _out, err, data = _quarterly(repo, tmp_path / "out", "--quarter", "2026-Q3",
                                       "--as-of", "2026-07-31")
    assert data is not None, err
    assert data["scope"]["period"]["complete"] is False
    assert data["scope"]["period"]["judged_on"] == "2026-07-31"
    # The August commit has not happened as of July 31.
    assert [c["subject"] for c in data["commits"]] == ["ops namespace"]
    assert code == 1  # Namespace/ops lacks its GxP labels (GXP-10, high)


def test_path_narrows_every_tree(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    code, _out, err, data = _quarterly(repo, tmp_path / "out", "--quarter", "2026-Q3",
                                       "--as-of", "2026-10-02", "--path", "tf")
    assert data is not None, err
    assert data["scope"]["paths"] == ["tf"]
    resources = {f["resource"] for f in data["findings"]["introduced"]}
    assert resources == {"aws_s3_bucket.b"}  # nothing of k8s/
    assert code == 1


def test_invalid_config_in_history_is_recorded_and_at_the_end_is_exit_2(
        tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    broken = commit(repo, "2026-09-01T00:00:00Z", "typo in config",
                    {".gitops-compliance.yaml": "fail_onn: high\n"})
    fixed = commit(repo, "2026-09-02T00:00:00Z", "fix config",
                   {".gitops-compliance.yaml": "fail_on: high\n"})
    code, _out, err, data = _quarterly(repo, tmp_path / "out", "--quarter", "2026-Q3",
                                       "--as-of", "2026-10-02")
    assert data is not None, err
    rows = {c["commit"]: c for c in data["commits"]}
    # Its tree is still judged (with the last config that could be read), so whatever it
    # brought is its own; the commit itself is invalid, and its gate was red.
    assert rows[broken]["evaluated"] is True and rows[broken]["verdict"] == "invalid"
    assert rows[broken]["gate"] == "red" and rows[fixed]["verdict"] != "invalid"
    assert broken in {r["commit"] for r in data["red_merges"]}
    [error] = [e for e in data["errors"]["historical"] if e["code"] == "config-error"]
    assert "fail_onn" in error["message"] and error["first_commit"] == broken
    assert code == 1  # history is reported, not an exit code

    commit(repo, "2026-09-20T00:00:00Z", "typo again",
           {".gitops-compliance.yaml": "fail_onn: high\n"})
    code, _out, err, data = _quarterly(repo, tmp_path / "out2", "--quarter", "2026-Q3",
                                       "--as-of", "2026-10-02")
    assert (code, data) == (2, None)
    assert "the period end's config" in err and "fail_onn" in err


def test_an_incomplete_period_end_is_exit_3(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    commit(repo, "2026-09-05T00:00:00Z", "broken", {"k8s/bad.yaml": "kind: [\n"})
    code, _out, err, data = _quarterly(repo, tmp_path / "out", "--quarter", "2026-Q3",
                                       "--as-of", "2026-10-02")
    assert data is not None, err
    assert code == 3
    assert data["verdict"]["end_snapshot"] == "incomplete"
    assert [(e["code"], e["file"]) for e in data["errors"]["end_snapshot"]] == [
        ("parse-error", "k8s/bad.yaml")]
