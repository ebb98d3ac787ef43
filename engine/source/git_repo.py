"""Git revisions as sources of file contents: the index and commits (DESIGN.md §3-4).

Read through GitPython, imported only here and only when a scan asks for ``--staged``,
``--ref`` or ``--diff`` (its import costs about 0.1 s, which a working-tree scan never
pays). Diffs go through git's own plumbing (``git diff --name-status -z``) via GitPython's
command wrapper, with the options that make the output independent of the user's git
configuration (external diff drivers, rename settings).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from engine.limits import LIMIT_CODE, active
from engine.model import ScanError
from engine.source.paths import join_inside
from engine.source.worktree import SourceError, keep_path

# git's well-known empty tree: the "before" of a repository without commits.
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_SYMLINK = 0o120000
_GITLINK = 0o160000  # a submodule: a commit of another repository, no content here
_DIFF_OPTIONS = ("--name-status", "-z", "--find-renames", "--no-ext-diff", "--no-color",
                 "--ignore-submodules")


@dataclass(frozen=True)
class Entry:
    """One file of a revision: its git mode and blob id."""

    mode: int
    hexsha: str


@dataclass(frozen=True)
class Change:
    """One changed path between two revisions. ``old_path`` is set for renames and copies."""

    status: str  # A, M, D, R, C, T (git's letters)
    path: str
    old_path: str = ""

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.path, self.old_path) if self.old_path else (self.path,)


class GitRepository:
    """A repository read without touching its working tree, index or refs."""

    def __init__(self, root: Path) -> None:
        import git  # lazy: see the module docstring

        self._git_module = git
        try:
            self._repo = git.Repo(root)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise SourceError(f"{root}: not a git repository") from None
        self.root = root

    # -- revisions ---------------------------------------------------------------------

    def head(self) -> str | None:
        """HEAD's commit id, None in a repository without commits."""
        try:
            return str(self._repo.head.commit.hexsha)
        except ValueError:  # "Reference at 'refs/heads/main' does not exist"
            return None

    def resolve(self, ref: str) -> str:
        """The commit id ``ref`` names; an unknown revision is a usage error (exit 2)."""
        if ref.startswith("-"):  # never let a revision be read as an option
            raise SourceError(f"{ref!r}: not a revision")
        try:
            return str(self._repo.git.rev_parse("--verify", "--end-of-options",
                                                f"{ref}^{{commit}}").strip())
        except self._git_module.GitCommandError:
            raise SourceError(f"{ref!r}: unknown revision (not a commit in this "
                              "repository)") from None

    def merge_base(self, base_ref: str) -> str:
        """The merge-base of HEAD and ``base_ref``. None reachable (a shallow clone, an
        unrelated history) is an error: treating everything as new would hide nothing but
        report everything, and a baseline of nothing would hide a relaxed gate."""
        head = self.head()
        if head is None:
            raise SourceError("HEAD has no commit yet: nothing to compare with "
                              f"{base_ref!r}")
        base = self.resolve(base_ref)
        try:
            found = str(self._repo.git.merge_base(base, head)).strip()
        except self._git_module.GitCommandError:
            found = ""
        if not found:
            hint = (" (this is a shallow clone: fetch the history, e.g. "
                    "actions/checkout with fetch-depth: 0)") if self.is_shallow() else ""
            raise SourceError(f"merge-base not found between {base_ref!r} and HEAD{hint}")
        return found

    def is_shallow(self) -> bool:
        answer = self._repo.git.rev_parse("--is-shallow-repository").strip()
        return str(answer) == "true"

    # -- contents ----------------------------------------------------------------------

    def index_entries(self) -> tuple[dict[str, Entry], list[str]]:
        """The index's files (stage 0) and the paths with unresolved merge conflicts.

        ``git ls-files --stage`` rather than GitPython's index reader: the same data, parsed
        by git in a fraction of the time on a large index (the pre-commit hot path).
        """
        listing = self._repo.git.ls_files("--stage", "-z", "--full-name", ":/")
        entries: dict[str, Entry] = {}
        conflicted: set[str] = set()
        for record in listing.split("\0"):
            if not record:
                continue
            meta, _, path = record.partition("\t")
            mode, sha, stage = meta.split(" ")
            if stage != "0":
                conflicted.add(path)
                continue
            entries[path] = Entry(int(mode, 8), sha)
        return entries, sorted(conflicted)

    def commit_entries(self, commit: str) -> dict[str, Entry]:
        """Every file of ``commit`` (recursively), without checking anything out."""
        listing = self._repo.git.ls_tree("-r", "-z", "--full-tree", commit)
        entries: dict[str, Entry] = {}
        for record in listing.split("\0"):
            if not record:
                continue
            meta, _, path = record.partition("\t")
            mode, _kind, sha = meta.split(" ")
            entries[path] = Entry(int(mode, 8), sha)
        return entries

    def staged_changes(self) -> tuple[Change, ...]:
        """What a commit now would record: the index against HEAD (or against nothing)."""
        return _parse_name_status(self._repo.git.diff(
            "--cached", *_DIFF_OPTIONS, self.head() or EMPTY_TREE, "--"))

    def commit_changes(self, before: str, after: str) -> tuple[Change, ...]:
        return _parse_name_status(self._repo.git.diff(*_DIFF_OPTIONS, before, after, "--"))

    def worktree_differs(self, commit: str | None) -> set[str]:
        """Tracked paths whose working-tree file differs from the index (``commit`` None)
        or from ``commit``.

        Porcelain ``git diff``, not ``diff-files``: plumbing trusts the index's stat data,
        and in a freshly written index every file is "racily" dirty until something
        refreshes it, which would send every file through the object database (seconds on
        a large repository). Porcelain compares the content of stat-dirty files instead;
        with optional locks off it never writes the index.
        """
        revision = [commit] if commit is not None else []
        out = self._repo.git.diff("--name-only", "-z", "--no-ext-diff", "--no-textconv",
                                  "--ignore-submodules", *revision, "--",
                                  env={"GIT_OPTIONAL_LOCKS": "0"})
        return {p for p in out.split("\0") if p}

    def untracked(self) -> list[str]:
        """Untracked, not ignored files (relative paths)."""
        out = self._repo.git.ls_files("--others", "--exclude-standard", "-z", "--full-name",
                                      ":/")
        return [p for p in out.split("\0") if p]

    def materialize(self, entries: Mapping[str, Entry], dest: Path,
                    wanted: Callable[[str], bool],
                    reusable: Callable[[str], bool] = lambda _path: False,
                    ) -> tuple[list[str], list[ScanError]]:
        """Write the ``wanted`` entries under ``dest`` (a private folder) and return the
        paths written, sorted, with the entries that could not be (symbolic links leading
        out of the revision).

        A ``reusable`` path has the same bytes in the working tree: it is hard-linked from
        there (or copied across file systems) instead of being inflated from the object
        database. Everything else comes from git objects, so every engine reads the exact
        bytes of the revision.
        """
        written: list[str] = []
        errors: list[ScanError] = []
        pending: list[tuple[str, str]] = []  # (path, blob id) to read from the database
        for path in sorted(entries):
            entry = entries[path]
            if entry.mode == _GITLINK or not keep_path(path) or not wanted(path):
                continue
            if entry.mode == _SYMLINK:
                target = _symlink_target(self._read_blobs([entry.hexsha])[0], path, entries)
                if target is None:
                    errors.append(ScanError(
                        "path-error", "symbolic link to a file outside the revision: not "
                        "followed, not scanned", path))
                    continue
                pending.append((path, entries[target].hexsha))
            elif reusable(path) and _link_or_copy(self.root / path, dest / path):
                written.append(path)
                continue
            else:
                pending.append((path, entry.hexsha))
        pending = self._within_size_limit(pending, errors)
        contents = self._read_blobs([sha for _, sha in pending])
        for (path, _), data in zip(pending, contents, strict=True):
            out = dest / path
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
            written.append(path)
        return sorted(written), errors

    def _within_size_limit(self, pending: list[tuple[str, str]],
                           errors: list[ScanError]) -> list[tuple[str, str]]:
        """The blobs no larger than ``limits.file_bytes``, by the size the object database
        records (a header read): a huge blob is never inflated into memory."""
        limit = active().file_bytes
        kept: list[tuple[str, str]] = []
        for path, sha in pending:
            size = int(self._repo.odb.info(bytes.fromhex(sha)).size)
            if size > limit:
                errors.append(ScanError(LIMIT_CODE, f"file of {size} bytes: over the limit "
                                        f"{active().describe('file_bytes')}; not scanned", path))
                continue
            kept.append((path, sha))
        return kept

    def _read_blobs(self, shas: Iterable[str]) -> list[bytes]:
        """Blob contents, raw (no smudge filter runs: a filter could fetch or execute)."""
        odb = self._repo.odb
        return [odb.stream(bytes.fromhex(sha)).read() for sha in shas]

    def close(self) -> None:
        self._repo.close()


def _symlink_target(raw: bytes, path: str, entries: Mapping[str, Any]) -> str | None:
    """The regular file of the same revision that the link at ``path`` points to, if any."""
    text = raw.decode("utf-8", errors="replace")
    if text.startswith("/"):
        return None
    target = join_inside(str(PurePosixPath(path).parent), text)
    if target is None:
        return None
    entry = entries.get(target)
    if entry is None or entry.mode in (_SYMLINK, _GITLINK):
        return None
    return target


def _link_or_copy(source: Path, target: Path) -> bool:
    if source.is_symlink() or not source.is_file():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        try:
            shutil.copyfile(source, target)
        except OSError:
            return False
    return True


def _parse_name_status(output: str) -> tuple[Change, ...]:
    tokens = output.split("\0")
    changes: list[Change] = []
    index = 0
    while index < len(tokens) and tokens[index]:
        status = tokens[index][0]
        if status in "RC":
            changes.append(Change(status, tokens[index + 2], tokens[index + 1]))
            index += 3
        else:
            changes.append(Change(status, tokens[index + 1]))
            index += 2
    return tuple(sorted(changes, key=lambda c: (c.path, c.old_path)))
