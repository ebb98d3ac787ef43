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
from engine.source.paths import leads_inside, real_path

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
    hazard = _chart_hazard(root, chart_dir)
    if hazard is not None:
        # Helm follows symlinks while loading a chart and reads every file of it whole: a
        # link leading out of the repository would have it read (and us scan) a file that
        # is not part of it, a FIFO would block it, a huge file fill its memory. The chart
        # is not handed to Helm at all.
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


def _chart_hazard(root: Path, chart_dir: Path) -> tuple[str, str, str] | None:
    """What Helm must not be handed, as (path, why, error code), or None.

    A link leading out of the repository comes first, whatever else is found (see
    :func:`_walk_chart`); then a file Helm would read whole that is not a regular file (a
    FIFO blocks it), is over ``limits.file_bytes`` or is binary with an IaC name.
    """
    for parent in (chart_dir, *chart_dir.parents):  # the chart folder or a folder above it
        if parent == root:
            break
        if parent.is_symlink() and not leads_inside(root, parent):
            return _leaving(parent.relative_to(root).as_posix())
    leaving, files = _walk_chart(root, chart_dir)
    if leaving:
        return _leaving(leaving)
    limit = active().file_bytes
    for relative, path, info in files:
        if not stat.S_ISREG(info.st_mode):
            return relative, f"{file_type(info.st_mode)}, not a regular file", "path-error"
        if info.st_size > limit:
            return relative, (f"file of {info.st_size} bytes: over the limit "
                              f"{active().describe('file_bytes')}"), LIMIT_CODE
        if is_iac_name(path.name):
            try:
                problem = binary_problem(path.read_bytes())
            except OSError:
                continue
            if problem:
                return relative, f"{problem}, not text", BINARY_CODE
    return None


def _walk_chart(root: Path, chart_dir: Path,
                ) -> tuple[str, list[tuple[str, Path, os.stat_result]]]:
    """The chart folder walked as Helm's loader walks it: symlinks followed, to files and
    to folders, at any depth (each real folder once, so a link loop ends the walk). Returns
    the first link that resolves outside ``root`` ("" when none; the walk stops there) and
    every non-folder entry reached, by its path through the links (relative to ``root``).
    """
    files: list[tuple[str, Path, os.stat_result]] = []
    visited: set[Path] = set()
    folders = [chart_dir]
    while folders:
        folder = folders.pop()
        real = real_path(folder)
        if real is None or real in visited:
            continue
        visited.add(real)
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue  # Helm reports an unreadable folder itself
        below: list[Path] = []
        for name in names:
            path = folder / name
            relative = path.relative_to(root).as_posix()
            if path.is_symlink() and not leads_inside(root, path):
                return relative, files
            try:
                info = path.stat()
            except OSError:
                continue  # a dangling link or a loop: Helm reports it itself
            if stat.S_ISDIR(info.st_mode):
                below.append(path)
            else:
                files.append((relative, path, info))
        folders.extend(reversed(below))  # depth first, in name order
    return "", files


def chart_inputs(root: Path, chart: str) -> list[str] | None:
    """Every file Helm reads for ``chart`` (relative to ``root``), including those reached
    through symlinked folders: what a cached render must be keyed on, since a change to a
    linked template changes the render though no file of the chart's own listing changed.

    None when the chart has a link leading out of the repository, a file that is not a
    regular one or a file over ``limits.file_bytes``: such a chart is never rendered, so it
    must not be looked up in the cache either (an entry stored by an older version that
    rendered it would be served), and those files must not be read to hash them (a FIFO
    would block, a huge file fill the memory).
    """
    chart_dir = root / chart if chart else root
    leaving, files = _walk_chart(root, chart_dir)
    limit = active().file_bytes
    if leaving or any(not stat.S_ISREG(info.st_mode) or info.st_size > limit
                      for _, _, info in files):
        return None
    return sorted(relative for relative, _, _ in files)


def _leaving(relative: str) -> tuple[str, str, str]:
    return relative, "a symlink that leads out of the repository", "path-error"


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
