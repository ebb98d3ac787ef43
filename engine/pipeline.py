"""One scan, stage by stage: source -> discover -> load -> evaluate -> decide (DESIGN.md §3).

This module wires the stages together and owns the unit boundary: an exception inside one
unit becomes an error for that unit, and the rest of the scan completes. Reporting is the
caller's business (it receives the ``ScanResult``).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from engine import __version__
from engine.config import Config, OpaSettings
from engine.decide.verdict import apply_severity_overrides, order_findings
from engine.discover.units import Discovery, discover, in_scope
from engine.load import kubernetes as k8s_loader
from engine.model import (
    Finding,
    Resource,
    ScanError,
    ScanResult,
    Severity,
    Unit,
    UnitKind,
)
from engine.params import merge_params
from engine.resources import policies_dir, severity_map_path
from engine.source.worktree import Snapshot

if TYPE_CHECKING:
    from engine.evaluate.opa import RemoteOpaBackend
    from engine.evaluate.rego import PolicySet, RegoEvaluator, UnitEvaluation

T = TypeVar("T")


@dataclass(frozen=True)
class ScanRequest:
    snapshot: Snapshot
    scope: tuple[str, ...]  # relative to the snapshot root; ("",) = everything
    config: Config
    extra_policy_dirs: tuple[Path, ...] = ()
    use_checkov: bool = True
    fail_on: Severity | None = Severity.HIGH
    opa: OpaSettings | None = None  # a remote OPA server instead of the embedded engine
    clock: Callable[[], float] = field(default=time.perf_counter)


class _UnitLoad(Protocol):
    """What every loader returns (Terraform module, plan, Kubernetes manifests)."""

    @property
    def resources(self) -> tuple[Resource, ...]: ...

    @property
    def errors(self) -> tuple[ScanError, ...]: ...


@dataclass
class _Loaded:
    resources: dict[str, list[Resource]] = field(default_factory=dict)  # unit identity -> ...
    errors: list[ScanError] = field(default_factory=list)
    kubernetes_files: tuple[str, ...] = ()
    rendered: list[tuple[str, Resource]] = field(default_factory=list)  # (unit, object)


def policy_dirs(config: Config, extra: Sequence[Path]) -> list[Path]:
    dirs = [policies_dir() / "rego"] if config.builtin_policies else []
    return [*dirs, *config.policies, *extra]


def run_scan(request: ScanRequest, policies: PolicySet) -> ScanResult:
    """Scan with an already loaded policy set (loading errors are the caller's: exit 2)."""
    timings: dict[str, float] = {}
    clock = request.clock
    started = clock()
    root = request.snapshot.root

    found = discover(root, request.snapshot.files, request.scope, request.config.exclude,
                     request.config.helm)
    timings["discover"] = clock() - started

    mark = clock()
    loaded = _load_units(root, found.units)
    timings["load"] = clock() - mark
    mark = clock()
    helm_units = _load_helm(request, found, loaded)
    found = dataclasses.replace(found, units=(*found.units, *helm_units))
    if helm_units or found.values_sets:
        timings["helm"] = clock() - mark

    inventory: dict[str, list[dict[str, Any]]] = {"terraform": [], "kubernetes": []}
    for unit in found.units:
        for resource in loaded.resources.get(unit.identity, []):
            inventory[resource.kind].append(resource.to_input())
    params = merge_params(request.config.params)

    mark = clock()
    findings: list[Finding] = []
    unreadable = [e for e in request.snapshot.errors if in_scope(e.file, request.scope)]
    errors: list[ScanError] = [*unreadable, *found.errors, *loaded.errors]
    evaluator, backend, rego_engine = _rego_evaluator(request, policies, params, inventory,
                                                      errors)
    rego_passed = 0
    for unit in found.units:
        resources = loaded.resources.get(unit.identity)
        if resources is None or evaluator is None:
            continue
        outcome = _guarded(unit, "rego evaluation", evaluator.evaluate, unit, resources)
        if isinstance(outcome, ScanError):
            errors.append(outcome)
        else:
            findings.extend(outcome.findings)
            errors.extend(outcome.errors)
            rego_passed += _passed(outcome)
    if backend is not None:  # units are guarded: the loop above does not raise
        backend.close()
    timings["rego"] = clock() - mark

    versions = {"gitops-compliance": __version__, "regorus": _dist_version("gordon-to-regorus")}
    if request.use_checkov and request.config.checkov_enabled:
        mark = clock()
        checkov_findings, checkov_errors, version = _run_checkov(request, found.units, loaded)
        findings.extend(checkov_findings)
        # A file both loaders failed on is one problem: keep ours, which has the parser's
        # expectation in it, and drop Checkov's repeat.
        ours = {e.file for e in errors if e.file}
        errors.extend(e for e in checkov_errors if not (e.code == "parse-error" and e.file in ours))
        versions["checkov"] = version
        timings["checkov"] = clock() - mark

    findings = _with_chart_sources(findings, loaded)
    findings = order_findings(apply_severity_overrides(findings, request.config.severity))
    timings["total"] = clock() - started
    return ScanResult(
        root=str(root),
        scope=request.scope,
        findings=tuple(findings),
        errors=tuple(sorted(set(errors), key=lambda e: (e.file, e.line, e.code, e.message))),
        units=found.units,
        excluded=found.excluded,
        fail_on=request.fail_on,
        commit=request.snapshot.commit,
        policy_digest=policies.digest,
        policy_count=len(policies.metas),
        rego_passed=rego_passed,
        resource_count=sum(len(v) for v in inventory.values()),
        versions=versions,
        timings={k: round(v, 3) for k, v in timings.items()},
        skipped_checks=tuple((s.id, s.reason, s.paths) for s in request.config.checkov_skip),
        rego_engine=rego_engine,
    )


def _rego_evaluator(request: ScanRequest, policies: PolicySet, params: dict[str, Any],
                    inventory: dict[str, list[dict[str, Any]]], errors: list[ScanError]
                    ) -> tuple[RegoEvaluator | None, RemoteOpaBackend | None, dict[str, Any]]:
    """The scan's Rego evaluator: embedded, or on the configured OPA server. A server that
    cannot serve the scan is an engine error (exit 3): no Rego policy ran, nothing passed."""
    from engine.evaluate.rego import RegoEvaluator

    backend = None
    engine_info: dict[str, Any] = {"name": "regorus"}
    if request.opa is not None:
        from engine.evaluate.opa import RemoteOpaBackend, RemoteOpaError

        engine_info = {"name": "opa", "url": request.opa.url, "mode": request.opa.mode}
        try:
            backend = RemoteOpaBackend(request.opa, policies, params, inventory)
        except RemoteOpaError as exc:
            errors.append(ScanError("engine-error", f"remote OPA: {exc}; no Rego policy ran",
                                    invalid=exc.invalid))
            return None, None, engine_info
        engine_info["bundles"] = dict(backend.revisions)
    try:
        return RegoEvaluator(policies, params, inventory, backend), backend, engine_info
    except Exception as exc:
        errors.append(ScanError("engine-error", f"the Rego engine rejected the scan's inventory "
                                f"or parameters ({type(exc).__name__}); no Rego policy ran"))
        if backend is not None:
            backend.close()
        return None, None, engine_info


def _passed(outcome: UnitEvaluation) -> int:
    """Rego passes of one unit (DESIGN.md §6): applicable resources minus those that failed.
    A resource with only ``warn`` findings still passed: warnings never block."""
    from engine.evaluate.rego import resource_key

    failed: dict[str, set[str]] = {}
    for finding in outcome.findings:
        if finding.blocking and finding.resource:
            failed.setdefault(finding.policy_id, set()).add(
                resource_key(finding.resource, finding.file))
    return sum(len(set(keys) - failed.get(policy, set()))
               for policy, keys in outcome.applicable.items())


def _load_unit(root: Path, unit: Unit) -> _UnitLoad | None:
    from engine.load import terraform as tf_loader

    if unit.kind is UnitKind.TERRAFORM:
        return tf_loader.load_module(root, unit.directory, unit.files)
    if unit.kind is UnitKind.TERRAFORM_PLAN:
        return tf_loader.load_plan(root, unit.files[0])
    if unit.kind is UnitKind.KUBERNETES:
        return k8s_loader.load_manifests(root, unit.files)
    return None  # Helm units are rendered together (_load_helm); Kustomize is not rendered


def _load_helm(request: ScanRequest, found: Discovery, loaded: _Loaded) -> tuple[Unit, ...]:
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
                         _excluded_chart_files(request, found))
    except Exception as exc:  # the unit boundary for charts: fail closed, name the type only
        loaded.errors.append(ScanError("internal-error", f"rendering Helm charts failed with "
                                       f"{type(exc).__name__}; their results are missing"))
        return ()
    loaded.errors.extend(helm.errors)
    for identity, resources in helm.resources.items():
        loaded.resources[identity] = resources
        loaded.rendered.extend((identity, r) for r in resources)
    return tuple(helm.units)


def _load_units(root: Path, units: Sequence[Unit]) -> _Loaded:
    loaded = _Loaded()
    for unit in units:
        outcome = _guarded(unit, "loading", _load_unit, root, unit)
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


def _run_checkov(request: ScanRequest, units: Sequence[Unit],
                 loaded: _Loaded) -> tuple[list[Finding], list[ScanError], str]:
    from engine.evaluate.checkov import (
        CheckovEngine,
        CheckovSkip,
        RenderedObject,
        SeverityMapError,
    )

    skips = [CheckovSkip(s.id, s.reason, s.paths) for s in request.config.checkov_skip]
    try:
        engine = CheckovEngine(skips=skips, severity_map_path=severity_map_path())
    except SeverityMapError as exc:  # a broken policy map is a policy error: exit 2
        return [], [ScanError("policy-error", str(exc), file=str(severity_map_path()),
                              invalid=True)], engine_version()
    terraform_dirs = [u.directory for u in units if u.kind is UnitKind.TERRAFORM]
    if not terraform_dirs and not loaded.kubernetes_files and not loaded.rendered:
        return [], [], engine_version()
    rendered = [RenderedObject(r.config, r.file, r.line, unit) for unit, r in loaded.rendered]
    outcome = engine.run(request.snapshot.root, terraform_dirs=terraform_dirs,
                         kubernetes_files=loaded.kubernetes_files,
                         excluded=[e.path for e in request.config.exclude],
                         rendered=rendered)
    return list(outcome.findings), list(outcome.errors), outcome.version


def _excluded_chart_files(request: ScanRequest, found: Discovery) -> set[str]:
    """Files under a chart that a config exclusion leaves out, in scope or not: Helm loads
    the whole chart folder, so the renderer has to be told."""
    from engine.globs import path_matches

    prefixes = tuple(f"{c}/" for c in found.charts if c) if "" not in found.charts else ("",)
    return {name for name in request.snapshot.files if name.startswith(prefixes)
            and any(path_matches(e.path, name) for e in request.config.exclude)}


def _with_chart_sources(findings: list[Finding], loaded: _Loaded) -> list[Finding]:
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


def engine_version() -> str:
    return _dist_version("checkov")


def _guarded(unit: Unit, stage: str, work: Callable[..., T], *args: Any) -> T | ScanError:
    """Run one unit's work; an unexpected exception becomes that unit's error (fail closed)."""
    try:
        return work(*args)
    except Exception as exc:
        # The exception type only: exception texts quote scanned content (a value that
        # failed to convert), and an error message must not become a leak.
        return ScanError("internal-error", f"{stage} failed with {type(exc).__name__}; the "
                         "unit's results are missing", file=unit.directory, unit=unit.identity)


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"
