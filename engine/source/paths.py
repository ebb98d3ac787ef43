"""Repository-relative paths that cannot leave the repository (docs/limits.md, "Paths").

Every reference a scanned file makes to another file — a values file, a chart folder, a
Terraform module source, a symlink's target in git — goes through here: ``..`` may climb
inside the repository, never above its root.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath


def join_inside(base: str, relative: str) -> str | None:
    """``relative`` (POSIX or Windows separators) joined to the repository folder ``base``
    and normalized lexically; None when it is absolute or climbs above the root."""
    parts = [p for p in base.split("/") if p not in ("", ".")]
    for part in PurePosixPath(relative.replace("\\", "/")).parts:
        if part in ("", "."):
            continue
        if part == "/":
            return None
        if part == "..":
            if not parts:
                return None
            parts.pop()
            continue
        parts.append(part)
    return "/".join(parts)


def resolve_inside(root: Path, base: str, relative: str) -> str | None:
    """:func:`join_inside`, and None too when a symlink on the way leads out of ``root``."""
    joined = join_inside(base, relative)
    if joined is None:
        return None
    return joined if leads_inside(root, root / joined) else None


def real_inside(root: Path, relative: str) -> str | None:
    """Where ``relative`` really is once every symlink on the way is followed, relative to
    ``root`` ("" for the root itself); None when that is outside ``root`` or the links
    loop. Used where a path is matched against what the scan discovered: a link names the
    folder it leads to, not a folder of its own."""
    joined = join_inside("", relative)
    if joined is None:
        return None
    base = real_path(root)
    real = real_path(root / joined)
    if base is None or real is None:
        return None
    try:
        found = real.relative_to(base).as_posix()
    except ValueError:
        return None
    return "" if found == "." else found


def real_path(path: Path) -> Path | None:
    """``path`` with every symlink followed (it need not exist); None when links loop.

    ``Path.resolve`` raises RuntimeError on a loop before Python 3.13 and OSError after:
    both mean the same here."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        return None


def leads_inside(root: Path, path: Path) -> bool:
    """True when ``path``, links followed, is ``root`` or under it (``root`` itself taken
    with its links followed too)."""
    base, real = real_path(root), real_path(path)
    if base is None or real is None:
        return False
    return real == base or base in real.parents


def safe_entry(path: str) -> bool:
    """Whether a path read from a git tree may be written under a snapshot folder: git's own
    checkout refuses the others (``..``, ``.``, empty components, ``.git``, a leading
    ``/``), and a name that is not UTF-8 could not be named in any report."""
    if not path or path.startswith("/"):
        return False
    if any(part in ("", ".", "..") or part.lower() == ".git" for part in path.split("/")):
        return False
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes, kept as surrogates by the decoder
        return False
    return True


def shown_entry(path: str) -> str:
    """A tree path as a report may print it: undecodable bytes as ``\\xNN``."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def relative_inside(path: Path, folder: Path) -> str:
    """``path`` relative to ``folder`` (POSIX, links followed), "" when it is outside it."""
    try:
        return path.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return ""
