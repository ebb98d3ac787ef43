"""The git sources on real repositories: index and commit snapshots, symbolic links,
submodule entries, renames, and relocation of snapshot paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.model import Engine, Finding, ScanError, ScanResult, Severity, Status, Unit, UnitKind
from engine.source.git_repo import Change, GitRepository
from engine.source.revisions import open_revisions, relocate
from engine.source.worktree import SourceError
from tests.conftest import make_repo


def test_staged_snapshot_holds_index_bytes_and_reuses_clean_files(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    repo = make_repo(root, {"k8s/a.yaml": "a: 1\n", "k8s/b.yaml": "b: 1\n", "docs/x.md": "x"})
    (root / "k8s" / "a.yaml").write_text("a: 2\n")
    repo.index.add(["k8s/a.yaml"])
    (root / "k8s" / "a.yaml").write_text("a: 3 (not staged)\n")
    with open_revisions(root.resolve(), "staged", None, ["k8s"]) as revisions:
        snapshot = revisions.head_snapshot()
        assert snapshot.files == ("k8s/a.yaml", "k8s/b.yaml")
        assert (snapshot.root / "k8s" / "a.yaml").read_text() == "a: 2\n"
        # Unchanged files are linked from the working tree, not inflated again.
        assert os.path.samefile(snapshot.root / "k8s" / "b.yaml", root / "k8s" / "b.yaml")
        assert revisions.changes == (Change("M", "k8s/a.yaml"),)
        assert not (snapshot.root / "docs").exists()  # outside the scope
        folder = snapshot.root
    assert not folder.exists()  # removed on exit


def test_commit_snapshot_follows_links_inside_and_refuses_links_outside(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "k8s").mkdir()
    (root / "k8s" / "real.yaml").write_text("kind: ConfigMap\n")
    (root / "k8s" / "alias.yaml").symlink_to("real.yaml")
    (root / "k8s" / "escape.yaml").symlink_to("../../outside.yaml")
    repo = make_repo(root)
    commit = repo.head.commit.hexsha
    (root / "later.yaml").write_text("a: 1\n")
    repo.index.add(["later.yaml"])
    repo.index.commit("later")  # the scanned commit is not HEAD: read from git objects
    with open_revisions(root.resolve(), "ref", commit, [""]) as revisions:
        snapshot = revisions.head_snapshot()
        assert snapshot.files == ("k8s/alias.yaml", "k8s/real.yaml")
        alias = snapshot.root / "k8s" / "alias.yaml"
        assert not alias.is_symlink() and alias.read_text() == "kind: ConfigMap\n"
        assert [(e.code, e.file) for e in snapshot.errors] == [("path-error", "k8s/escape.yaml")]


def test_submodule_entries_are_skipped(tmp_path: Path) -> None:
    inner = tmp_path / "inner"
    make_repo(inner, {"x.tf": ""})
    root = tmp_path / "repo"
    repo = make_repo(root, {"main.tf": ""})
    repo.git.execute(["git", "-c", "protocol.file.allow=always", "submodule", "add", "-q",
                      inner.as_uri(), "vendored"])
    repo.index.commit("add a submodule")
    with open_revisions(root.resolve(), "ref", "HEAD", [""]) as revisions:
        assert revisions.head_snapshot().files == (".gitmodules", "main.tf")


def test_renames_are_detected_both_names_changed(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    repo = make_repo(root, {"k8s/a.yaml": "kind: ConfigMap\nmetadata: {name: x}\n" * 5})
    repo.git.checkout("-b", "feature")
    repo.git.mv("k8s/a.yaml", "k8s/b.yaml")
    repo.index.commit("rename")
    with open_revisions(root.resolve(), "diff", "main", [""]) as revisions:
        assert revisions.changes == (Change("R", "k8s/b.yaml", "k8s/a.yaml"),)
        assert revisions.changed == frozenset({"k8s/a.yaml", "k8s/b.yaml"})
        assert revisions.renames == {"k8s/b.yaml": "k8s/a.yaml"}


def test_staged_in_a_repository_without_commits_compares_with_nothing(tmp_path: Path) -> None:
    import git

    root = tmp_path / "repo"
    root.mkdir()
    repo = git.Repo.init(root)
    (root / "a.tf").write_text("")
    repo.index.add(["a.tf"])
    with open_revisions(root.resolve(), "staged", None, [""]) as revisions:
        assert revisions.changes == (Change("A", "a.tf"),)
        assert revisions.baseline_snapshot() is None
    with pytest.raises(SourceError, match="no commit yet"):
        GitRepository(root.resolve()).merge_base("main")


def test_relocate_replaces_snapshot_folders_everywhere(tmp_path: Path) -> None:
    folder = tmp_path / "gitops-compliance-x" / "head"
    root = tmp_path / "repo"
    finding = Finding("CKV_K8S_1", "t", Severity.HIGH, "f", Engine.CHECKOV, Status.FAILED,
                      "Pod/a", "k8s/a.yaml", 1, f"see {folder}/k8s/a.yaml", "kubernetes")
    error = ScanError("parse-error", f"cannot parse {folder}/k8s/b.yaml", f"{folder}/k8s/b.yaml")
    unit = Unit(UnitKind.KUBERNETES, "kubernetes", "", ("k8s/a.yaml",))
    result = ScanResult(str(folder), ("",), (finding,), (error,), (unit,),
                        ((f"{folder}/legacy/x.yaml", "old"),), Severity.HIGH)
    moved = relocate(result, [folder], root)
    assert moved.root == str(root)
    assert moved.findings[0].message == "see k8s/a.yaml"
    assert (moved.errors[0].file, moved.errors[0].message) == ("k8s/b.yaml",
                                                              "cannot parse k8s/b.yaml")
    assert moved.excluded == (("legacy/x.yaml", "old"),)
    assert str(folder) not in repr(moved)


def test_a_clean_working_tree_is_read_in_place(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    repo = make_repo(root, {"k8s/a.yaml": "a: 1\n", "k8s/b.yaml": "b: 1\n",
                            "docs/readme.md": "docs\n"})
    (root / "k8s" / "a.yaml").write_text("a: 2\n")
    repo.index.add(["k8s/a.yaml"])
    # What pre-commit leaves: the working tree equals the index, nothing untracked.
    with open_revisions(root.resolve(), "staged", None, [""]) as revisions:
        snapshot = revisions.head_snapshot()
        assert snapshot.root == root.resolve()
        assert snapshot.files == ("docs/readme.md", "k8s/a.yaml", "k8s/b.yaml")
    # An untracked file in the scope (Checkov would read it) forces a snapshot.
    (root / "k8s" / "scratch.yaml").write_text("c: 1\n")
    with open_revisions(root.resolve(), "staged", None, [""]) as revisions:
        snapshot = revisions.head_snapshot()
        assert snapshot.root != root.resolve()
        assert snapshot.files == ("docs/readme.md", "k8s/a.yaml", "k8s/b.yaml")
    # ...also when the scope is a file beside it (a unit can be its whole folder)...
    with open_revisions(root.resolve(), "staged", None, ["k8s/a.yaml"]) as revisions:
        assert revisions.head_snapshot().root != root.resolve()
    # ...but not when it lies outside the scope.
    with open_revisions(root.resolve(), "staged", None, ["docs"]) as revisions:
        assert revisions.head_snapshot().root == root.resolve()
    with open_revisions(root.resolve(), "ref", "HEAD", ["docs"]) as revisions:
        assert revisions.head_snapshot().root != root.resolve()  # a.yaml differs from HEAD
