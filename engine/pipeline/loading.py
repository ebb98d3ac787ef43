"""Load: every unit's resources (Terraform modules, plans, Kubernetes manifests), and the
Helm charts rendered into units of their own."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.discover.units import Discovery
from engine.globs import path_matches
from engine.limits import unrepresentable_number
from engine.load import kubernetes as k8s_loader
from engine.model import Finding, Resource, ScanError, Unit, UnitKind
from engine.pipeline.request import Loaded, ScanRequest, UnitLoad, guarded

if TYPE_CHECKING:
    from engine.cache.loads import LoadCache
    from engine.pipeline.budget import Budget

def load_unit(root: Path, unit: Unit, loads: LoadCache | None = None) -> UnitLoad | None:
    if loads is not None and unit.kind in (UnitKind.TERRAFORM, UnitKind.TERRAFORM_PLAN):
        result: UnitLoad | None = loads.unit(unit, lambda: load_unit(root, unit))
        return result
    if loads is not None and unit.kind is UnitKind.KUBERNETES:
        return loads.manifests(root, unit.files)
    from engine.load import terraform as tf_loader

    if unit.kind is UnitKind.TERRAFORM:
        return tf_loader.load_module(root, unit.directory, unit.files)
    if unit.kind is UnitKind.TERRAFORM_PLAN:
        return tf_loader.load_plan(root, unit.files[0])
    if unit.kind is UnitKind.KUBERNETES:
        return k8s_loader.load_manifests(root, unit.files)
    return None  # Helm units are rendered together (load_helm_units); Kustomize is not rendered


def load_helm_units(request: ScanRequest, found: Discovery, loaded: Loaded,
                    loads: LoadCache | None = None,
                    budget: Budget | None = None) -> tuple[Unit, ...]:
    """Render every Helm unit (discovered charts, and the charts that Argo CD / Flux
    descriptors in the scope deploy). Returns the descriptor units discovery could not see."""
    if not found.values_sets and not found.charts:
        return ()
    from engine.load.helm.units import load_helm

    kubernetes = [r for u in found.units if u.kind is UnitKind.KUBERNETES
                  for r in loaded.resources.get(u.identity, [])]
    try:
        helm = load_helm(request.snapshot.root, found.units, found.values_sets, kubernetes,
                         found.charts, found.files, request.config.helm,
                         excluded_chart_files(request, found), loads,
                         budget.skipped if budget is not None else None,
                         budget.spent if budget is not None else None)
    except Exception as exc:  # the unit boundary for charts: fail closed, name the type only
        loaded.errors.append(ScanError("internal-error", f"rendering Helm charts failed with "
                                       f"{type(exc).__name__}; their results are missing"))
        return ()
    loaded.errors.extend(helm.errors)
    for identity, resources in helm.resources.items():
        loaded.resources[identity] = resources
        loaded.rendered.extend((identity, r) for r in resources)
    return tuple(helm.units)


def load_units(root: Path, units: Sequence[Unit], loads: LoadCache | None = None,
               budget: Budget | None = None) -> Loaded:
    loaded = Loaded()
    for unit in units:
        if budget is not None and unit.kind is not UnitKind.HELM and budget.spent():
            loaded.errors.append(budget.skipped(unit, "loading"))
            continue
        outcome = guarded(unit, "loading", load_unit, root, unit, loads)
        if outcome is None:
            continue
        if isinstance(outcome, ScanError):
            loaded.errors.append(outcome)
            continue
        loaded.resources[unit.identity] = list(outcome.resources)
        loaded.errors.extend(e if e.unit else dataclasses.replace(e, unit=unit.identity)
                             for e in outcome.errors)
        if isinstance(outcome, k8s_loader.LoadResult):
            # A file that failed to load is already an error (exit 3); Checkov would stumble
            # on the same bytes, so it only gets the files that loaded cleanly.
            broken = {e.file for e in outcome.errors}
            loaded.kubernetes_files = tuple(f for f in outcome.object_files if f not in broken)
    return loaded


def screen_numbers(loaded: Loaded) -> list[ScanError]:
    """Leave out the resources holding a number beyond any policy engine's range (a
    400-digit integer), which would make the Rego engine reject the whole scan's inventory;
    each is an error with its file and line. Called only after the engine refused the
    inventory: a walk of every value on every scan would cost as much as parsing it."""
    errors: list[ScanError] = []
    for unit, resources in loaded.resources.items():
        kept: list[Resource] = []
        for resource in resources:
            digits = unrepresentable_number(resource.config)
            if digits is None:
                kept.append(resource)
                continue
            errors.append(ScanError(
                "invalid-value", f"{resource.address}: a number of {digits} digits, beyond "
                "what the policy engines can represent; the resource was not scanned",
                resource.file, resource.line, unit))
        loaded.resources[unit] = kept
    dropped = {(e.unit, e.file, e.line) for e in errors}
    loaded.rendered = [(u, r) for u, r in loaded.rendered if (u, r.file, r.line) not in dropped]
    return errors


def excluded_chart_files(request: ScanRequest, found: Discovery) -> set[str]:
    """Files under a chart that a config exclusion leaves out, in scope or not: Helm loads
    the whole chart folder, so the renderer has to be told."""

    prefixes = tuple(f"{c}/" for c in found.charts if c) if "" not in found.charts else ("",)
    return {name for name in request.snapshot.files if name.startswith(prefixes)
            and any(path_matches(e.path, name) for e in request.config.exclude)}


def with_chart_sources(findings: list[Finding], loaded: Loaded) -> list[Finding]:
    """Name the chart, values set and template on every finding of a rendered object."""
    if not loaded.rendered:
        return findings
    sources: dict[tuple[str, str, str], Any] = {}
    for unit, resource in loaded.rendered:
        sources.setdefault((unit, resource.address, resource.file), resource.extra.get("source"))
    named: list[Finding] = []
    for finding in findings:
        if not finding.unit.startswith("chart:"):
            named.append(finding)
            continue
        source = sources.get((finding.unit, finding.resource, finding.file))
        chart, _, values_set = finding.unit[len("chart:"):].partition("@")
        template = ""
        if isinstance(source, dict):  # exact, even if a path or set name holds an "@"
            chart, values_set = str(source["chart"]), str(source["values"])
            template = str(source["template"])
        named.append(dataclasses.replace(finding, chart=chart, values_set=values_set,
                                         template=str(template)))
    return named
