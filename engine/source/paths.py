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
    try:
        (root / joined).resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return None
    return joined
