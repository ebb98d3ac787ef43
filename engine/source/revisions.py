"""Snapshots of git revisions for ``--staged``, ``--ref`` and ``--diff`` (DESIGN.md §3-4).

Each revision the scan reads is written from git objects into a private temporary folder
(files the working tree holds byte for byte are hard-linked from it instead), so Checkov,
the loaders and Helm all read identical bytes through ordinary paths. Paths inside a
snapshot are the repository's paths; :func:`relocate` replaces the temporary folder in
everything a result carries before it leaves.

- ``--staged``: the index (what the commit will record), changes = index against HEAD;
  baseline (``--new-only``) = HEAD. The config is the index's: the hook checks the commit.
- ``--ref REF``: the commit, every unit of the scope; no baseline.
- ``--diff BASE``: HEAD, changes = merge-base(BASE, HEAD) against HEAD; baseline = the
  merge-base. The config, the waivers file and the policy directories are read from the
  merge-base (a pull request cannot relax its own gate); their changes are reported.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from engine.model import Finding, GovernanceChange, ScanError, ScanResult, Unit
from engine.source.git_repo import Change, Entry, GitRepository
from engine.source.worktree import Snapshot, SourceError, readable_files

CONFIG_NAME = ".gitops-compliance.yaml"  # engine.config.CONFIG_NAME (source must not import it)
GOVERNANCE_DIR = ".gitops-compliance"  # the waivers file lives here by default
DEFAULT_WAIVERS = f"{GOVERNANCE_DIR}/waivers.yaml"
_STATUS = {"A": "added", "M": "modified", "D": "deleted", "R": "renamed", "C": "copied",
           "T": "type-changed"}


@dataclass
class _Revision:
    """One revision's files and the snapshot folder they are written to, on demand.

    ``in_place``: the working tree holds exactly this revision's files in the scope (the
    usual case under pre-commit, which stashes unstaged changes, and in CI on a clean
    checkout), so the snapshot is the working tree itself and nothing is written.
    """

    repo: GitRepository
    entries: Mapping[str, Entry]
    root: Path
    commit: str | None
    reusable: Callable[[str], bool]
    in_place: bool = False
    written: set[str] = field(default_factory=set)
    errors: list[ScanError] = field(default_factory=list)

    def write(self, wanted: Callable[[str], bool]) -> list[str]:
        fresh = [p for p in self.entries if p not in self.written and wanted(p)]
        if not fresh:
            return []
        if self.in_place:
            files, problems = readable_files(self.root, sorted(fresh))
            self.written.update(files)
            self.errors.extend(problems)
            return files
        chosen = set(fresh)
        done, problems = self.repo.materialize(self.entries, self.root, chosen.__contains__,
                                               self.reusable)
        self.written.update(done)
        self.errors.extend(problems)
        return done

    def snapshot(self, scope: Sequence[str]) -> Snapshot:
        files = tuple(sorted(p for p in self.written if in_scope(p, scope)))
        errors = tuple(e for e in self.errors if in_scope(e.file, scope))
        return Snapshot(self.root, files, self.commit, errors)


@dataclass
class RevisionScan:
    """What a git-mode scan reads: the scanned revision, the baseline, the changes."""

    mode: str  # "staged" | "ref" | "diff"
    scope: tuple[str, ...]
    head: _Revision
    baseline: _Revision | None  # diff: merge-base; staged: HEAD (None without commits)
    governance: _Revision  # where the config, waivers and policies are read
    changes: tuple[Change, ...] | None  # None: --ref (every unit of the scope is reported)
    base_commit: str | None = None
    baseline_factory: Callable[[], _Revision] | None = None  # builds ``baseline`` on demand

    @property
    def governance_root(self) -> Path:
        return self.governance.root

    @property
    def changed(self) -> frozenset[str] | None:
        if self.changes is None:
            return None
        return frozenset(p for c in self.changes for p in c.paths)

    @property
    def renames(self) -> dict[str, str]:
        """Scanned path -> baseline path, for renamed (and copied) files."""
        return {c.path: c.old_path for c in (self.changes or ()) if c.old_path}

    def head_snapshot(self) -> Snapshot:
        return self.head.snapshot(self.scope)

    def baseline_snapshot(self) -> Snapshot | None:
        """The baseline's scope, written on first use (only ``--new-only`` needs it)."""
        if self.baseline is None and self.baseline_factory is not None:
            self.baseline = self.baseline_factory()
        if self.baseline is None:
            return None
        self.baseline.write(lambda p: in_scope(p, self.scope))
        return self.baseline.snapshot(self.scope)

    def add_governance(self, folders: Sequence[str]) -> None:
        """Write the governing folders (policy dirs, relative to the repository) into the
        snapshot they are read from."""
        wanted = [f.strip("/") for f in folders]
        self.governance.write(lambda p: any(under(p, f) for f in wanted))

    def governance_changes(self, paths: Mapping[str, Sequence[str]]) -> tuple[
            GovernanceChange, ...]:
        """Changes of the scan to the governing files. ``paths``: kind -> files or folders
        (relative to the repository); config files are recognised by name anywhere."""
        if self.mode != "diff" or not self.changes:
            return ()
        found: list[GovernanceChange] = []
        for change in self.changes:
            kind = _governance_kind(change, paths)
            if kind is not None:
                found.append(GovernanceChange(kind, _STATUS.get(change.status, change.status),
                                              change.path, change.old_path))
        return tuple(found)


def in_scope(name: str, scope: Sequence[str]) -> bool:
    """Same rule as discovery: "" is everything, else the path or a folder above it."""
    return any(s in ("", ".") or under(name, s) for s in scope)


def under(path: str, folder: str) -> bool:
    folder = folder.strip("/")
    return folder in ("", ".") or path == folder or path.startswith(folder + "/")


def _governance_kind(change: Change, paths: Mapping[str, Sequence[str]]) -> str | None:
    for path in change.paths:
        if PurePosixPath(path).name == CONFIG_NAME:
            return "config"
        for kind, entries in paths.items():
            if any(under(path, e) for e in entries):
                return kind
    return None


def is_governing(path: str) -> bool:
    """Files read before the config is known: every config file and the governance folder."""
    return PurePosixPath(path).name == CONFIG_NAME or under(path, GOVERNANCE_DIR)


@contextlib.contextmanager
def open_revisions(root: Path, mode: str, revision: str | None,
                   scope: Sequence[str]) -> Iterator[RevisionScan]:
    """The snapshots of a git-mode scan, removed on exit (whatever happens)."""
    repo = GitRepository(root)
    folder = Path(tempfile.mkdtemp(prefix="gitops-compliance-"))
    try:
        yield _prepare(repo, folder, mode, revision, tuple(scope))
    finally:
        repo.close()
        shutil.rmtree(folder, ignore_errors=True)


def _prepare(repo: GitRepository, folder: Path, mode: str, revision: str | None,
             scope: tuple[str, ...]) -> RevisionScan:
    head = repo.head()

    def wanted(path: str) -> bool:
        return in_scope(path, scope) or is_governing(path)

    if mode == "staged":
        entries, conflicted = repo.index_entries()
        if conflicted:
            raise SourceError(f"unresolved merge conflicts in {', '.join(conflicted[:5])}: "
                              "resolve them before committing")
        scanned = _worktree_revision(repo, entries, folder / "index", head, None, scope)
        changes = repo.staged_changes()
        scan = RevisionScan(mode, scope, scanned, None, scanned, changes, head)
        if head is not None:  # HEAD is read only if --new-only asks for the baseline
            commit = head
            scan.baseline_factory = lambda: _commit_revision(repo, commit, folder / "head",
                                                             scope)
    elif mode == "ref":
        commit = repo.resolve(revision or "HEAD")
        scanned = _commit_revision(repo, commit, folder / "ref", scope)
        scan = RevisionScan(mode, scope, scanned, None, scanned, None)
    elif mode == "diff":
        base = repo.merge_base(revision or "")
        if head is None:  # merge_base has already refused this; keeps the types honest
            raise SourceError("HEAD has no commit yet")
        scanned = _commit_revision(repo, head, folder / "head", scope)
        baseline = _commit_revision(repo, base, folder / "base", scope)
        baseline.write(is_governing)
        scan = RevisionScan(mode, scope, scanned, baseline, baseline,
                            repo.commit_changes(base, head), base)
    else:
        raise SourceError(f"unknown source mode {mode!r}")
    changed = scan.changed or frozenset()
    for entry in scope:
        if entry and not any(under(p, entry) for p in (*scanned.entries, *changed)):
            where = {"staged": "the index", "ref": "that commit", "diff": "HEAD"}[mode]
            raise SourceError(f"{entry}: no such path in {where}")
    scanned.write(wanted)
    return scan


def _commit_revision(repo: GitRepository, commit: str, root: Path,
                     scope: Sequence[str]) -> _Revision:
    entries = repo.commit_entries(commit)
    if commit == repo.head():
        return _worktree_revision(repo, entries, root, commit, commit, scope)
    return _Revision(repo, entries, root, commit, lambda _p: False)


def _worktree_revision(repo: GitRepository, entries: Mapping[str, Entry], root: Path,
                       commit: str | None, against: str | None,
                       scope: Sequence[str]) -> _Revision:
    """A revision the working tree may hold: the index (``against`` None) or HEAD.

    When no tracked file differs from it and no untracked file sits in the scope or among
    the governing files (Checkov reads whole Terraform folders, so a stray file would be
    scanned), the working tree is used in place. Otherwise the differing files come from
    git objects and the others are linked from the working tree.
    """
    differs = repo.worktree_differs(against)
    # A scope entry may be a file whose unit is its whole folder: look one level up too.
    folders = [*scope, *(PurePosixPath(s).parent.as_posix() for s in scope if s in entries)]
    folders = [f if f != "." else "" for f in folders]
    stray = [p for p in repo.untracked() if in_scope(p, folders) or is_governing(p)]
    if not differs and not stray:
        return _Revision(repo, entries, repo.root, commit, lambda _p: True, in_place=True)
    return _Revision(repo, entries, root, commit, lambda p: p not in differs)


def relocate(result: ScanResult, folders: Sequence[Path], root: Path) -> ScanResult:
    """``result`` with every snapshot folder replaced by the repository's paths: findings,
    errors (a Checkov or policy message can name an absolute path), units, exclusions."""
    prefixes: list[str] = []
    for folder in folders:
        for form in {str(folder), os.path.realpath(folder), _relative(folder)}:
            if form:
                prefixes.append(form)
    prefixes.sort(key=len, reverse=True)

    def fix(text: str) -> str:
        for prefix in prefixes:
            if prefix in text:
                text = text.replace(prefix + os.sep, "").replace(prefix + "/", "")
                text = text.replace(prefix, ".")
        return text

    def fix_finding(f: Finding) -> Finding:
        # Most findings name no snapshot path: keep the object (a scan holds thousands).
        file, message = fix(f.file), fix(f.message)
        if file == f.file and message == f.message:
            return f
        return dataclasses.replace(f, file=file, message=message)

    def fix_error(e: ScanError) -> ScanError:
        return dataclasses.replace(e, file=fix(e.file), message=fix(e.message),
                                   unit=fix(e.unit))

    def fix_unit(u: Unit) -> Unit:
        return dataclasses.replace(u, identity=fix(u.identity), directory=fix(u.directory),
                                   files=tuple(fix(f) for f in u.files))

    return dataclasses.replace(
        result,
        root=str(root),
        findings=tuple(fix_finding(f) for f in result.findings),
        errors=tuple(fix_error(e) for e in result.errors),
        units=tuple(fix_unit(u) for u in result.units),
        excluded=tuple((fix(p), fix(r)) for p, r in result.excluded),
        # In diff mode the waivers file is the merge-base's, outside the scanned snapshot.
        waivers=dataclasses.replace(result.waivers, file=fix(result.waivers.file))
        if result.waivers is not None else None,
    )


def _relative(folder: Path) -> str:
    try:
        return os.path.relpath(folder)
    except ValueError:  # another drive (Windows)
        return ""


def waivers_path(config: Any) -> str:
    """The waivers file of ``config`` relative to the scan root (config key ``waivers``,
    added with the waivers work; the default until then)."""
    value = getattr(config, "waivers", None)
    if isinstance(value, Path):
        return value.as_posix()
    return str(value) if isinstance(value, str) and value else DEFAULT_WAIVERS
