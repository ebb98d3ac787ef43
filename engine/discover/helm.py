"""Helm charts and the values sets each is rendered with (DESIGN.md §3, "discover").

A chart is a folder with ``Chart.yaml``; its subcharts (``charts/*``) are part of it. Values
sets, per chart: those the config lists; with none listed, the chart's defaults plus one set
per ``values-*.yaml`` beside ``Chart.yaml`` (``ci/*-values.yaml`` files are Helm's own test
inputs, not environments). GitOps descriptors add their own sets at load time
(engine/load/helm/descriptors.py). This module only reads the file list: no YAML, no Helm.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from engine.config import HelmChartConfig, HelmConfig
from engine.model import Unit, UnitKind

DEFAULTS_SET = "defaults"
_VALUES_PREFIX = "values-"
_VALUES_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class ValuesSet:
    """How one Helm unit is rendered. Paths are relative to the scan root, POSIX."""

    chart: str  # the chart folder ("" when the chart is the scan root)
    name: str  # "defaults", "values-prod.yaml", a configured name, or a descriptor address
    files: tuple[str, ...] = ()  # values files merged over the chart defaults, in order
    inline: tuple[Mapping[str, Any], ...] = ()  # inline values, merged after the files
    set_values: tuple[str, ...] = ()  # ``--set`` expressions (Argo CD parameters), last
    set_string_values: tuple[str, ...] = ()  # ``--set-string`` (forceString parameters)
    release_name: str = ""
    namespace: str = ""
    origin: str = ""  # the descriptor file that asked for this set ("" for chart sets)
    origin_line: int = 0

    @property
    def identity(self) -> str:
        return unit_identity(self.chart, self.name)


def unit_identity(chart: str, values_set: str) -> str:
    """``chart:<path>@<values set>`` (model.Unit): what fingerprints of rendered objects use."""
    return f"chart:{chart or '.'}@{values_set}"


@dataclass(frozen=True)
class ChartPlan:
    units: tuple[Unit, ...] = ()
    values_sets: Mapping[str, ValuesSet] = field(default_factory=dict)  # identity -> set


def chart_files(chart: str, files: Sequence[str]) -> tuple[str, ...]:
    prefix = f"{chart}/" if chart else ""
    return tuple(sorted(f for f in files if f.startswith(prefix)))


def plan_charts(charts: Sequence[str], files: Sequence[str], config: HelmConfig) -> ChartPlan:
    """One unit per (chart, values set) for the charts in scope."""
    units: list[Unit] = []
    sets: dict[str, ValuesSet] = {}
    for chart in sorted(charts):
        settings = config.charts.get(chart)
        release = ((settings.release_name if settings else None) or config.release_name
                   or release_from(PurePosixPath(chart or ".").name))
        namespace = (settings.namespace if settings else None) or config.namespace
        members = chart_files(chart, files)
        for name, values_files in _sets_of(chart, members, settings):
            values_set = ValuesSet(chart=chart, name=name, files=values_files,
                                   release_name=release, namespace=namespace)
            sets[values_set.identity] = values_set
            units.append(Unit(UnitKind.HELM, values_set.identity, chart,
                              tuple(sorted(set(members) | set(values_files)))))
    return ChartPlan(tuple(units), sets)


def _sets_of(chart: str, members: Sequence[str],
             settings: HelmChartConfig | None) -> list[tuple[str, tuple[str, ...]]]:
    prefix = f"{chart}/" if chart else ""
    if settings is not None and settings.values_sets:
        return [(name, tuple(_join(chart, f) for f in values_files))
                for name, values_files in sorted(settings.values_sets.items())]
    found: list[tuple[str, tuple[str, ...]]] = [(DEFAULTS_SET, ())]
    for name in members:
        base = name[len(prefix):]
        if "/" not in base and base.startswith(_VALUES_PREFIX) and base.endswith(
                _VALUES_SUFFIXES):
            found.append((base, (name,)))
    return found


def _join(chart: str, path: str) -> str:
    return str(PurePosixPath(chart) / path) if chart else path


def release_from(name: str) -> str:
    """A release name Helm accepts (DNS label, <= 53 characters) from a chart's name."""
    cleaned = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    return (cleaned or "release")[:53].rstrip("-") or "release"
