"""The working tree as a source of file contents (DESIGN.md §3, "source").

Lists the files of a scan: in a git repository, the tracked and untracked-but-not-ignored
files (``git ls-files``, so ``.gitignore`` is honoured exactly as git does); elsewhere, a
plain walk. The git index and commits as sources come with the git-native gating work.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Never scanned, whatever the ignore files say: tool state, not infrastructure.
ALWAYS_EXCLUDED_DIRS = frozenset({".git", ".terraform", ".terragrunt-cache", "node_modules"})


@dataclass(frozen=True)
class Snapshot:
    """What a scan reads: a root folder on disk and the files in scope under it."""

    root: Path
    files: tuple[str, ...]  # relative to root, POSIX, sorted
    commit: str | None  # HEAD of the repository, None outside git


def find_root(path: Path) -> tuple[Path, bool]:
    """The scan root: the git top level of ``path``, else the path (or its folder)."""
    start = path if path.is_dir() else path.parent
    toplevel = _git(start, "rev-parse", "--show-toplevel")
    if toplevel is not None:
        return Path(toplevel.strip()).resolve(), True
    return start.resolve(), False


def worktree_snapshot(root: Path, in_git: bool) -> Snapshot:
    if in_git:
        listed = _git(root, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
        if listed is not None:
            names = {n for n in listed.split("\0") if n}
            files = sorted(n for n in names if _keep(n) and (root / n).is_file())
            head = _git(root, "rev-parse", "--verify", "-q", "HEAD")
            return Snapshot(root, tuple(files), head.strip() if head else None)
    return Snapshot(root, tuple(_walk(root)), None)


def _keep(relative: str) -> bool:
    return not any(part in ALWAYS_EXCLUDED_DIRS for part in relative.split("/")[:-1])


def _walk(root: Path) -> list[str]:
    found = []
    for current, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in ALWAYS_EXCLUDED_DIRS)
        base = Path(current).relative_to(root)
        for name in files:
            found.append((base / name).as_posix())
    return sorted(found)


def _git(cwd: Path, *args: str) -> str | None:
    """Run git plumbing; None when git is absent or ``cwd`` is not in a repository.

    Plain subprocess rather than GitPython here: two plumbing calls on the hot path of every
    pre-commit run, and GitPython's import alone costs more than both.
    """
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=False,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        )
    except (FileNotFoundError, NotADirectoryError):
        return None
    return done.stdout if done.returncode == 0 else None
