"""One folder that holds, in turn, the tree of each commit a report reads.

Moving from one commit to the next rewrites only the files whose blob changed and removes
the files that went away, so walking a hundred commits costs about what their diffs cost.
Files come from git objects (no checkout, no smudge filter, nothing executed), through the
same ``materialize`` the git modes use: symbolic links are resolved inside the revision,
oversized blobs are refused from their header.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable
from pathlib import Path

from engine.model import ScanError
from engine.source.git_repo import UNSAFE_NAME, Entry, GitRepository
from engine.source.paths import safe_entry, shown_entry
from engine.source.worktree import Snapshot

_SYMLINK = 0o120000


class CommitTree:
    """The folder ``root`` and the commit whose files it holds (those ``wanted`` keeps)."""

    def __init__(self, repo: GitRepository, root: Path, wanted: Callable[[str], bool]) -> None:
        self.repo = repo
        self.root = root
        self.wanted = wanted
        self.commit: str | None = None
        self.entries: dict[str, Entry] = {}
        self._errors: dict[str, ScanError] = {}  # path -> why it is not in the folder

    def move_to(self, commit: str) -> dict[str, str]:
        """Hold ``commit``'s files; returns the paths that changed since the commit held
        before, each with "added", "modified" or "deleted"."""
        new: dict[str, Entry] = {}
        unsafe: dict[str, ScanError] = {}
        for path, entry in self.repo.commit_entries(commit).items():
            if not self.wanted(path):
                continue
            if safe_entry(path):
                new[path] = entry
            else:  # never written, never removed: it would be outside the folder
                shown = shown_entry(path)
                unsafe[shown] = ScanError("path-error", UNSAFE_NAME, shown)
        changed = {p for p, e in new.items() if self.entries.get(p) != e}
        if changed or len(new) != len(self.entries):
            # A link's own blob does not change when the file it leads to does: rewrite
            # every link (they are few) whenever anything changed.
            changed |= {p for p, e in new.items() if e.mode == _SYMLINK}
        removed = set(self.entries) - set(new)
        self._errors = {p: e for p, e in self._errors.items()
                        if p in new and p not in changed}
        self._errors.update(unsafe)
        for path in removed | changed:
            target = self.root / path
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)  # a folder of the last tree is a file of this one
            else:
                with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                    target.unlink()
        if changed:
            _written, problems = self.repo.materialize(new, self.root, changed.__contains__)
            self._errors.update((e.file, e) for e in problems)
        status = {p: "deleted" for p in removed}
        status.update((p, "modified" if p in self.entries else "added") for p in changed)
        self.entries = new
        self.commit = commit
        return status

    def add(self, wanted: Callable[[str], bool]) -> None:
        """Also hold the files ``wanted`` selects (policy folders named by the config)."""
        previous = self.wanted
        self.wanted = lambda p: previous(p) or wanted(p)
        if self.commit is not None:
            extra = {p: e for p, e in self.repo.commit_entries(self.commit).items()
                     if wanted(p) and p not in self.entries}
            if extra:
                self.repo.materialize(extra, self.root, extra.__contains__)
                self.entries.update(extra)

    def snapshot(self, in_scope: Callable[[str], bool]) -> Snapshot:
        files = tuple(sorted(p for p in self.entries
                             if in_scope(p) and p not in self._errors
                             and (self.root / p).is_file()))
        errors = tuple(e for p, e in sorted(self._errors.items()) if in_scope(p))
        return Snapshot(self.root, files, self.commit, errors)
