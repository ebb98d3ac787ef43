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
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

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


def resource_key(address: str, file: str) -> str:
    """The key of one resource in :attr:`UnitEvaluation.applicable`: ``"<address>@<file>"``.

    ``Secret/app/s@envs/prod/app.yaml``, ``aws_s3_bucket.logs@infra/storage/main.tf``. The
    file is part of the key because an address repeats across files (``envs/dev`` and
    ``envs/prod`` holding the same objects) and each copy passes or fails on its own. Build
    keys with this function rather than by hand.
    """
    return f"{address}@{file}"


@dataclass(frozen=True)
class UnitEvaluation:
    """What one unit produced.

    ``applicable`` maps each policy id that evaluated without error (a policy that failed
    in the engine is absent: nothing of it may count as passed) to the sorted, distinct
    :func:`resource_key` of every resource it applies to: the unit's resources whose type
    matches ``applies_to``, plus every resource the policy reported in any rule (``deny``,
    ``violation`` or ``warn``), keyed where the finding was located. Two objects with the
    same address in different files are two keys; two in the same file are one.

    The caller counts, per policy id::

        failed = {resource_key(f.resource, f.file)
                  for f in findings if f.policy_id == policy_id and f.resource}
        passed = set(applicable[policy_id]) - failed

    using ``Finding.file`` as reported (the located file), before any waiver — then
    subtracts waived keys the same way. Findings without a ``resource`` (about the unit)
    are never in ``applicable``. Whether a ``warn``-only resource counts as failed is the
    caller's choice (filter on ``f.blocking``); every finding's key is in ``applicable``.
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


# address -> every distinct (file, line) it has, sorted: lookups never depend on the order
# resources or inventory entries were given in.
_Index = Mapping[str, tuple[tuple[str, int], ...]]


_LOCATION = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+)$")


def _engine_failure(exc: Exception) -> tuple[str, int, str]:
    """(``file:line:col`` or "", line or 0, message) of a regorus error — no backtrace, no
    source excerpt. The file is as the module was added to the engine (the loader's path)."""
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
    where = _LOCATION.match(location)
    return location, int(where.group("line")) if where else 0, reason


def _join(location: str, reason: str) -> str:
    return f"{location}: {reason}" if location else reason


class RuleBackend(Protocol):
    """Where the Rego rules are evaluated: the embedded regorus engine, or a remote OPA
    server (engine/evaluate/opa). Both see the same policies, data and input."""

    def evaluate_all(self, document: dict[str, Any]) -> list[Any]:
        """The aggregate rule's value for one unit input: per policy, per rule, the items.
        Raises on any engine failure."""
        ...

    def evaluate_package(self, package: str, document: dict[str, Any]) -> list[Any]:
        """``[deny, violation, warn]`` items of one package (to name a failing policy)."""
        ...


class EmbeddedBackend:
    """regorus in-process: one engine per scan holding the scan's data."""

    def __init__(self, policy_set: PolicySet, params: Mapping[str, Any],
                 inventory: Mapping[str, Any]) -> None:
        self._engine = policy_set.new_engine()
        self._engine.add_data({"inventory": dict(inventory),
                               "gitops_compliance": {"params": dict(params)}})

    def evaluate_all(self, document: dict[str, Any]) -> list[Any]:
        self._engine.set_input(document)
        results: list[Any] = json.loads(self._engine.eval_rule_as_json(AGGREGATE_RULE))
        return results

    def evaluate_package(self, package: str, document: dict[str, Any]) -> list[Any]:
        self._engine.set_input(document)
        answer = json.loads(self._engine.eval_query_as_json(package_query(package)))
        value: list[Any] = answer["result"][0]["expressions"][0]["value"]
        return value


def package_query(package: str) -> str:
    """The query for one package's rules, positionally in ``RULES`` order."""
    return "[" + ", ".join(f"[x | some x in data.{package}.{rule}]" for rule in RULES) + "]"


class RegoEvaluator:
    """Evaluates units for one scan. ``params`` and ``inventory`` are fixed for the scan;
    ``backend`` defaults to the embedded engine (a remote OPA is passed in by the caller)."""

    def __init__(self, policy_set: PolicySet, params: Mapping[str, Any],
                 inventory: Mapping[str, Any], backend: RuleBackend | None = None) -> None:
        self._policy_set = policy_set
        inventory_doc = {"terraform": [], "kubernetes": [], **inventory}
        self._backend = backend or EmbeddedBackend(policy_set, params, inventory_doc)
        self._inventory_locations = _index_inventory(inventory_doc)
        self._matchers = {p.meta.id: frozenset(p.meta.applies_to)
                          for p in policy_set.policies}

    def evaluate(self, unit: Unit, resources: Sequence[Resource]) -> UnitEvaluation:
        """Findings, errors and applicability of ``unit``. Never raises for a policy or
        engine failure: that is an ``engine-error`` ScanError for this unit."""
        document = unit_input(unit, resources)
        try:
            json.dumps(document)
        except (TypeError, ValueError) as exc:  # non-JSON values: a loader bug, fail closed
            return UnitEvaluation(errors=(self._error(
                unit, f"the unit's input cannot be handed to the Rego engine: "
                      f"{type(exc).__name__}"),))

        policies = self._policy_set.policies
        errors: list[ScanError] = []
        try:
            per_policy: list[list[Any] | None] = list(self._backend.evaluate_all(document))
            if len(per_policy) != len(policies):
                raise ValueError(f"{len(per_policy)} policy results for {len(policies)} "
                                 "policies")
        except Exception as exc:  # engine errors are RuntimeError; anything else too
            per_policy, errors = self._evaluate_separately(unit, document, exc)

        findings: list[Finding] = []
        locations = _index((r.address, r.file, r.line) for r in resources)
        applicable: dict[str, tuple[str, ...]] = {}
        for policy, rule_results in zip(policies, per_policy, strict=True):
            if rule_results is None:
                continue
            reported: set[str] = set()
            for rule, items in zip(RULES, rule_results, strict=True):
                for item in items:
                    finding, problems = self._finding(policy, rule, item, unit, locations)
                    findings.append(finding)
                    if finding.resource:
                        reported.add(resource_key(finding.resource, finding.file))
                    errors.extend(self._error(unit, problem, code="policy-error",
                                              file=policy.file) for problem in problems)
            applicable[policy.meta.id] = self._applicable(policy, resources, reported)

        findings.sort(key=Finding.sort_key)
        errors.sort(key=lambda e: (e.code, e.file, e.line, e.message))
        return UnitEvaluation(tuple(findings), tuple(errors), applicable)

    def _evaluate_separately(self, unit: Unit, document: dict[str, Any],
                             first_error: Exception) -> tuple[
            list[list[Any] | None], list[ScanError]]:
        """One query per policy after the aggregate failed: name the failing policies, keep
        the others' findings."""
        out: list[list[Any] | None] = []
        errors: list[ScanError] = []
        for policy in self._policy_set.policies:
            try:
                out.append(self._backend.evaluate_package(policy.package, document))
            except Exception as exc:
                out.append(None)
                where, line, reason = _engine_failure(exc)
                # The error's line is the policy's only when the engine located the failure
                # in the policy file itself (not in a library it calls).
                errors.append(self._error(
                    unit, f"policy {policy.meta.id} failed: {_join(where, reason)}",
                    file=policy.file, line=line if where.startswith(f"{policy.file}:") else 0))
        if not errors:  # only the combination failed; still never a silent pass
            where, _, reason = _engine_failure(first_error)
            errors.append(self._error(unit, f"Rego evaluation failed: {_join(where, reason)}"))
            out = [None] * len(out)
        return out, errors

    def _error(self, unit: Unit, message: str, code: str = "engine-error", *,
               file: str = "", line: int = 0) -> ScanError:
        return ScanError(code=code, message=message, file=file, line=line,
                         unit=unit.identity)

    def _finding(self, policy: RegoPolicy, rule: str, item: Any, unit: Unit,
                 locations: _Index) -> tuple[Finding, list[str]]:
        """The finding for one rule item, and the policy problems to report."""
        meta = policy.meta
        problems: list[str] = []
        message, resource, attribute, severity_text = _item_fields(item)
        severity = meta.severity
        if severity_text:
            try:
                severity = Severity.parse(severity_text)
            except ValueError:
                problems.append(
                    f"policy {meta.id} returned an item with an unknown severity "
                    f"{severity_text!r}; used {meta.severity.value}")
        item_file = item.get("file", "") if isinstance(item, Mapping) else ""
        if not isinstance(item_file, str):
            problems.append(
                f"policy {meta.id} returned an item whose file is not a string "
                f"({json.dumps(item_file, sort_keys=True)}); located by address")
            item_file = ""
        file, line = self._locate(resource, item_file, unit, locations)
        finding = Finding(
            policy_id=meta.id, title=meta.title, severity=severity, family=meta.family,
            engine=Engine.REGO, status=Status.FAILED, resource=resource, file=file, line=line,
            message=message or meta.title, unit=unit.identity, attribute=attribute,
            remediation=meta.remediation, controls=meta.controls, catalog=meta.catalog,
            blocking=rule not in _NON_BLOCKING_RULES,
        )
        return finding, problems

    def _locate(self, address: str, file: str, unit: Unit,
                locations: _Index) -> tuple[str, int]:
        """Where a finding about ``address`` (in ``file``, when the item names one) is.

        With a file: the object with that address in that file — among the unit's resources,
        then the scope's — or, when there is none, that file at line 0. Without one, the
        first in (file, line) order of: the unit's objects with the address; else the
        scope's inside the unit's directory; else the scope's anywhere. Nothing found: the
        unit's directory, line 0. Within one file the lowest line wins.
        """
        if not address:
            return unit.directory, 0
        here = locations.get(address, ())
        scope = self._inventory_locations.get(address, ())
        if file:
            for candidates in (here, scope):
                lines = [line for f, line in candidates if f == file]
                if lines:
                    return file, lines[0]
            return file, 0
        if here:
            return here[0]
        inside = [c for c in scope if _within(c[0], unit.directory)]
        if inside:
            return inside[0]
        if scope:
            return scope[0]
        return unit.directory, 0

    def _applicable(self, policy: RegoPolicy, resources: Sequence[Resource],
                    reported: set[str]) -> tuple[str, ...]:
        wanted = self._matchers[policy.meta.id]
        matched = set(reported)
        if wanted:
            every = "*" in wanted
            for r in resources:
                # applies_to names a data source as Terraform does: data.<type>
                key = f"data.{r.type}" if r.extra.get("mode") == "data" else r.type
                if every or key in wanted:
                    matched.add(resource_key(r.address, r.file))
        return tuple(sorted(matched))


def _within(file: str, directory: str) -> bool:
    directory = directory.strip("/")
    return directory in ("", ".") or file == directory or file.startswith(directory + "/")


def _index(entries: Iterable[tuple[str, str, int]]) -> dict[str, tuple[tuple[str, int], ...]]:
    found: dict[str, set[tuple[str, int]]] = {}
    for address, file, line in entries:
        found.setdefault(address, set()).add((file, line))
    return {address: tuple(sorted(where)) for address, where in found.items()}


def _index_inventory(inventory: Mapping[str, Any]) -> dict[str, tuple[tuple[str, int], ...]]:
    """address -> every (file, line) it has in the scope."""
    def entries() -> Iterator[tuple[str, str, int]]:
        for kind_entries in inventory.values():
            if not isinstance(kind_entries, list):
                continue
            for entry in kind_entries:
                if isinstance(entry, Mapping) and isinstance(entry.get("address"), str):
                    yield (entry["address"], str(entry.get("file", "")),
                           int(entry.get("line", 0) or 0))
    return _index(entries())


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
