from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.source.worktree import SourceError, find_root, worktree_snapshot
from tests.conftest import make_repo


def test_gitignore_is_honoured_but_named_files_are_scanned(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    make_repo(repo, {".gitignore": "generated/\n", "k8s/a.yaml": "a: 1\n",
                     "generated/s.yaml": "b: 2\n", ".terraform/m/main.tf": ""})
    root, in_git = find_root(repo / "k8s")
    assert (root, in_git) == (repo.resolve(), True)
    snapshot = worktree_snapshot(root, in_git)
    assert snapshot.files == (".gitignore", "k8s/a.yaml")
    assert snapshot.commit is not None and len(snapshot.commit) == 40
    named = worktree_snapshot(root, in_git, ["generated/s.yaml"])
    assert "generated/s.yaml" in named.files


def test_symlink_leading_outside_the_repository_is_reported_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: x}\n")
    repo = tmp_path / "repo"
    make_repo(repo, {"k8s/inside.yaml": "a: 1\n"})
    (repo / "k8s" / "link.yaml").symlink_to(outside)
    (repo / "k8s" / "alias.yaml").symlink_to(repo / "k8s" / "inside.yaml")
    snapshot = worktree_snapshot(repo.resolve(), True)
    assert snapshot.files == ("k8s/alias.yaml", "k8s/inside.yaml")
    assert [(e.code, e.file) for e in snapshot.errors] == [("path-error", "k8s/link.yaml")]


@pytest.mark.skipif(os.geteuid() != 0, reason="handing a repository to another uid needs root")
def test_a_repository_git_refuses_is_an_error_not_a_walk(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    make_repo(repo, {"a.yaml": "a: 1\n"})
    # A repository owned by another user: git refuses it ("dubious ownership"), as it does
    # in CI containers whose checkout belongs to another uid. Root can hand it over.
    for path in [repo, *repo.rglob("*")]:
        os.lchown(path, 4242, 4242)
    with pytest.raises(SourceError, match="dubious ownership"):
        find_root(repo)


def test_outside_git_every_file_is_walked(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.tf").write_text("")
    root, in_git = find_root(tmp_path)
    assert in_git is False
    assert worktree_snapshot(root, in_git).files == ("a/x.tf",)
