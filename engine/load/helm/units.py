"""Every Helm unit of a scan, rendered with one worker: the entry point of the pipeline.

Chart units come from discovery (config sets, or defaults + ``values-*.yaml``); descriptor
units from the Argo CD Applications and Flux HelmReleases among the scope's Kubernetes
objects. Each unit's identity is ``chart:<path>@<values set>``, so the same object rendered
for dev and for prod keeps two fingerprints.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.config import HelmConfig
from engine.discover.helm import ValuesSet, chart_files
from engine.limits import active
from engine.load.helm.chart import ChartLoad, chart_inputs, load_chart
from engine.load.helm.descriptors import plan_descriptors
from engine.load.helm.renderer import Renderer, RenderLimits
from engine.model import Resource, ScanError, Unit, UnitKind

if TYPE_CHECKING:
    from engine.cache.loads import LoadCache


@dataclass
class HelmLoad:
    units: list[Unit] = field(default_factory=list)  # descriptor units (chart units exist)
    resources: dict[str, list[Resource]] = field(default_factory=dict)  # identity -> ...
    errors: list[ScanError] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # identity -> render seconds


def load_helm(root: Path, units: Sequence[Unit], values_sets: Mapping[str, ValuesSet],
              kubernetes: Sequence[Resource], charts: Sequence[str], files: Sequence[str],
              config: HelmConfig, excluded: Collection[str] = (),
              loads: LoadCache | None = None,
              skipped: Callable[[Unit, str], ScanError] | None = None,
              spent: Callable[[], bool] | None = None) -> HelmLoad:
    """``spent`` tells when the scan's time budget has run out: charts not rendered by then
    become ``skipped(unit, stage)`` errors."""
    import time

    result = HelmLoad()
    plan = plan_descriptors(root, kubernetes, charts, config.namespace)
    result.errors.extend(plan.errors)
    todo: list[tuple[Unit, ValuesSet]] = [
        (u, values_sets[u.identity]) for u in units
        if u.kind is UnitKind.HELM and u.identity in values_sets]
    known = {u.identity for u, _ in todo}
    for values_set in plan.values_sets:
        if values_set.identity in known:
            continue
        known.add(values_set.identity)
        members = chart_files(values_set.chart, files)
        unit = Unit(UnitKind.HELM, values_set.identity, values_set.chart,
                    tuple(sorted({*members, *values_set.files, values_set.origin})))
        result.units.append(unit)
        todo.append((unit, values_set))
    if not todo:
        return result
    limits = RenderLimits(config.timeout_seconds, config.memory_mb, active().helm_output_bytes)
    # Every values set of a chart reads the same chart files: walk each chart once.
    chart_reads: dict[str, list[str] | None] = {}
    with Renderer(limits) as renderer:
        for unit, values_set in todo:
            if spent is not None and skipped is not None and spent():
                result.errors.append(skipped(unit, "rendering"))
                continue
            started = time.perf_counter()
            members = chart_files(values_set.chart, files)

            def render(values_set: ValuesSet = values_set, members: Sequence[str] = members,
                       ) -> ChartLoad:
                return load_chart(root, values_set, members, renderer, excluded)

            if loads is not None and values_set.chart not in chart_reads:
                chart_reads[values_set.chart] = chart_inputs(root, values_set.chart)
            read = chart_reads.get(values_set.chart)
            if loads is None or read is None:
                loaded = render()  # no cache, or a chart load_chart refuses (never cached)
            else:
                # "walk": renders keyed before links were followed are not reused.
                how = {"values_set": _json_safe(dataclasses.asdict(values_set)),
                       "excluded": sorted(excluded), "sdk": _sdk_version(),
                       "walk": "links-followed"}
                inputs = {*members, *read, *values_set.files,
                          *filter(None, [values_set.origin])}
                loaded = loads.rendered(unit.identity, how, sorted(inputs), render)
            result.timings[unit.identity] = time.perf_counter() - started
            result.resources[unit.identity] = list(loaded.resources)
            result.errors.extend(loaded.errors)
    return result


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, sort_keys=True, default=str))


def _sdk_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("helm-python-sdk")
    except PackageNotFoundError:
        return "not installed"
