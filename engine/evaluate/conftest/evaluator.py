"""Evaluate conftest-style policies on parsed files, with conftest's rule semantics.

For each file, each of its documents (:mod:`engine.load.documents`) and each selected
namespace, conftest's ``check`` is reproduced:

* per rule name, the number of ``exception`` entries naming it; if any, every result of
  the rule is excepted: its items become WAIVED findings (reported, never dropped) and it
  adds that number to the "exceptions" count;
* otherwise a set rule's items fail (``deny``/``violation``: blocking) or warn
  (``warn``: never blocking); an empty set is one success; an item is a string or an
  object with a string ``msg`` (its other fields are kept as the finding's ``details``;
  ``_loc.line`` places it); anything else is a policy error, never ignored;
* successes are then topped up to the number of rule definitions, as conftest counts.

Findings: ``policy_id`` = ``<package>.<rule>``; the resource is the Kubernetes address for
Kubernetes objects (``Deployment/prod/api``), else the file (``#<n>`` for the n-th
document of a multi-document file); severity from METADATA, else the configured default.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.evaluate.conftest.policies import (
    ConftestPolicySet,
    RuleInfo,
    aggregate_rule,
    exception_name,
)
from engine.evaluate.rego.errors import clean_engine_message
from engine.load.documents import Document, ParsedFile
from engine.model import (
    ConftestException,
    ConftestTally,
    Engine,
    Finding,
    ScanError,
    Status,
)

UNIT = "conftest"
FAMILY = "conftest"
_RESERVED = ("msg", "_loc")


@dataclass
class FileEvaluation:
    findings: list[Finding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    tallies: list[ConftestTally] = field(default_factory=list)
    exceptions: list[ConftestException] = field(default_factory=list)


@dataclass
class _Count:
    successes: int = 0
    failures: int = 0
    warnings: int = 0
    exceptions: int = 0


def resource_of(parsed: ParsedFile, document: Document) -> str:
    value = document.value
    if isinstance(value, Mapping) and isinstance(value.get("kind"), str):
        metadata = value.get("metadata")
        name = metadata.get("name") if isinstance(metadata, Mapping) else None
        if isinstance(name, str) and name:
            namespace = metadata.get("namespace") if isinstance(metadata, Mapping) else None
            ns = namespace if isinstance(namespace, str) and namespace else "default"
            return f"{value['kind']}/{ns}/{name}"
    return f"{parsed.file}#{document.index}" if parsed.multiple else parsed.file


class ConftestEvaluator:
    """One per scan (owns an engine clone; not thread-safe)."""

    def __init__(self, policies: ConftestPolicySet, root: Path | None = None) -> None:
        self._policies = policies
        self._engine = policies.new_engine()
        self._root = root

    def _file_data(self, parsed: ParsedFile) -> None:
        """conftest's ``data.conftest.file`` (name and absolute folder of the file being
        checked), replacing the previous file's: the engine's data is rebuilt per file."""
        if self._root is None:
            return
        path = (self._root / parsed.file).absolute()
        self._engine.clear_data()
        self._engine.add_data({**self._policies.data, "conftest": {
            **(self._policies.data.get("conftest") or {}),
            "file": {"name": path.name, "dir": str(path.parent)}}})

    def evaluate(self, parsed: ParsedFile) -> FileEvaluation:
        out = FileEvaluation()
        self._file_data(parsed)
        counts = {ns: _Count() for ns in self._policies.namespaces}
        for document in parsed.documents:
            try:
                self._engine.set_input(document.value)
            except Exception as exc:  # non-JSON input: a loader bug, fail closed
                out.errors.append(ScanError("engine-error", "the document cannot be handed "
                                            f"to the Rego engine ({type(exc).__name__})",
                                            parsed.file, document.line, UNIT))
                continue
            for index, namespace in enumerate(self._policies.namespaces):
                rules = self._policies.rules[namespace]
                if not rules:
                    continue
                try:
                    answer = json.loads(self._engine.eval_rule_as_json(aggregate_rule(index)))
                except Exception as exc:
                    reason = clean_engine_message(str(exc)).splitlines()
                    out.errors.append(ScanError(
                        "engine-error", f"conftest namespace {namespace} failed on this "
                        f"document: {reason[-1] if reason else type(exc).__name__}",
                        parsed.file, document.line, UNIT))
                    continue
                self._check(parsed, document, namespace, rules, answer, counts[namespace], out)
        for namespace, count in counts.items():
            out.tallies.append(ConftestTally(parsed.file, namespace, count.successes,
                                             count.failures, count.warnings, count.exceptions))
        return out

    def _check(self, parsed: ParsedFile, document: Document, namespace: str,
               rules: Sequence[RuleInfo], answer: list[Any], total: _Count,
               out: FileEvaluation) -> None:
        count = _Count()
        resource = resource_of(parsed, document)
        for rule, (values, exception_hits) in zip(rules, answer, strict=True):
            items, passed = _results(values)
            matches = len(exception_hits)
            findings = []
            for item in items:
                finding = self._finding(rule, item, parsed, document, resource, out)
                if finding is not None:
                    findings.append(finding)
            if matches:
                count.exceptions += matches
                waived = [_waive(f) for f in findings]
                out.findings.extend(waived)
                out.exceptions.append(ConftestException(
                    policy_id=rule.policy_id, namespace=namespace, rule=rule.name,
                    name=exception_name(rule.name), file=parsed.file, line=document.line,
                    resource=resource, matches=matches, waived=len(waived),
                    source=self._policies.exception_files.get(namespace, "")))
                continue
            count.successes += passed
            for finding in findings:
                if finding.blocking:
                    count.failures += 1
                else:
                    count.warnings += 1
            out.findings.extend(findings)
        definitions = sum(r.count for r in rules)
        seen = count.successes + count.failures + count.warnings + count.exceptions
        if seen < definitions:
            count.successes += definitions - seen
        total.successes += count.successes
        total.failures += count.failures
        total.warnings += count.warnings
        total.exceptions += count.exceptions

    def _finding(self, rule: RuleInfo, item: Any, parsed: ParsedFile, document: Document,
                 resource: str, out: FileEvaluation) -> Finding | None:
        line = document.line
        details = ""
        if isinstance(item, str):
            message = item
        elif isinstance(item, Mapping) and isinstance(item.get("msg"), str):
            message = item["msg"]
            extra = {k: v for k, v in item.items() if k not in _RESERVED}
            details = json.dumps(extra, sort_keys=True, ensure_ascii=False) if extra else ""
            location = item.get("_loc")
            if isinstance(location, Mapping) and isinstance(location.get("line"), int):
                line = max(location["line"], 0)
        else:
            what = ("an object without a string msg" if isinstance(item, Mapping)
                    else f"a {type(item).__name__}")
            out.errors.append(ScanError(
                "policy-error", f"rule {rule.policy_id} returned {what}; conftest needs a "
                "string or an object with a string msg", rule.file, rule.line, UNIT))
            return None
        meta = rule.meta
        assert meta.severity is not None  # the loader fills in the default
        return Finding(
            policy_id=rule.policy_id, title=meta.title or rule.policy_id,
            severity=meta.severity, family=FAMILY, engine=Engine.CONFTEST,
            status=Status.FAILED, resource=resource, file=parsed.file, line=line,
            message=message, unit=UNIT, attribute=message_key(message),
            remediation=meta.remediation, blocking=rule.blocking, details=details)


def message_key(message: str) -> str:
    """The finding's ``attribute``: a digest of its message. conftest items have no
    attribute path, and one rule often reports several items on one resource (two
    privileged ports): the digest keeps their fingerprints apart, so a baseline or a
    waiver never folds a second violation into the first."""
    return "msg:" + hashlib.sha256(message.encode("utf-8")).hexdigest()[:12]


def _results(values: list[Any]) -> tuple[list[Any], int]:
    """(items, successes) of one rule as conftest reads ``data.<ns>.<rule>``: undefined is
    nothing, a non-empty set its items, an empty set or any other value one success."""
    if not values:
        return [], 0
    value = values[0]
    if isinstance(value, list):
        return (list(value), 0) if value else ([], 1)
    return [], 1


def _waive(finding: Finding) -> Finding:
    return dataclasses.replace(finding, status=Status.WAIVED)
