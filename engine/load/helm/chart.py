"""One Helm unit (a chart with one values set) -> Kubernetes resources.

What an install would create: the chart rendered with the release name and namespace, every
namespaced object without ``metadata.namespace`` placed in the release namespace (as Helm
does when it applies them), hooks and test hooks included (they are created too), CRDs from
``crds/`` included, ``NOTES.txt`` left out. Each resource keeps the chart, the values set and
the template it came from (``source``), and its file and line are the template's.
"""

from __future__ import annotations

import dataclasses
import os
import re
import stat
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from engine.discover.helm import ValuesSet
from engine.limits import (
    BINARY_CODE,
    LIMIT_CODE,
    active,
    binary_problem,
    file_type,
    is_iac_name,
)
from engine.load.helm.dependencies import missing_dependencies
from engine.load.helm.renderer import Renderer
from engine.load.helm.source_map import SourceMap, object_line
from engine.load.helm.values import ValuesProblem, merge, read_values_file
from engine.load.kubernetes import CLUSTER_SCOPED_KINDS, load_text, yaml_loader
from engine.load.redact_text import scrub, secret_strings, set_expression_secrets
from engine.model import Resource, ScanError

RENDER_ERROR = "render-error"
_MAX_MESSAGE = 600
# Helm locates template errors as "(<chart>/templates/x.yaml:6:8)" or "template: <key>:6:8:".
_HELM_LOCATION = re.compile(r"(?:\(|template: )([^\s():]+\.(?:ya?ml|tpl|txt|json)):(\d+)")


@dataclass(frozen=True)
class ChartLoad:
    resources: tuple[Resource, ...]
    errors: tuple[ScanError, ...]


def load_chart(root: Path, values_set: ValuesSet, files: Sequence[str],
               renderer: Renderer, excluded: Collection[str] = ()) -> ChartLoad:
    """Render ``values_set`` and load what it renders. ``files`` are the chart's files in the
    scan; objects from a template in ``excluded`` (config exclusions, which every report
    lists) are left out — Helm itself loads the whole chart folder."""
    chart_yaml = _in_chart(values_set.chart, "Chart.yaml")
    label = f"chart {values_set.chart or '.'} (values set {values_set.name})"

    def error(message: str, file: str = chart_yaml, line: int = 0,
              code: str = RENDER_ERROR) -> ChartLoad:
        return ChartLoad((), (ScanError(code or RENDER_ERROR, f"{label}: {message}", file, line,
                                        values_set.identity),))

    values: dict[str, Any] = {}
    try:
        for name in values_set.files:
            values = merge(values, read_values_file(root, name))
    except ValuesProblem as problem:
        return error(problem.message, problem.file, problem.line, problem.code)
    for inline in values_set.inline:
        values = merge(values, inline)

    chart_dir = root / values_set.chart if values_set.chart else root
    escaping = _link_leaving(root, chart_dir)
    if escaping:
        # Helm follows symlinks while loading a chart: one that leads out of the repository
        # would have Helm read (and us scan) a file that is not part of it.
        return error(f"{escaping} is a symlink that leads out of the repository; the chart "
                     "was not rendered", escaping, code="path-error")
    hazard = _unloadable_file(root, chart_dir)
    if hazard is not None:
        # Helm reads every file of the chart folder whole: a FIFO would block it, a huge
        # file fill its memory. Neither is handed to it.
        name, message, code = hazard
        return error(f"{name}: {message}; the chart was not rendered", name, code=code)
    answer = renderer.render(chart_dir, values,
                             name=values_set.release_name, namespace=values_set.namespace,
                             set_values=values_set.set_values,
                             set_string_values=values_set.set_string_values)
    source_map = SourceMap(root, values_set.chart, files)
    if not answer.ok:
        # Helm's loader may name the chart by its absolute path: keep paths repository-relative.
        message = _one_line(answer.error.replace(f"{root}/", "").replace(str(root), ".")) or (
            "Helm failed without a message")
        message = scrub(message, _render_secrets(chart_dir, values, values_set))
        file, line = chart_yaml, 0
        located = _HELM_LOCATION.search(message)
        if located:
            file, line = source_map.source(located.group(1)).file, int(located.group(2))
        if answer.limit:
            return error(message, file, line, code=LIMIT_CODE)
        return error(f"Helm could not render it: {message}", file, line)

    payload = answer.payload
    missing = missing_dependencies(payload.get("declared") or [], payload.get("vendored") or [],
                                   payload.get("merged") or {})
    if missing:
        return error(f"enabled dependencies are not vendored under charts/: "
                     f"{', '.join(missing)}. Helm would render the chart without their objects; "
                     f"vendor them (helm dependency build) or disable them with their "
                     f"condition", chart_yaml, _dependency_line(root, chart_yaml, missing[0]))

    resources: list[Resource] = []
    errors: list[ScanError] = []
    rendered: dict[str, str] = dict(payload.get("manifests") or {})
    for crd in payload.get("crds") or []:
        if isinstance(crd, Mapping) and isinstance(crd.get("data"), str):
            key = str(crd.get("filename") or crd.get("name") or "crds")
            rendered.setdefault(key, crd["data"])
    for key in sorted(rendered):
        text = rendered[key]
        if PurePosixPath(key).name == "NOTES.txt" or not isinstance(text, str) or not text.strip():
            continue
        source = source_map.source(key)
        if source.file in excluded:
            continue
        found, problems = load_text(text, source.file, _placer(values_set.namespace))
        seen: dict[str, int] = {}
        for resource in found:
            occurrence = seen.get(resource.type, 0)
            seen[resource.type] = occurrence + 1
            resources.append(dataclasses.replace(
                resource, line=object_line(source.text, resource.type, occurrence),
                extra={**resource.extra, "source": {"chart": values_set.chart or ".",
                                                    "values": values_set.name,
                                                    "template": source.template}}))
        errors.extend(ScanError(p.code, f"{label}: rendered output of {source.template}: "
                                f"{p.message}", source.file, 0, values_set.identity)
                      for p in problems)
    return ChartLoad(tuple(resources), tuple(errors))


def _placer(namespace: str) -> Any:
    def place(obj: Mapping[str, Any]) -> Mapping[str, Any]:
        metadata = obj.get("metadata")
        if (str(obj.get("kind")) in CLUSTER_SCOPED_KINDS or not isinstance(metadata, Mapping)
                or metadata.get("namespace")):
            return obj
        return {**obj, "metadata": {**metadata, "namespace": namespace}}
    return place


def _link_leaving(root: Path, chart_dir: Path) -> str:
    """The first symlink under the chart that resolves outside ``root`` ("" when none)."""
    base = root.resolve()
    for parent in (chart_dir, *chart_dir.parents):  # the chart folder or a folder above it
        if parent == root:
            break
        if parent.is_symlink():
            try:
                parent.resolve().relative_to(base)
            except (ValueError, OSError):
                return parent.relative_to(root).as_posix()
    for folder, dirs, names in os.walk(chart_dir):
        for name in sorted([*dirs, *names]):
            path = Path(folder) / name
            if path.is_symlink():
                try:
                    path.resolve().relative_to(base)
                except (ValueError, OSError):
                    return path.relative_to(root).as_posix()
        dirs.sort()
    return ""


def _unloadable_file(root: Path, chart_dir: Path) -> tuple[str, str, str] | None:
    """The first file under the chart Helm must not load: not a regular file, or larger
    than ``limits.file_bytes`` — (path, why, error code), or None."""
    limit = active().file_bytes
    for folder, dirs, names in os.walk(chart_dir):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            try:
                info = path.stat()
            except OSError:
                continue  # a dangling link: Helm reports it itself
            relative = path.relative_to(root).as_posix()
            if not stat.S_ISREG(info.st_mode):
                return relative, f"{file_type(info.st_mode)}, not a regular file", "path-error"
            if info.st_size > limit:
                return relative, (f"file of {info.st_size} bytes: over the limit "
                                  f"{active().describe('file_bytes')}"), LIMIT_CODE
            if is_iac_name(name):
                try:
                    problem = binary_problem(path.read_bytes())
                except OSError:
                    continue
                if problem:
                    return relative, f"{problem}, not text", BINARY_CODE
    return None


def _in_chart(chart: str, name: str) -> str:
    return f"{chart}/{name}" if chart else name


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _MAX_MESSAGE else flat[: _MAX_MESSAGE - 1] + "…"


def _dependency_line(root: Path, chart_yaml: str, name: str) -> int:
    bare = name.split(" ", 1)[0]
    try:
        lines = (root / chart_yaml).read_text(encoding="utf-8").splitlines()
    except OSError:
        return 0
    pattern = re.compile(r"^\s*-?\s*name\s*:\s*[\"']?" + re.escape(bare) + r"[\"']?\s*$")
    for index, text in enumerate(lines):
        if pattern.match(text):
            return index + 1
    return 0


def _render_secrets(chart_dir: Path, values: Mapping[str, Any], values_set: ValuesSet,
                    ) -> set[str]:
    """What Helm's error text may quote and must not: secret-named values of the values set,
    its --set expressions and the chart's own values.yaml (which Helm merged in)."""
    found = secret_strings(values) | set_expression_secrets(
        (*values_set.set_values, *values_set.set_string_values))
    try:
        defaults = yaml.load((chart_dir / "values.yaml").read_text(encoding="utf-8"),
                             Loader=yaml_loader())
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return found
    return found | secret_strings(defaults)
