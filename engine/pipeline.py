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
from engine.config import Config
from engine.decide.verdict import apply_severity_overrides, order_findings
from engine.discover.units import discover, in_scope
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
    from engine.evaluate.rego import PolicySet, UnitEvaluation

T = TypeVar("T")


@dataclass(frozen=True)
class ScanRequest:
    snapshot: Snapshot
    scope: tuple[str, ...]  # relative to the snapshot root; ("",) = everything
    config: Config
    extra_policy_dirs: tuple[Path, ...] = ()
    use_checkov: bool = True
    fail_on: Severity | None = Severity.HIGH
    clock: Callable[[], float] = field(default=time.perf_counter)
    # Staged and diff scans (docs/git-gating.md): the changed paths, both names of a rename;
    # only the units they touch are evaluated and reported. None: every unit of the scope.
    changed: frozenset[str] | None = None
    # Where the governing files (config, waivers, policy dirs) were read: in diff mode the
    # merge-base's snapshot, not the one scanned. None: the snapshot's root.
    governance_root: Path | None = None


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


def policy_dirs(config: Config, extra: Sequence[Path]) -> list[Path]:
    dirs = [policies_dir() / "rego"] if config.builtin_policies else []
    return [*dirs, *config.policies, *extra]


def run_scan(request: ScanRequest, policies: PolicySet) -> ScanResult:
    """Scan with an already loaded policy set (loading errors are the caller's: exit 2)."""
    from engine.evaluate.rego import RegoEvaluator

    timings: dict[str, float] = {}
    clock = request.clock
    started = clock()
    root = request.snapshot.root

    found = discover(root, request.snapshot.files, request.scope, request.config.exclude)
    reported = found.units
    to_load = found.units
    if request.changed is not None:
        from engine.discover.changed import changed_units
        from engine.evaluate.rego.inventory_use import reads_inventory

        reported = changed_units(found.units, request.changed)
        # data.inventory is the whole scope: load it all only when a policy can read it.
        to_load = found.units if reads_inventory(policies) else reported
    timings["discover"] = clock() - started

    mark = clock()
    loaded = _load_units(root, to_load)
    timings["load"] = clock() - mark

    inventory: dict[str, list[dict[str, Any]]] = {"terraform": [], "kubernetes": []}
    for unit in to_load:
        for resource in loaded.resources.get(unit.identity, []):
            inventory[resource.kind].append(resource.to_input())
    params = merge_params(request.config.params)

    mark = clock()
    findings: list[Finding] = []
    unreadable = [e for e in request.snapshot.errors if in_scope(e.file, request.scope)]
    errors: list[ScanError] = [*unreadable, *found.errors, *loaded.errors]
    if request.changed is not None and to_load is reported:
        from engine.discover.changed import concerns_units

        # Nothing outside the changed units was read: a problem there is not this change's.
        # (When data.inventory is built, every unit was read and every problem stays.)
        errors = [e for e in errors if concerns_units(e, reported, request.changed)]
    try:
        evaluator: RegoEvaluator | None = RegoEvaluator(policies, params, inventory)
    except Exception as exc:
        evaluator = None
        errors.append(ScanError("engine-error", f"the Rego engine rejected the scan's inventory "
                                f"or parameters ({type(exc).__name__}); no Rego policy ran"))
    rego_passed = 0
    for unit in reported:
        resources = loaded.resources.get(unit.identity)
        if resources is None or evaluator is None:
            continue
        if unit.kind is UnitKind.KUBERNETES and request.changed is not None:
            resources = [r for r in resources if r.file in unit.files]
        outcome = _guarded(unit, "rego evaluation", evaluator.evaluate, unit, resources)
        if isinstance(outcome, ScanError):
            errors.append(outcome)
        else:
            findings.extend(outcome.findings)
            errors.extend(outcome.errors)
            rego_passed += _passed(outcome)
    timings["rego"] = clock() - mark

    versions = {"gitops-compliance": __version__, "regorus": _dist_version("gordon-to-regorus")}
    if request.use_checkov and request.config.checkov_enabled:
        mark = clock()
        if request.changed is not None:
            k8s = {f for u in reported if u.kind is UnitKind.KUBERNETES for f in u.files}
            loaded = dataclasses.replace(loaded, kubernetes_files=tuple(
                f for f in loaded.kubernetes_files if f in k8s))
        checkov_findings, checkov_errors, version = _run_checkov(request, reported, loaded)
        findings.extend(checkov_findings)
        # A file both loaders failed on is one problem: keep ours, which has the parser's
        # expectation in it, and drop Checkov's repeat.
        ours = {e.file for e in errors if e.file}
        errors.extend(e for e in checkov_errors if not (e.code == "parse-error" and e.file in ours))
        versions["checkov"] = version
        timings["checkov"] = clock() - mark

    findings = order_findings(apply_severity_overrides(findings, request.config.severity))
    timings["total"] = clock() - started
    return ScanResult(
        root=str(root),
        scope=request.scope,
        findings=tuple(findings),
        errors=tuple(sorted(set(errors), key=lambda e: (e.file, e.line, e.code, e.message))),
        units=reported,
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
    )


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
    return None  # Helm and Kustomize units are reported by discovery as not rendered


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
    from engine.evaluate.checkov import CheckovEngine, CheckovSkip, SeverityMapError

    skips = [CheckovSkip(s.id, s.reason, s.paths) for s in request.config.checkov_skip]
    try:
        engine = CheckovEngine(skips=skips, severity_map_path=severity_map_path())
    except SeverityMapError as exc:  # a broken policy map is a policy error: exit 2
        return [], [ScanError("policy-error", str(exc), file=str(severity_map_path()),
                              invalid=True)], engine_version()
    terraform_dirs = [u.directory for u in units if u.kind is UnitKind.TERRAFORM]
    if not terraform_dirs and not loaded.kubernetes_files:
        return [], [], engine_version()
    outcome = engine.run(request.snapshot.root, terraform_dirs=terraform_dirs,
                         kubernetes_files=loaded.kubernetes_files,
                         excluded=[e.path for e in request.config.exclude])
    return list(outcome.findings), list(outcome.errors), outcome.version


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
