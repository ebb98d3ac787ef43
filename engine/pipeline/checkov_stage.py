"""Evaluate with Checkov: the units' Terraform, manifests and rendered chart objects, per
unit from the result cache where it can (a full hit never imports Checkov)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from engine.cache.keys import FileHashes, digest
from engine.cache.units import checkov_plan, findings_from_payload, split_by_unit
from engine.model import Finding, Resource, ScanError, Unit, UnitKind
from engine.pipeline.request import Loaded, ScanRequest, dist_version
from engine.resources import severity_map_path

if TYPE_CHECKING:
    from engine.cache.store import ResultCache

def run_checkov(request: ScanRequest, units: Sequence[Unit],
                 loaded: Loaded) -> tuple[list[Finding], list[ScanError], str]:
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


def engine_version() -> str:
    return dist_version("checkov")


def checkov_with_cache(request: ScanRequest, units: Sequence[Unit], loaded: Loaded,
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
    if cache is None or any(u.kind not in CHECKOV_CACHED_KINDS for u in units):
        # A unit kind the cache has no key for feeds Checkov in ways the plan in
        # engine/cache/units.py does not know: run uncached rather than guess.
        return run_checkov(request, units, loaded)
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
    k8s = Loaded(kubernetes_files=loaded.kubernetes_files if "kubernetes" in ran else (),
                  rendered=[(u, r) for u, r in loaded.rendered if u in ran])
    fresh, errors, version = run_checkov(request, subset, k8s)
    for identity, payload in split_by_unit(fresh, errors, ran).items():
        cache.put("checkov", plan.keys[identity], payload)
    return [*findings, *fresh], errors, version


CHECKOV_CACHED_KINDS = frozenset({UnitKind.TERRAFORM, UnitKind.TERRAFORM_PLAN,
                                   UnitKind.KUBERNETES, UnitKind.HELM})
