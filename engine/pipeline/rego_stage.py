"""Evaluate with Rego: the scan's evaluator (embedded, or a remote OPA), one unit at a time,
from the result cache when the unit's key is known."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from engine.cache.keys import FileHashes, digest
from engine.cache.units import rego_from_payload, rego_payload
from engine.model import Resource, ScanError, Unit
from engine.pipeline.request import ScanRequest, guarded

if TYPE_CHECKING:
    from engine.cache.store import ResultCache
    from engine.evaluate.opa import RemoteOpaBackend
    from engine.evaluate.rego import PolicySet, RegoEvaluator, UnitEvaluation

def rego_evaluator(request: ScanRequest, policies: PolicySet, params: dict[str, Any],
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


def passed_count(outcome: UnitEvaluation) -> int:
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


def evaluate_rego(evaluator: RegoEvaluator, unit: Unit, resources: Sequence[Resource],
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
    outcome = guarded(unit, "rego evaluation", evaluator.evaluate, unit, resources)
    if cache is not None and not isinstance(outcome, ScanError) and not outcome.errors:
        cache.put("rego", key, rego_payload(outcome.findings, outcome.applicable))
    return outcome
