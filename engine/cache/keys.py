"""Digests a cache entry is keyed on (docs/cache.md).

A key is the SHA-256 of a canonical JSON document holding everything the cached result can
depend on. Over-approximating is safe (an extra miss); missing a dependency is not (a stale
hit), so the documents err on the side of including more.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from engine.cache.store import FORMAT

# A local module call: Terraform requires a literal source, and a local one starts with
# ./ or ../ (anything else is a registry or remote module, which the engines never fetch).
_LOCAL_SOURCE = re.compile(rb'\bsource\s*=\s*"(\.{1,2}/[^"]*)"')


def digest(document: Any) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class FileHashes:
    """SHA-256 of file bytes, each file read once per scan ("" when unreadable: a file that
    cannot be read now keys differently from any content it may have later)."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._known: dict[str, str] = {}

    def of(self, relative: str) -> str:
        if relative not in self._known:
            try:
                data = (self._root / relative).read_bytes()
            except OSError:
                self._known[relative] = ""
            else:
                self._known[relative] = hashlib.sha256(data).hexdigest()
        return self._known[relative]

    def listing(self, files: Iterable[str]) -> list[tuple[str, str]]:
        return [(name, self.of(name)) for name in sorted(set(files))]

    def folder(self, directory: str) -> list[tuple[str, str]]:
        """Every regular file directly in ``directory`` (relative to the root): what an
        engine reading that module directory could see."""
        base = self._root / directory if directory not in ("", ".") else self._root
        try:
            entries = sorted(e.name for e in os.scandir(base) if e.is_file())
        except OSError:
            return [(directory, "")]
        prefix = "" if directory in ("", ".") else directory.rstrip("/") + "/"
        return self.listing(prefix + name for name in entries)


def local_module_dirs(root: Path, directory: str) -> list[str]:
    """Directories (relative to the root, normalized) that ``directory``'s ``.tf`` files
    call as local modules. A path that leaves the root is kept as written (``../x``)."""
    base = root / directory if directory not in ("", ".") else root
    found: set[str] = set()
    try:
        names = sorted(e.name for e in os.scandir(base) if e.is_file() and
                       e.name.endswith((".tf", ".hcl")))
    except OSError:
        return []
    for name in names:
        try:
            data = (base / name).read_bytes()
        except OSError:
            continue
        for match in _LOCAL_SOURCE.finditer(data):
            source = match.group(1).decode("utf-8", "replace").split("//")[0]
            joined = os.path.normpath(os.path.join(directory or ".", source))
            found.add(PurePosixPath(Path(joined)).as_posix())
    return sorted(found)


def module_graph(root: Path, directories: Sequence[str]) -> dict[str, list[str]]:
    """For each directory, every directory it reaches through local module calls
    (transitively, itself excluded)."""
    direct: dict[str, list[str]] = {}

    def calls(directory: str) -> list[str]:
        if directory not in direct:
            direct[directory] = local_module_dirs(root, directory)
        return direct[directory]

    reach: dict[str, list[str]] = {}
    for start in directories:
        seen: set[str] = set()
        stack = list(calls(start))
        while stack:
            current = stack.pop()
            if current in seen or current == start:
                continue
            seen.add(current)
            stack.extend(calls(current))
        reach[start] = sorted(seen)
    return reach


def engine_context(versions: Mapping[str, str], severity_map: Path | None) -> dict[str, Any]:
    """What every entry depends on: the cache format and the versions of the engines."""
    severity = ""
    if severity_map is not None:
        try:
            severity = hashlib.sha256(severity_map.read_bytes()).hexdigest()
        except OSError:
            severity = "unreadable"
    from engine.load.redact import REDACTION_RULES

    return {"format": FORMAT, "versions": dict(sorted(versions.items())),
            "severity_map": severity, "redaction": REDACTION_RULES}
