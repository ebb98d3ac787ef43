"""Evaluate with Checkov: the units' Terraform, manifests and rendered chart objects, per
unit from the result cache where it can (a full hit never imports Checkov)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.cache.codec import finding_to_json
from engine.cache.keys import FileHashes, digest
from engine.cache.kubernetes_graph import (
    ManifestItem,
    graph_dependencies,
    kinds_in,
    plan_manifests,
)
from engine.cache.units import KUBERNETES as KUBERNETES_UNIT
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
    plan = checkov_plan(request.snapshot.root, units, hashes, base)
    manifests = plan_manifests(manifest_items(request.snapshot.root, loaded, hashes),
                               graph_dependencies(), base, digest)
    findings: list[Finding] = []
    missed: set[str] = set()
    missed_items: set[Item] = set()
    for identity, key in sorted(plan.keys.items()):
        cached = _cached(cache, key)
        if cached is None:
            missed.add(identity)
        else:
            findings.extend(cached)
    for item, key in sorted(manifests.keys.items()):
        cached = _cached(cache, key)
        if cached is None:
            missed_items.add(item)
        else:
            findings.extend(cached)
    if not missed and not missed_items:
        return findings, [], ""
    if skip_misses:
        names = missed | {KUBERNETES_UNIT if kind == "file" else name
                          for kind, name in missed_items}
        notes.append(f"Checkov not run on {len(names)} unit(s) (not cached): "
                     f"{', '.join(sorted(names))}; the PR check runs it")
        return findings, [], ""
    ran = plan.with_components(missed)
    findings = [f for f in findings if f.unit not in ran]
    # Items whose results the missed ones read run with them (their own fresh results are
    # dropped: the cached ones stand, and they may lack what *they* read).
    seen = manifests.run_set(missed_items)
    files = {name for kind, name in seen if kind == "file"}
    charts = {name for kind, name in seen if kind == "chart"}
    subset = [u for u in units if u.identity in ran and u.kind is UnitKind.TERRAFORM]
    k8s = Loaded(kubernetes_files=tuple(f for f in loaded.kubernetes_files if f in files),
                 rendered=[(u, r) for u, r in loaded.rendered if u in charts])
    fresh, errors, version = run_checkov(request, subset, k8s)
    kept = [f for f in fresh if _item(f) is None or _item(f) in missed_items]
    for identity, payload in split_by_unit(
            [f for f in fresh if _item(f) is None], [e for e in errors if _item(e) is None],
            ran).items():
        cache.put("checkov", plan.keys[identity], payload)
    for item, payload in split_by_item(fresh, errors, missed_items, seen, ran).items():
        cache.put("checkov", manifests.keys[item], payload)
    return [*findings, *kept], errors, version


Item = tuple[str, str]


def _cached(cache: ResultCache, key: str) -> tuple[Finding, ...] | None:
    # Findings are frozen: one decoded tuple serves every later scan of this process.
    return cache.get_decoded("checkov", key,
                             lambda payload: tuple(findings_from_payload(payload)))


def _item(result: Finding | ScanError) -> Item | None:
    """The manifest item a Checkov result belongs to (None: a Terraform unit's)."""
    if result.unit == KUBERNETES_UNIT:
        return ("file", result.file)
    if result.unit.startswith("chart:"):
        return ("chart", result.unit)
    return None


def manifest_items(root: Path, loaded: Loaded, hashes: FileHashes) -> list[ManifestItem]:
    """Every manifest file and rendered chart unit Checkov's Kubernetes run sees."""
    deps = graph_dependencies()
    vocabulary = deps.vocabulary if deps is not None else frozenset()
    resources: dict[str, list[Resource]] = {}
    for unit_resources in loaded.resources.values():
        for resource in unit_resources:
            if resource.kind == "kubernetes":
                resources.setdefault(resource.file, []).append(resource)
    items: list[ManifestItem] = []
    for name in loaded.kubernetes_files:
        try:
            data = (root / name).read_bytes() if vocabulary else b""
        except OSError:
            data = b""
        objects = resources.get(name, [])
        items.append(ManifestItem(("file", name), hashes.of(name),
                                  kinds_in(data, vocabulary, (r.type for r in objects)),
                                  frozenset(r.name for r in objects)))
    rendered: dict[str, list[Resource]] = {}
    for identity, resource in loaded.rendered:
        rendered.setdefault(identity, []).append(resource)
    for identity, objects in sorted(rendered.items()):
        # Keyed on exactly what Checkov is given: the rendered objects (already redacted)
        # and where they map back to.
        items.append(ManifestItem(("chart", identity), digest([r.to_input() for r in objects]),
                                  frozenset(r.type for r in objects),
                                  frozenset(r.name for r in objects)))
    return items


def split_by_item(findings: Sequence[Finding], errors: Sequence[ScanError], missed: set[Item],
                  seen: set[Item], terraform: set[str]) -> dict[Item, dict[str, Any]]:
    """Cacheable payloads of the missed manifest items of one run: an item with an error is
    left out, and nothing is cached when a Kubernetes result cannot be tied to an item the
    run was given or an engine failed (partial results are not complete ones)."""
    kubernetes_errors = [e for e in errors if _item(e) is not None]
    if any(e.code == "engine-error" for e in errors) or \
            any(_item(e) not in seen for e in kubernetes_errors) or \
            any(_item(e) is None and e.unit not in terraform for e in errors):
        return {}
    if any(_item(f) is not None and _item(f) not in seen for f in findings):
        return {}
    broken = {_item(e) for e in kubernetes_errors}
    payloads: dict[Item, dict[str, Any]] = {i: {"findings": []} for i in missed - broken}
    for finding in findings:
        item = _item(finding)
        if item in payloads:
            payloads[item]["findings"].append(finding_to_json(finding))
    return payloads


CHECKOV_CACHED_KINDS = frozenset({UnitKind.TERRAFORM, UnitKind.TERRAFORM_PLAN,
                                   UnitKind.KUBERNETES, UnitKind.HELM})
