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
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from engine import __version__
from engine.cache.keys import FileHashes, digest, engine_context
from engine.cache.units import (
    checkov_plan,
    findings_from_payload,
    rego_from_payload,
    rego_payload,
    split_by_unit,
)
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
    WaiverSummary,
)
from engine.params import merge_params
from engine.resources import policies_dir, severity_map_path
from engine.source.worktree import Snapshot

if TYPE_CHECKING:
    from engine.cache.loads import LoadCache
    from engine.cache.store import ResultCache
    from engine.conftest_scan import ConftestOutcome
    from engine.evaluate.conftest import ConftestPolicySet
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
    # The waivers file to apply (resolved by the caller: the CLI, or the merge-base in diff
    # mode); None: no waivers. ``as_of`` drives every date decision (None: today, UTC).
    waivers_file: Path | None = None
    as_of: date | None = None
    cache_dir: Path | None = None  # the result cache (None: --no-cache)
    checkov_mode: str = "run"  # run | cached (Checkov results from the cache only) | off
    # Staged and diff scans (docs/git-gating.md): the changed paths, both names of a rename;
    # only the units they touch are evaluated and reported. None: every unit of the scope.
    changed: frozenset[str] | None = None
    # Where the governing files (config, waivers, policy dirs) were read: in diff mode the
    # merge-base's snapshot, not the one scanned. None: the snapshot's root.
    governance_root: Path | None = None
    # conftest-style policies joining this scan (engine/conftest_scan.py); None: none.
    conftest: ConftestPolicySet | None = None


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
    to_load = found.units
    partial = False  # True: only the changed units were read
    if request.changed is not None:
        from engine.discover.changed import changed_units
        from engine.evaluate.rego.inventory_use import reads_inventory

        # data.inventory is the whole scope: load it all only when a policy can read it.
        partial = not reads_inventory(policies)
        if partial and request.changed is not None:
            to_load = changed_units(found.units, request.changed)
    timings["discover"] = clock() - started

    mark = clock()
    cache = _open_cache(request)
    hashes = FileHashes(root)
    loads = None
    if cache is not None:
        from engine.cache.loads import LoadCache

        loads = LoadCache(cache, hashes, engine_context({"gitops-compliance": __version__}, None))
    loaded = _load_units(root, to_load, loads)
    timings["load"] = clock() - mark
    mark = clock()
    helm_units = _load_helm(request, found, loaded, loads)
    found = dataclasses.replace(found, units=(*found.units, *helm_units))
    if helm_units or found.values_sets:
        timings["helm"] = clock() - mark
    # What is evaluated and reported: every unit, or (staged and diff scans) the units the
    # change touches — a chart's units when a template or values file changed.
    reported = found.units
    if request.changed is not None:
        from engine.discover.changed import changed_units

        reported = changed_units(found.units, request.changed)
        names = {u.identity for u in reported}
        loaded.rendered = [(u, r) for u, r in loaded.rendered if u in names]

    inventory: dict[str, list[dict[str, Any]]] = {"terraform": [], "kubernetes": []}
    for unit in found.units:
        for resource in loaded.resources.get(unit.identity, []):
            inventory[resource.kind].append(resource.to_input())
    params = merge_params(request.config.params)

    mark = clock()
    findings: list[Finding] = []
    unreadable = [e for e in request.snapshot.errors if in_scope(e.file, request.scope)]
    errors: list[ScanError] = [*unreadable, *found.errors, *loaded.errors]
    if partial and request.changed is not None:
        from engine.discover.changed import concerns_units

        # Nothing outside the changed units was read: a problem there is not this change's.
        # (When data.inventory is built, every unit was read and every problem stays.)
        errors = [e for e in errors if concerns_units(e, reported, request.changed)]
    evaluator, backend, rego_engine = _rego_evaluator(request, policies, params, inventory,
                                                      errors)
    rego_passed = 0
    versions = {"gitops-compliance": __version__, "regorus": _dist_version("gordon-to-regorus")}
    checkov_on = request.checkov_mode != "off" and request.use_checkov and \
        request.config.checkov_enabled
    if checkov_on:
        versions["checkov"] = engine_version()  # the installed version, without importing it
    rego_context = engine_context({k: v for k, v in versions.items() if k != "checkov"}, None)
    rego_base = {**rego_context, "engine": "rego", "policies": policies.digest,
                 "params": digest(params), "inventory": digest(inventory),
                 "evaluated_by": rego_engine}  # a remote OPA's bundle revision counts too
    for unit in reported:
        resources = loaded.resources.get(unit.identity)
        if resources is None or evaluator is None:
            continue
        if unit.kind is UnitKind.KUBERNETES and request.changed is not None:
            resources = [r for r in resources if r.file in unit.files]
        outcome = _evaluate_rego(evaluator, unit, resources, cache, rego_base, hashes)
        if isinstance(outcome, ScanError):
            errors.append(outcome)
        else:
            findings.extend(outcome.findings)
            errors.extend(outcome.errors)
            rego_passed += _passed(outcome)
    if backend is not None:  # units are guarded: the loop above does not raise
        backend.close()
    timings["rego"] = clock() - mark

    notes: list[str] = []
    if checkov_on:
        mark = clock()
        if request.changed is not None:
            k8s = {f for u in reported if u.kind is UnitKind.KUBERNETES for f in u.files}
            loaded = dataclasses.replace(loaded, kubernetes_files=tuple(
                f for f in loaded.kubernetes_files if f in k8s))
        checkov_findings, checkov_errors, version = _checkov_with_cache(
            request, reported, loaded, cache, hashes, notes,
            engine_context(versions, severity_map_path()))
        findings.extend(checkov_findings)
        # A file both loaders failed on is one problem: keep ours, which has the parser's
        # expectation in it, and drop Checkov's repeat.
        ours = {e.file for e in errors if e.file}
        errors.extend(e for e in checkov_errors if not (e.code == "parse-error" and e.file in ours))
        versions["checkov"] = version or versions["checkov"]
        timings["checkov"] = clock() - mark

    conftest = _run_conftest(request, findings, errors)
    findings = _with_chart_sources(findings, loaded)
    # Decide: after the cache, never cached (a waiver can expire overnight).
    findings = apply_severity_overrides(findings, request.config.severity)
    findings, waiver_summary, waiver_errors = apply_request_waivers(request, findings)
    errors.extend(waiver_errors)
    findings = order_findings(findings)
    timings["total"] = clock() - started
    result = ScanResult(
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
        rego_engine=rego_engine,
        waivers=waiver_summary,
        notes=tuple(notes),
        cache_stats=_cache_stats(cache),
    )
    if conftest is None or request.conftest is None:
        return result
    from engine.conftest_scan import annotate

    return annotate(result, conftest, request.conftest)


def _run_conftest(request: ScanRequest, findings: list[Finding],
                  errors: list[ScanError]) -> ConftestOutcome | None:
    """conftest-style policies on the scope's files (in staged and diff scans: the changed
    files); their findings join the others before decide, so waivers apply to them too."""
    if request.conftest is None:
        return None
    from engine.conftest_scan import run_conftest

    scope = request.scope
    if request.changed is not None:
        scope = tuple(f for f in sorted(request.changed) if in_scope(f, request.scope))
    outcome = run_conftest(request.snapshot, scope, request.config.exclude, request.conftest)
    findings.extend(outcome.findings)
    # A file both loaders failed to parse is one problem: keep the first report of it.
    broken = {e.file for e in errors if e.code == "parse-error"}
    errors.extend(e for e in outcome.errors if not (e.code == "parse-error" and e.file in broken))
    return outcome


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


def _load_unit(root: Path, unit: Unit, loads: LoadCache | None = None) -> _UnitLoad | None:
    if loads is not None and unit.kind in (UnitKind.TERRAFORM, UnitKind.TERRAFORM_PLAN):
        result: _UnitLoad | None = loads.unit(unit, lambda: _load_unit(root, unit))
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
    return None  # Helm units are rendered together (_load_helm); Kustomize is not rendered


def _load_helm(request: ScanRequest, found: Discovery, loaded: _Loaded,
               loads: LoadCache | None = None) -> tuple[Unit, ...]:
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
                         _excluded_chart_files(request, found), loads)
    except Exception as exc:  # the unit boundary for charts: fail closed, name the type only
        loaded.errors.append(ScanError("internal-error", f"rendering Helm charts failed with "
                                       f"{type(exc).__name__}; their results are missing"))
        return ()
    loaded.errors.extend(helm.errors)
    for identity, resources in helm.resources.items():
        loaded.resources[identity] = resources
        loaded.rendered.extend((identity, r) for r in resources)
    return tuple(helm.units)


def _load_units(root: Path, units: Sequence[Unit], loads: LoadCache | None = None) -> _Loaded:
    loaded = _Loaded()
    for unit in units:
        outcome = _guarded(unit, "loading", _load_unit, root, unit, loads)
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
    """Checkov on these units (Terraform), ``loaded.kubernetes_files`` and the rendered
    chart objects."""
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


def _open_cache(request: ScanRequest) -> ResultCache | None:
    if request.cache_dir is None:
        return None
    from engine.cache.store import ResultCache

    return ResultCache(request.cache_dir)


def _cache_stats(cache: ResultCache | None) -> dict[str, int]:
    if cache is None:
        return {}
    return {"hits": cache.hits, "misses": cache.misses, "corrupt": cache.corrupt,
            "write_failures": cache.write_failures}


def _evaluate_rego(evaluator: RegoEvaluator, unit: Unit, resources: Sequence[Resource],
                   cache: ResultCache | None, base: dict[str, Any],
                   hashes: FileHashes) -> UnitEvaluation | ScanError:
    """One unit's Rego evaluation, from the cache when its key is known. Only clean
    evaluations are stored: an engine error is re-tried on the next run."""
    from engine.evaluate.rego import UnitEvaluation

    key = ""
    if cache is not None:
        key = digest({**base, "unit": unit.identity, "kind": unit.kind.value,
                      "files": hashes.listing(unit.files)})
        payload = cache.get("rego", key)
        if payload is not None:
            try:
                findings, applicable = rego_from_payload(payload)
            except (KeyError, TypeError, ValueError):
                pass  # an entry from an incompatible layout: recompute
            else:
                return UnitEvaluation(tuple(findings), (), applicable)
    outcome = _guarded(unit, "rego evaluation", evaluator.evaluate, unit, resources)
    if cache is not None and not isinstance(outcome, ScanError) and not outcome.errors:
        cache.put("rego", key, rego_payload(outcome.findings, outcome.applicable))
    return outcome


def _checkov_with_cache(request: ScanRequest, units: Sequence[Unit], loaded: _Loaded,
                        cache: ResultCache | None, hashes: FileHashes, notes: list[str],
                        context: dict[str, Any]) -> tuple[list[Finding], list[ScanError], str]:
    """Checkov per unit: hits from the cache, the rest run (``run``) or skipped with a note
    (``cached``, the pre-commit fast path, unless the config says ``cache_miss: run``).
    A full hit never imports Checkov."""
    config = request.config
    skip_misses = request.checkov_mode == "cached" and config.checkov_cache_miss != "run"
    if cache is None and skip_misses:  # nothing can hit: say so rather than run it
        notes.append("Checkov not run (--checkov cached without a result cache); the PR "
                     "check runs it")
        return [], [], ""
    if cache is None or any(u.kind not in _CHECKOV_CACHED_KINDS for u in units):
        # A unit kind the cache has no key for feeds Checkov in ways the plan in
        # engine/cache/units.py does not know: run uncached rather than guess.
        return _run_checkov(request, units, loaded)
    base = {**context, "excluded": sorted(e.path for e in config.exclude),
            "skips": sorted((s.id, s.paths) for s in config.checkov_skip)}
    plan = checkov_plan(request.snapshot.root, units, loaded.kubernetes_files, hashes, base)
    # A chart unit (one values set) is keyed on exactly what Checkov is given: its rendered
    # objects (already redacted) and where they map back to.
    rendered: dict[str, list[Resource]] = {}
    for identity, resource in loaded.rendered:
        rendered.setdefault(identity, []).append(resource)
    for identity, objects in rendered.items():
        plan.keys[identity] = digest({**base, "engine": "checkov", "kind": "helm",
                                      "unit": identity,
                                      "objects": [r.to_input() for r in objects]})
    findings: list[Finding] = []
    missed: set[str] = set()
    for identity, key in sorted(plan.keys.items()):
        payload = cache.get("checkov", key)
        try:
            cached = findings_from_payload(payload) if payload is not None else None
        except (KeyError, TypeError, ValueError):
            cached = None
        if cached is None:
            missed.add(identity)
        else:
            findings.extend(cached)
    if not missed:
        return findings, [], ""
    if skip_misses:
        notes.append(f"Checkov not run on {len(missed)} unit(s) (not cached): "
                     f"{', '.join(sorted(missed))}; the PR check runs it")
        return findings, [], ""
    ran = plan.with_components(missed)
    findings = [f for f in findings if f.unit not in ran]
    subset = [u for u in units if u.identity in ran and u.kind is UnitKind.TERRAFORM]
    k8s = _Loaded(kubernetes_files=loaded.kubernetes_files if "kubernetes" in ran else (),
                  rendered=[(u, r) for u, r in loaded.rendered if u in ran])
    fresh, errors, version = _run_checkov(request, subset, k8s)
    for identity, payload in split_by_unit(fresh, errors, ran).items():
        cache.put("checkov", plan.keys[identity], payload)
    return [*findings, *fresh], errors, version


_CHECKOV_CACHED_KINDS = frozenset({UnitKind.TERRAFORM, UnitKind.TERRAFORM_PLAN,
                                   UnitKind.KUBERNETES, UnitKind.HELM})


def apply_request_waivers(request: ScanRequest, findings: list[Finding]
                   ) -> tuple[list[Finding], WaiverSummary | None, list[ScanError]]:
    """Waivers from ``request.waivers_file`` (a bad file is a configuration error: exit 2,
    and no waiver applies)."""
    if request.waivers_file is None:
        return findings, None, []
    from engine.decide.waiver_file import display_path, load_waivers
    from engine.decide.waivers import apply_waivers

    as_of = request.as_of or datetime.now(UTC).date()
    shown = display_path(request.waivers_file, request.snapshot.root)
    loaded = load_waivers(request.waivers_file, max_days=request.config.waiver_max_days,
                          display=shown)
    if not loaded.valid:
        errors = [ScanError("waiver-error", p.message if not p.waiver else
                            f"waiver {p.waiver}: {p.message}", file=p.file, line=p.line,
                            invalid=True) for p in loaded.problems]
        return findings, WaiverSummary(shown, as_of.isoformat()), errors
    outcome = apply_waivers(findings, loaded.waivers, as_of)
    return list(outcome.findings), WaiverSummary(
        file=shown, as_of=as_of.isoformat(), applied=outcome.applied, expired=outcome.expired,
        pending=outcome.pending, stale=outcome.stale), []
