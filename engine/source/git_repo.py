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

from engine.limits import LIMIT_CODE, active
from engine.model import ScanError
from engine.source.paths import leads_inside, safe_entry, shown_entry
from engine.source.worktree import SourceError, keep_path

# git's well-known empty tree: the "before" of a repository without commits.
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_SYMLINK = 0o120000
_GITLINK = 0o160000  # a submodule: a commit of another repository, no content here
_MAX_LINK_HOPS = 40  # Linux's limit on links followed in one path lookup (ELOOP)
_LINK_PROBLEMS = {
    "outside": "symbolic link that leads outside the revision (an absolute target or a "
               "'..' above its root): not followed, not scanned",
    "loop": f"symbolic link loop (more than {_MAX_LINK_HOPS} links to follow): not "
            "followed, not scanned",
}
UNSAFE_NAME = ("a name git refuses to check out ('..', '.git', an absolute path) or that is "
               "not UTF-8: not written, not scanned")
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
        try:
            object_format = str(self._repo.git.rev_parse("--show-object-format")).strip()
        except git.GitCommandError:
            object_format = "sha1"  # a git too old to say has only SHA-1
        if object_format != "sha1":
            self._repo.close()
            raise SourceError(f"{root}: a {object_format} repository: only SHA-1 "
                              "repositories can be read (GitPython's object database)")

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

    def first_parent_log(self, tip: str, fmt: str) -> str:
        """``git log --first-parent`` of ``tip`` in ``fmt``, whatever the user's git
        configuration says about signatures, colour or decorations."""
        return str(self._repo.git.log("--first-parent", "-z", f"--format={fmt}",
                                      "--encoding=UTF-8", "--no-color",
                                      "--no-show-signature", tip, "--"))

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
        folders = _Folders(entries)
        folder_links: list[tuple[str, str]] = []  # (link, the folder it leads to)
        for path in sorted(entries):
            entry = entries[path]
            if entry.mode == _GITLINK or not keep_path(path) or not wanted(path):
                continue
            if not safe_entry(path):
                errors.append(ScanError("path-error", UNSAFE_NAME, shown_entry(path)))
                continue
            if entry.mode == _SYMLINK:
                kind, target = _follow_link(path, entries, self._link_text, folders)
                if kind == "file":
                    pending.append((path, entries[target].hexsha))
                elif kind in _LINK_PROBLEMS:
                    errors.append(ScanError("path-error", _LINK_PROBLEMS[kind], path))
                elif kind == "folder" and target and target in folders:
                    folder_links.append((path, target))
                # A link to a folder (or to nothing) is not read as a file, as in a
                # working-tree scan: the folder's own files are scanned where they are.
                continue
            elif reusable(path) and _link_or_copy(self.root / path, dest / path):
                written.append(path)
                continue
            else:
                pending.append((path, entry.hexsha))
        pending += self._link_folders(entries, dest, folder_links,
                                      {path for path, _ in pending} | set(written))
        pending = self._within_size_limit(pending, errors)
        contents = self._read_blobs([sha for _, sha in pending])
        inside: dict[Path, bool] = {}  # each folder resolved once, not once per file
        for (path, _), data in zip(pending, contents, strict=True):
            out = dest / path
            if out.parent not in inside:
                inside[out.parent] = leads_inside(dest, out.parent)
            if not inside[out.parent]:  # a folder link on the way leads out
                errors.append(ScanError("path-error", UNSAFE_NAME, shown_entry(path)))
                continue
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
            written.append(path)
        return sorted(written), errors

    def _link_folders(self, entries: Mapping[str, Entry], dest: Path,
                      links: list[tuple[str, str]], queued: set[str]) -> list[tuple[str, str]]:
        """Write each link to a folder of the revision as a link, as a checkout has it, and
        queue the regular files of the folder it leads to: Helm follows folder links inside
        a chart, and must see in a snapshot what it sees in the working tree."""
        more: list[tuple[str, str]] = []
        for path, target in links:
            link = dest / path
            link.parent.mkdir(parents=True, exist_ok=True)
            if not link.is_symlink() and not link.exists():
                link.symlink_to(os.path.relpath(dest / target, link.parent),
                                target_is_directory=True)
            prefix = target + "/"
            for name, entry in entries.items():
                if (name.startswith(prefix) and entry.mode not in (_SYMLINK, _GITLINK)
                        and keep_path(name) and name not in queued):
                    queued.add(name)
                    more.append((name, entry.hexsha))
        return more

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

    def _link_text(self, sha: str) -> str:
        return self._read_blobs([sha])[0].decode("utf-8", errors="replace")

    def _read_blobs(self, shas: Iterable[str]) -> list[bytes]:
        """Blob contents, raw (no smudge filter runs: a filter could fetch or execute)."""
        odb = self._repo.odb
        return [odb.stream(bytes.fromhex(sha)).read() for sha in shas]

    def close(self) -> None:
        self._repo.close()


class _Folders:
    """The folders of a revision (every parent of an entry), computed on first use: only
    a revision with a symlink in it needs them."""

    def __init__(self, entries: Mapping[str, Entry]) -> None:
        self._entries = entries
        self._folders: set[str] | None = None

    def __contains__(self, path: str) -> bool:
        if self._folders is None:
            self._folders = {str(parent) for name in self._entries
                             for parent in PurePosixPath(name).parents}
        return path in self._folders


def _follow_link(path: str, entries: Mapping[str, Entry], link_text: Callable[[str], str],
                 folders: _Folders) -> tuple[str, str]:
    """Where the link at ``path`` leads inside the revision, as the kernel would resolve it
    in a checkout: ("file", its path), ("folder", ...), ("missing", ...), ("outside", ...)
    (an absolute target or ``..`` above the root, at any hop) or ("loop", ...) (more than
    ``_MAX_LINK_HOPS`` links on the way). Links met on the way — the target itself or a
    folder of its path — are followed, each target relative to the link's own folder."""
    hops = 0
    done: list[str] = []
    todo = path.split("/")
    while todo:
        part = todo.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            if not done:
                return "outside", ""
            done.pop()
            continue
        done.append(part)
        entry = entries.get("/".join(done))
        if entry is None:
            if todo and "/".join(done) not in folders:
                return "missing", ""  # ENOENT in a checkout, whatever ".." follows
            continue
        if entry.mode == _SYMLINK:
            hops += 1
            if hops > _MAX_LINK_HOPS:
                return "loop", ""
            text = link_text(entry.hexsha)
            if text.startswith("/"):
                return "outside", ""
            done.pop()
            todo = [*text.split("/"), *todo]
        elif todo and entry.mode != _GITLINK:
            return "missing", ""  # a file used as a folder: ENOTDIR in a checkout
    target = "/".join(done)
    entry = entries.get(target)
    if entry is not None and entry.mode != _GITLINK:
        return "file", target
    if not target or entry is not None or target in folders:
        return "folder", target  # a submodule is a folder too, with nothing of it here
    return "missing", target


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
