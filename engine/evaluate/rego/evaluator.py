"""Evaluate a unit against a compiled policy set and map the results to findings.

Strategy: one engine per scan (a clone of the policy set's compiled engine) holds
``data.inventory`` and ``data.gitops_compliance.params``; each unit costs one
``set_input`` and one ``eval_rule_as_json`` of the loader's generated aggregate rule,
which collects ``deny``/``violation``/``warn`` of every policy package positionally.
Only when that evaluation fails does the evaluator fall back to one query per policy, to
name the policy that failed and still report the others (fail closed, but precise).

An evaluator is not thread-safe (it owns one engine); create one per worker.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.evaluate.rego.errors import clean_engine_message
from engine.evaluate.rego.loader import AGGREGATE_RULE, RULES, PolicySet, RegoPolicy
from engine.model import Engine, Finding, Resource, ScanError, Severity, Status, Unit, UnitKind

CONTRACT_VERSION = 1
_NON_BLOCKING_RULES = frozenset({"warn"})

# Unit kinds as policies see them (docs/input-contract.md: "terraform" | "kubernetes").
_INPUT_KIND = {
    UnitKind.TERRAFORM: "terraform",
    UnitKind.TERRAFORM_PLAN: "terraform",
    UnitKind.KUBERNETES: "kubernetes",
    UnitKind.HELM: "kubernetes",
    UnitKind.KUSTOMIZE: "kubernetes",
}


@dataclass(frozen=True)
class UnitEvaluation:
    """What one unit produced.

    ``applicable`` maps each policy id that evaluated without error to the sorted addresses
    of the unit's resources it applies to (``applies_to`` matches, plus any resource it
    reported), so a caller counts passed = applicable - failed - waived.
    """

    findings: tuple[Finding, ...] = ()
    errors: tuple[ScanError, ...] = ()
    applicable: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def unit_input(unit: Unit, resources: Sequence[Resource]) -> dict[str, Any]:
    """The ``input`` document of a unit (contract version 1, engine/schemas/input-v1.json)."""
    return {
        "contract_version": CONTRACT_VERSION,
        "kind": _INPUT_KIND[unit.kind],
        "unit": unit.identity,
        "resources": [r.to_input() for r in resources],
    }


def _engine_reason(exc: Exception) -> str:
    """``file:line: message`` from a regorus error (no backtrace, no source excerpt)."""
    text = clean_engine_message(str(exc))
    location = ""
    reason = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("-->") and not location:
            location = stripped.removeprefix("-->").strip()
        elif stripped.startswith("error:") and not reason:
            reason = stripped.removeprefix("error:").strip()
    reason = reason or (text.splitlines()[-1].strip() if text else type(exc).__name__)
    return f"{location}: {reason}" if location else reason


class RegoEvaluator:
    """Evaluates units for one scan. ``params`` and ``inventory`` are fixed for the scan."""

    def __init__(self, policy_set: PolicySet, params: Mapping[str, Any],
                 inventory: Mapping[str, Any]) -> None:
        self._policy_set = policy_set
        self._engine = policy_set.new_engine()
        inventory_doc = {"terraform": [], "kubernetes": [], **inventory}
        self._engine.add_data({"inventory": inventory_doc,
                               "gitops_compliance": {"params": dict(params)}})
        self._inventory_locations = _index_inventory(inventory_doc)
        self._matchers = {p.meta.id: frozenset(p.meta.applies_to)
                          for p in policy_set.policies}

    def evaluate(self, unit: Unit, resources: Sequence[Resource]) -> UnitEvaluation:
        """Findings, errors and applicability of ``unit``. Never raises for a policy or
        engine failure: that is an ``engine-error`` ScanError for this unit."""
        try:
            self._engine.set_input(unit_input(unit, resources))
        except Exception as exc:  # non-JSON values in the input: a loader bug, fail closed
            return UnitEvaluation(errors=(self._error(
                unit, f"the unit's input cannot be handed to the Rego engine: {exc}"),))

        policies = self._policy_set.policies
        errors: list[ScanError] = []
        try:
            results: list[Any] = json.loads(self._engine.eval_rule_as_json(AGGREGATE_RULE))
            per_policy: list[list[Any] | None] = list(results)
        except Exception as exc:  # engine errors are RuntimeError; anything else too
            per_policy, errors = self._evaluate_separately(unit, exc)

        findings: list[Finding] = []
        locations = {r.address: (r.file, r.line) for r in reversed(resources)}
        applicable: dict[str, tuple[str, ...]] = {}
        for policy, rule_results in zip(policies, per_policy, strict=True):
            if rule_results is None:
                continue
            failed: set[str] = set()
            for rule, items in zip(RULES, rule_results, strict=True):
                for item in items:
                    finding, problem = self._finding(policy, rule, item, unit, locations)
                    findings.append(finding)
                    if finding.resource:
                        failed.add(finding.resource)
                    if problem:
                        errors.append(self._error(unit, problem, code="policy-error"))
            applicable[policy.meta.id] = self._applicable(policy, resources, failed)

        findings.sort(key=Finding.sort_key)
        errors.sort(key=lambda e: (e.code, e.message))
        return UnitEvaluation(tuple(findings), tuple(errors), applicable)

    def _evaluate_separately(self, unit: Unit, first_error: Exception) -> tuple[
            list[list[Any] | None], list[ScanError]]:
        """One query per policy after the aggregate failed: name the failing policies, keep
        the others' findings."""
        out: list[list[Any] | None] = []
        errors: list[ScanError] = []
        for policy in self._policy_set.policies:
            query = "[" + ", ".join(f"[x | some x in data.{policy.package}.{rule}]"
                                    for rule in RULES) + "]"
            try:
                answer = json.loads(self._engine.eval_query_as_json(query))
                out.append(answer["result"][0]["expressions"][0]["value"])
            except Exception as exc:
                out.append(None)
                errors.append(self._error(
                    unit, f"policy {policy.meta.id} failed: {_engine_reason(exc)}"))
        if not errors:  # only the combination failed; still never a silent pass
            errors.append(self._error(
                unit, f"Rego evaluation failed: {_engine_reason(first_error)}"))
            out = [None] * len(out)
        return out, errors

    def _error(self, unit: Unit, message: str, code: str = "engine-error") -> ScanError:
        return ScanError(code=code, message=message, unit=unit.identity)

    def _finding(self, policy: RegoPolicy, rule: str, item: Any, unit: Unit,
                 locations: Mapping[str, tuple[str, int]]) -> tuple[Finding, str]:
        """The finding for one rule item, and a policy problem to report ("" if none)."""
        meta = policy.meta
        problem = ""
        message, resource, attribute, severity_text = _item_fields(item)
        severity = meta.severity
        if severity_text:
            try:
                severity = Severity.parse(severity_text)
            except ValueError:
                problem = (f"policy {meta.id} returned an item with an unknown severity "
                           f"{severity_text!r}; used {meta.severity.value}")
        file, line = self._locate(resource, unit, locations)
        finding = Finding(
            policy_id=meta.id, title=meta.title, severity=severity, family=meta.family,
            engine=Engine.REGO, status=Status.FAILED, resource=resource, file=file, line=line,
            message=message or meta.title, unit=unit.identity, attribute=attribute,
            remediation=meta.remediation, controls=meta.controls, catalog=meta.catalog,
            blocking=rule not in _NON_BLOCKING_RULES,
        )
        return finding, problem

    def _locate(self, address: str, unit: Unit,
                locations: Mapping[str, tuple[str, int]]) -> tuple[str, int]:
        if address in locations:
            return locations[address]
        candidates = self._inventory_locations.get(address, ()) if address else ()
        if len(candidates) == 1:
            return candidates[0]
        inside = [c for c in candidates if _within(c[0], unit.directory)]
        if inside:
            return inside[0]
        return unit.directory, 0

    def _applicable(self, policy: RegoPolicy, resources: Sequence[Resource],
                    failed: set[str]) -> tuple[str, ...]:
        wanted = self._matchers[policy.meta.id]
        matched = set(failed)
        if wanted:
            every = "*" in wanted
            for r in resources:
                # applies_to names a data source as Terraform does: data.<type>
                key = f"data.{r.type}" if r.extra.get("mode") == "data" else r.type
                if every or key in wanted:
                    matched.add(r.address)
        return tuple(sorted(matched))


def _within(file: str, directory: str) -> bool:
    directory = directory.strip("/")
    return directory in ("", ".") or file == directory or file.startswith(directory + "/")


def _index_inventory(inventory: Mapping[str, Any]) -> dict[str, tuple[tuple[str, int], ...]]:
    """address -> every (file, line) it has in the scope, in inventory order."""
    index: dict[str, list[tuple[str, int]]] = {}
    for kind in sorted(inventory):
        entries = inventory[kind]
        if not isinstance(entries, list):
            continue
        for entry in entries:
            if not isinstance(entry, Mapping) or not isinstance(entry.get("address"), str):
                continue
            where = (str(entry.get("file", "")), int(entry.get("line", 0) or 0))
            seen = index.setdefault(entry["address"], [])
            if where not in seen:
                seen.append(where)
    return {address: tuple(found) for address, found in index.items()}


def _item_fields(item: Any) -> tuple[str, str, str, str]:
    """(message, resource, attribute, severity override) of a deny/violation/warn item.

    A string item, or an object without ``resource``, is attributed to the unit; anything
    else is shown as JSON rather than dropped.
    """
    if isinstance(item, str):
        return item, "", "", ""
    if isinstance(item, Mapping):
        msg = item.get("msg")
        message = msg if isinstance(msg, str) else (
            json.dumps(msg, sort_keys=True) if msg is not None else "")
        resource = item.get("resource")
        attribute = item.get("attribute")
        severity = item.get("severity")
        return (message,
                resource if isinstance(resource, str) else "",
                attribute if isinstance(attribute, str) else "",
                severity if isinstance(severity, str) else "")
    return json.dumps(item, sort_keys=True), "", "", ""
