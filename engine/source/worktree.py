"""The working tree as a source of file contents (DESIGN.md §3, "source").

Lists the files of a scan: in a git repository, the tracked and untracked-but-not-ignored
files (``git ls-files``, so ``.gitignore`` is honoured exactly as git does); elsewhere, a
plain walk. The git index and commits as sources are in ``git_repo`` and ``revisions``.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.limits import file_type
from engine.model import ScanError
from engine.source.paths import leads_inside, real_path

# Never scanned, whatever the ignore files say: tool state, not infrastructure.
ALWAYS_EXCLUDED_DIRS = frozenset({".git", ".terraform", ".terragrunt-cache", "node_modules"})
_LOOP = ("symbolic link loop (more than 40 links to follow): not followed, not scanned")


class SourceError(Exception):
    """The repository cannot be read as git would read it (exit 2)."""


@dataclass(frozen=True)
class Snapshot:
    """What a scan reads: a root folder on disk and the files in scope under it."""

    root: Path
    files: tuple[str, ...]  # relative to root, POSIX, sorted
    commit: str | None  # HEAD of the repository, None outside git
    errors: tuple[ScanError, ...] = ()  # files that were listed but must not be read


def find_root(path: Path) -> tuple[Path, bool]:
    """The scan root: the git top level of ``path``, else the path (or its folder).

    git refusing the repository (for example "dubious ownership" in a CI container) is an
    error, not a reason to fall back to a walk that would ignore ``.gitignore``.
    """
    start = path if path.is_dir() else path.parent
    done = _git(start, "rev-parse", "--show-toplevel")
    if done is None:  # no git on this machine
        return start.resolve(), False
    if done.returncode == 0:
        return Path(done.stdout.strip()).resolve(), True
    if "not a git repository" in done.stderr:
        return start.resolve(), False
    first = done.stderr.strip().splitlines()[0] if done.stderr.strip() else "unknown error"
    raise SourceError(f"git cannot read the repository at {start}: {first}")


def worktree_snapshot(root: Path, in_git: bool, named: Sequence[str] = ()) -> Snapshot:
    """The files to scan. ``named`` are files given on the command line (relative to the
    root): they are scanned even when ``.gitignore`` lists them — the user asked for them."""
    if in_git:
        listed = _git(root, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
        if listed is None or listed.returncode != 0:
            raise SourceError(f"git ls-files failed in {root}")
        names = {n for n in listed.stdout.split("\0") if n and _keep(n)}
        head = _git(root, "rev-parse", "--verify", "-q", "HEAD")
        commit = head.stdout.strip() if head is not None and head.returncode == 0 else None
    else:
        names, commit = set(_walk(root)), None
    names.update(n for n in named if (root / n).is_file())
    files, errors = _readable(root, sorted(names))
    return Snapshot(root, tuple(files), commit, tuple(errors))


def readable_files(root: Path, names: list[str]) -> tuple[list[str], list[ScanError]]:
    """``names`` that are regular files inside ``root`` (links followed only inside it);
    links leading outside are errors. Also used for a git revision read in place."""
    return _readable(root, names)


def _readable(root: Path, names: list[str]) -> tuple[list[str], list[ScanError]]:
    """Regular files inside the root; a symlink that leads outside it is reported, not read."""
    files: list[str] = []
    errors: list[ScanError] = []
    for name in names:
        path = root / name
        if path.is_symlink() and real_path(path) is not None and not leads_inside(root, path):
            errors.append(ScanError("path-error", "symbolic link that leads outside the "
                                    "repository: not followed, not scanned", name))
            continue
        try:
            info = path.stat()
        except OSError as exc:
            if exc.errno == errno.ELOOP or real_path(path) is None:
                # A loop, or more links on the way than the kernel follows (40).
                errors.append(ScanError("path-error", _LOOP, name))
            continue  # vanished, or a dangling link: nothing to read
        # A link to a folder inside the repository is not read either: the folder's own
        # files are listed (and scanned) where they are.
        if stat.S_ISREG(info.st_mode):
            files.append(name)
        elif not stat.S_ISDIR(info.st_mode):
            # A FIFO named x.yaml would block the reader forever, a device never end.
            errors.append(ScanError("path-error", f"{file_type(info.st_mode)}, not a regular "
                                    "file: not read, not scanned", name))
    return files, errors


def _keep(relative: str) -> bool:
    return not any(part in ALWAYS_EXCLUDED_DIRS for part in relative.split("/")[:-1])


def keep_path(relative: str) -> bool:
    """False for files under tool-state folders (``.terraform/``, ...), in every source."""
    return _keep(relative)


def _walk(root: Path) -> list[str]:
    found = []
    for current, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in ALWAYS_EXCLUDED_DIRS)
        base = Path(current).relative_to(root)
        for name in files:
            found.append((base / name).as_posix())
    return sorted(found)


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    """Run git plumbing; None when git itself is absent.

    Plain subprocess rather than GitPython here: two plumbing calls on the hot path of every
    pre-commit run, and GitPython's import alone costs more than both.
    """
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=False,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        )
    except (FileNotFoundError, NotADirectoryError):
        return None
