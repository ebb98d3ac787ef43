"""One scan, stage by stage: source -> discover -> load -> evaluate -> decide (DESIGN.md §3).

``run_scan`` wires the stages of this package together; each stage's work lives in its own
module (loading, rego_stage, checkov_stage, conftest_stage, decide_stage, caching), and every
unit's work runs through ``guarded``: an exception inside one unit becomes an error for that
unit, and the rest of the scan completes. Reporting is the caller's business.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from engine import __version__
from engine.cache.keys import FileHashes, digest, engine_context
from engine.decide.verdict import apply_severity_overrides, order_findings
from engine.discover.units import discover, in_scope
from engine.limits import applied
from engine.model import Finding, ScanError, ScanResult, Unit, UnitKind
from engine.params import merge_params
from engine.pipeline.budget import Budget
from engine.pipeline.caching import cache_notes, cache_stats, open_cache
from engine.pipeline.checkov_stage import checkov_with_cache, engine_version
from engine.pipeline.conftest_stage import run_conftest_policies
from engine.pipeline.decide_stage import apply_request_waivers
from engine.pipeline.loading import (
    load_helm_units,
    load_units,
    screen_numbers,
    with_chart_sources,
)
from engine.pipeline.rego_stage import evaluate_rego, passed_count, rego_evaluator
from engine.pipeline.request import Loaded, ScanRequest, dist_version
from engine.resources import severity_map_path

if TYPE_CHECKING:
    from engine.evaluate.rego import PolicySet

def run_scan(request: ScanRequest, policies: PolicySet) -> ScanResult:
    """Scan with an already loaded policy set (loading errors are the caller's: exit 2)."""
    # Every reader below (YAML loader, file reads, Helm's renderer) sees the config's limits.
    with applied(request.config.limits):
        return _scan(request, policies)


def _inventory(units: tuple[Unit, ...], loaded: Loaded) -> dict[str, list[dict[str, Any]]]:
    inventory: dict[str, list[dict[str, Any]]] = {"terraform": [], "kubernetes": []}
    for unit in units:
        for resource in loaded.resources.get(unit.identity, []):
            inventory[resource.kind].append(resource.to_input())
    return inventory


def _scan(request: ScanRequest, policies: PolicySet) -> ScanResult:
    timings: dict[str, float] = {}
    clock = request.clock
    started = clock()
    budget = Budget(clock, started, request.config.limits)
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
    cache = open_cache(request)
    hashes = FileHashes(root)
    loads = None
    if cache is not None:
        from engine.cache.loads import LoadCache

        # A load depends on the limits: a file refused under one is read under a larger one.
        loads = LoadCache(cache, hashes, engine_context(
            {"gitops-compliance": __version__,
             "limits": digest(dataclasses.asdict(request.config.limits))}, None))
    loaded = load_units(root, to_load, loads, budget)
    timings["load"] = clock() - mark
    mark = clock()
    helm_units = load_helm_units(request, found, loaded, loads, budget)
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

    inventory = _inventory(found.units, loaded)
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
    evaluator, backend, rego_engine = rego_evaluator(request, policies, params, inventory,
                                                      errors)
    if evaluator is None and errors and errors[-1].code == "engine-error":
        # The engine refused the data: a number it cannot represent costs its resource,
        # not every unit's results.
        unrepresentable = screen_numbers(loaded)
        if unrepresentable:
            errors[-1:] = unrepresentable
            inventory = _inventory(found.units, loaded)
            evaluator, backend, rego_engine = rego_evaluator(request, policies, params,
                                                              inventory, errors)
    rego_passed = 0
    applicable: dict[str, set[str]] = {}
    versions = {"gitops-compliance": __version__, "regorus": dist_version("gordon-to-regorus")}
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
        if budget.spent():
            errors.append(budget.skipped(unit, "policy evaluation"))
            continue
        if unit.kind is UnitKind.KUBERNETES and request.changed is not None:
            resources = [r for r in resources if r.file in unit.files]
        outcome = evaluate_rego(evaluator, unit, resources, cache, rego_base, hashes)
        if isinstance(outcome, ScanError):
            errors.append(outcome)
        else:
            findings.extend(outcome.findings)
            errors.extend(outcome.errors)
            rego_passed += passed_count(outcome)
            for policy_id, keys in outcome.applicable.items():
                applicable.setdefault(policy_id, set()).update(
                    f"{unit.identity}|{key}" for key in keys)
    if backend is not None:  # units are guarded: the loop above does not raise
        backend.close()
    timings["rego"] = clock() - mark

    notes: list[str] = []
    if checkov_on and budget.spent():
        errors.append(budget.stage_skipped("Checkov"))
    elif checkov_on:
        mark = clock()
        if request.changed is not None:
            k8s = {f for u in reported if u.kind is UnitKind.KUBERNETES for f in u.files}
            loaded = dataclasses.replace(loaded, kubernetes_files=tuple(
                f for f in loaded.kubernetes_files if f in k8s))
        checkov_findings, checkov_errors, version = checkov_with_cache(
            request, reported, loaded, cache, hashes, notes,
            engine_context(versions, severity_map_path()))
        findings.extend(checkov_findings)
        # A file both loaders failed on is one problem: keep ours, which has the parser's
        # expectation in it, and drop Checkov's repeat.
        ours = {e.file for e in errors if e.file}
        errors.extend(e for e in checkov_errors if not (e.code == "parse-error" and e.file in ours))
        versions["checkov"] = version or versions["checkov"]
        timings["checkov"] = clock() - mark

    conftest = None
    if request.conftest is not None and budget.spent():
        errors.append(budget.stage_skipped("conftest-style policy evaluation"))
    else:
        conftest = run_conftest_policies(request, findings, errors)
    findings = with_chart_sources(findings, loaded)
    # Decide: after the cache, never cached (a waiver can expire overnight).
    findings = apply_severity_overrides(findings, request.config.severity)
    findings, waiver_summary, waiver_errors = apply_request_waivers(request, findings)
    errors.extend(waiver_errors)
    findings = order_findings(findings)
    timings["total"] = clock() - started
    notes.extend(cache_notes(cache))
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
        cache_stats=cache_stats(cache),
        applicable={p: tuple(sorted(keys)) for p, keys in sorted(applicable.items())},
        resources={u.identity: tuple(loaded.resources.get(u.identity, ())) for u in found.units}
        if request.keep_resources else {},
    )
    if conftest is None or request.conftest is None:
        return result
    from engine.conftest_scan import annotate

    return annotate(result, conftest, request.conftest)
