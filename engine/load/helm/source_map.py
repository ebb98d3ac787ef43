"""Rendered objects back to where a user can fix them: template file and line.

Helm names each rendered template by its ``# Source:`` key, ``<chart name>/templates/x.yaml``
or ``<chart name>/charts/<sub>/templates/y.yaml``. The key maps to a file of the repository:
the template itself, or — for a subchart vendored as a ``.tgz`` — the archive.

The line: rendered output has no line map back to the template (Go templates keep none), so
the object's start is searched in the template source: the ``kind: <Kind>`` line of the n-th
object of that kind the template produced (the last one when a loop produced more objects than
the template spells out), then the ``apiVersion:`` line that opens that object. When the kind
itself is computed (``kind: {{ .Values.kind }}``), a template with a single top-level
``apiVersion:`` line gives that line; otherwise the line is unknown: 0.
"""

from __future__ import annotations

import re
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

_DOC_SEPARATOR = re.compile(r"^---")
_API_VERSION = re.compile(r"^\s*apiVersion\s*:")


@dataclass(frozen=True)
class TemplateSource:
    file: str  # repository path: the template, or the .tgz archive holding it
    template: str  # relative to the chart folder: templates/x.yaml, charts/sub/templates/y.yaml
    text: str | None  # the template's source, when it could be read


class SourceMap:
    """Template keys of one chart -> repository files, with template sources cached."""

    def __init__(self, root: Path, chart: str, files: Sequence[str]) -> None:
        self._root = root
        self._chart = chart
        self._files = set(files)
        self._archives: dict[str, str] | None = None
        self._cache: dict[str, TemplateSource] = {}

    def source(self, key: str) -> TemplateSource:
        if key not in self._cache:
            self._cache[key] = self._locate(key)
        return self._cache[key]

    def _locate(self, key: str) -> TemplateSource:
        parts = PurePosixPath(key).parts
        template = "/".join(parts[1:]) if len(parts) > 1 else key
        direct = self._repo_path(template)
        if direct in self._files:
            return TemplateSource(direct, template, self._read(direct))
        # charts/<sub>/... of a subchart that is an archive in charts/
        if len(parts) > 3 and parts[1] == "charts":
            archive = self._archive_for(parts[2])
            if archive is not None:
                inner = "/".join(parts[2:])
                return TemplateSource(archive, template, self._read_member(archive, inner))
        return TemplateSource(direct, template, None)

    def _repo_path(self, relative: str) -> str:
        return f"{self._chart}/{relative}" if self._chart else relative

    def _read(self, name: str) -> str | None:
        try:
            return (self._root / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    def _archive_for(self, subchart: str) -> str | None:
        if self._archives is None:
            self._archives = {}
            prefix = self._repo_path("charts/")
            for name in sorted(self._files):
                rest = name[len(prefix):] if name.startswith(prefix) else None
                if rest is None or "/" in rest or not rest.endswith(".tgz"):
                    continue
                top = _archive_chart_name(self._root / name)
                if top:
                    self._archives.setdefault(top, name)
        return self._archives.get(subchart)

    def _read_member(self, archive: str, inner: str) -> str | None:
        try:
            with tarfile.open(self._root / archive, "r:gz") as tar:
                member = tar.extractfile(inner)
                if member is None:
                    return None
                return member.read(4 << 20).decode("utf-8", errors="replace")
        except (OSError, tarfile.TarError, KeyError):
            return None


def _archive_chart_name(path: Path) -> str:
    """The top folder of a chart archive (Helm's chart name inside it)."""
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                top = PurePosixPath(member.name).parts
                if top:
                    return top[0]
    except (OSError, tarfile.TarError):
        return ""
    return ""


def object_line(template_text: str | None, kind: str, occurrence: int) -> int:
    """1-based line in the template where the ``occurrence``-th (0-based) object of ``kind``
    it rendered starts; 0 when it cannot be found."""
    if not template_text:
        return 0
    lines = template_text.splitlines()
    pattern = re.compile(r"^\s*kind\s*:\s*[\"']?" + re.escape(kind) + r"[\"']?\s*(#.*)?$")
    matches = [index for index, text in enumerate(lines) if pattern.match(text)]
    # An object's own kind is at the left margin; an indented one belongs to something nested
    # (a List item, an embedded object) and counts only when no top-level one exists.
    top_level = [index for index in matches if not lines[index][:1].isspace()]
    matches = top_level or matches
    if not matches:
        # A computed kind: a template that holds a single object still says where it is.
        starts = [index for index, text in enumerate(lines) if _API_VERSION.match(text)
                  and not text[:1].isspace()]
        return starts[0] + 1 if len(starts) == 1 else 0
    kind_index = matches[min(occurrence, len(matches) - 1)]
    for index in range(kind_index, -1, -1):
        text = lines[index]
        if index < kind_index and _DOC_SEPARATOR.match(text):
            break
        # the apiVersion of this object (same indentation), not of one nested above it
        if _API_VERSION.match(text) and _indent(text) == _indent(lines[kind_index]):
            return index + 1
    return kind_index + 1


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())
