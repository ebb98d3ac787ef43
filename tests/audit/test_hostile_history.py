"""Hostile and unusual histories: a tree that names paths outside the folder, names git
itself refuses, odd bytes in commit metadata, a folder turned into a file, a signer that
fails, an --out folder that is not what it seems. Each once broke the report."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.audit.history import commit, git, init
from tests.conftest import run_cli

BUCKET = 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'
FAST = ("--no-checkov", "--no-pdf", "--quarter", "2026-Q3", "--as-of", "2026-10-02")


def _quarterly(repo: Path, out: Path, *extra: str) -> tuple[int, str, str, dict | None]:
    run = run_cli("report", "quarterly", "--repo", str(repo), "--out", str(out), *FAST,
                  *extra)
    report = out / "report.json"
    return run.code, run.out, run.err, (json.loads(report.read_text())
                                        if report.exists() else None)


def _tree_with(repo: Path, base: str, outside: Path) -> str:
    """A tree of ``base`` plus ``../../…/<outside>/pwned.tf``, built with git mktree (git
    refuses to check such a tree out; a scanner must refuse to write it)."""
    blob = subprocess.run(["git", "-C", str(repo), "hash-object", "-w", "--stdin"],
                          input=BUCKET, text=True, capture_output=True,
                          check=True).stdout.strip()

    def mktree(line: str) -> str:
        return subprocess.run(["git", "-C", str(repo), "mktree"], input=line, text=True,
                              capture_output=True, check=True).stdout.strip()

    tree = mktree(f"100644 blob {blob}\tpwned.tf\n")
    for part in reversed(outside.parts[1:]):
        tree = mktree(f"040000 tree {tree}\t{part}\n")
    for _ in range(len(repo.parts) + 3):
        tree = mktree(f"040000 tree {tree}\t..\n")
    listing = git(repo, "ls-tree", base)
    top = git(repo, "ls-tree", tree).split()[2]
    return mktree(listing + f"040000 tree {top}\t..\n")


def test_a_tree_naming_paths_outside_is_never_written_nor_deleted(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    commit(repo, "2026-05-04T09:00:00Z", "initial", {"tf/main.tf": BUCKET})
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "pwned.tf").write_text("ORIGINAL")
    tree = _tree_with(repo, "HEAD^{tree}", victim)
    env = {**os.environ, "GIT_AUTHOR_DATE": "2026-07-06T09:00:00Z",
           "GIT_COMMITTER_DATE": "2026-07-06T09:00:00Z"}
    hostile = subprocess.run(["git", "-C", str(repo), "commit-tree", tree, "-p", "HEAD", "-m",
                              "innocent"], env=env, capture_output=True, text=True,
                             check=True).stdout.strip()
    git(repo, "update-ref", "refs/heads/main", hostile)
    commit(repo, "2026-07-07T09:00:00Z", "revert", {"tf/main.tf": BUCKET + "\n"})
    code, _out, err, report = _quarterly(repo, tmp_path / "out")
    assert report is not None, err
    assert code == 1  # the end tree is whole again; its bucket lacks its GxP tags
    assert (victim / "pwned.tf").read_text() == "ORIGINAL"  # not written, not removed
    [error] = [e for e in report["errors"]["historical"] if e["code"] == "path-error"]
    assert error["file"].startswith("../") and error["file"].endswith("pwned.tf")
    assert "git refuses to check out" in error["message"]
    assert error["first_commit"] == hostile
    # The same tree through scan --ref: refused the same way.
    scan = run_cli("scan", str(repo), "--ref", hostile, "--no-checkov", "-o", "json")
    assert (victim / "pwned.tf").read_text() == "ORIGINAL"
    assert "path-error" in {e["code"] for e in json.loads(scan.out)["errors"]}


def test_odd_bytes_in_history_are_reported_not_fatal(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    # The user's git prints logs in Latin-1; an author's name is not ASCII.
    git(repo, "config", "i18n.logOutputEncoding", "ISO-8859-1")
    commit(repo, "2026-05-04T09:00:00Z", "initial", {"tf/main.tf": BUCKET})
    odd = commit(repo, "2026-07-06T09:00:00Z", "record\x1eseparator in a subject",
                 {"k8s/x/y.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n"},
                 author="José Núñez <jose@example.com>")
    # A folder becomes a file; a file name that is not UTF-8.
    commit(repo, "2026-07-07T09:00:00Z", "flatten", {"k8s/x": "# now a file\n"},
           delete=["k8s/x/y.yaml"])
    (repo / "k8s").mkdir(exist_ok=True)
    os.close(os.open(os.fsencode(str(repo / "k8s")) + b"/bad\xff.yaml",
                     os.O_CREAT | os.O_WRONLY))
    latin = commit(repo, "2026-07-08T09:00:00Z", "odd name", {})
    code, _out, err, report = _quarterly(repo, tmp_path / "out")
    assert report is not None, err
    assert code == 3  # the undecodable name is still in the period-end tree
    rows = {c["commit"]: c for c in report["commits"]}
    assert rows[odd]["subject"] == "record\x1eseparator in a subject"
    assert rows[odd]["author"] == "José Núñez <jose@example.com>"
    assert [(e["code"], e["file"]) for e in report["errors"]["end_snapshot"]] == [
        ("path-error", "k8s/bad\\xff.yaml")]
    assert rows[latin]["errors"] == 1


def test_a_failed_signature_leaves_no_seal_that_verifies(tmp_path: Path) -> None:
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is not installed")
    repo = init(tmp_path / "repo")
    commit(repo, "2026-07-04T09:00:00Z", "initial", {"tf/main.tf": BUCKET})
    missing = _quarterly(repo, tmp_path / "o1", "--sign", f"ssh:{tmp_path}/nokey")
    assert missing[0] == 2 and "no such key file" in missing[2]
    assert missing[3] is None  # refused before any work
    bad = tmp_path / "badkey"
    bad.write_text("not a key\n")
    code, out, err, _report = _quarterly(repo, tmp_path / "o2", "--sign", f"ssh:{bad}")
    assert code == 3 and "the folder is not sealed" in err
    assert "SHA256SUMS: sha256" not in out
    assert not (tmp_path / "o2" / "SHA256SUMS").exists()
    assert run_cli("report", "verify", str(tmp_path / "o2")).code == 2  # nothing to verify


def test_the_out_folder_must_be_plain(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    commit(repo, "2026-07-04T09:00:00Z", "initial", {"tf/main.tf": BUCKET})
    precious = tmp_path / "precious.txt"
    precious.write_text("precious")
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "report.md").symlink_to(precious)
    code, _out, err, report = _quarterly(repo, linked)
    assert (code, report) == (2, None)
    assert "report.md is not a regular file" in err
    assert precious.read_text() == "precious"
    # Under a regular file: an output that cannot be written is incomplete (3), said early.
    code, _out, err, report = _quarterly(repo, precious / "out")
    assert (code, report) == (3, None)
    assert "cannot use it: Not a directory" in err


def test_error_text_from_the_repository_is_escaped(tmp_path: Path) -> None:
    repo = init(tmp_path / "repo")
    name = "pol/\x1b[2J\x1b]0;PWNED\x07evil.rego"
    commit(repo, "2026-07-04T09:00:00Z", "initial", {
        ".gitops-compliance.yaml": "policies: [pol]\n", name: "package broken\nnot rego\n"})
    code, _out, err, _report = _quarterly(repo, tmp_path / "out")
    assert code == 2
    assert "\x1b" not in err and "\x07" not in err
    assert "evil.rego" in err


def test_a_sha256_repository_is_refused_clearly(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "--object-format=sha256", "-b", "main")
    commit(repo, "2026-07-05T09:00:00Z", "initial", {"tf/main.tf": BUCKET})
    code, _out, err, report = _quarterly(repo, tmp_path / "out")
    assert (code, report) == (2, None)
    assert "a sha256 repository: only SHA-1 repositories can be read" in err
    scan = run_cli("scan", str(repo), "--ref", "HEAD", "--no-checkov")
    assert scan.code == 2 and "a sha256 repository" in scan.err
