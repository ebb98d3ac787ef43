"""conftest-style policies over a scan's files: alone (``scan --conftest-policies DIR``) or
joined to the normal scan (config ``conftest.policies``, or ``--with-builtin``).

Stages as everywhere: the snapshot's files in scope (minus exclusions) -> every file
conftest could parse, parsed (engine/load/documents.py) -> evaluated per document
(engine/evaluate/conftest) -> findings, errors and conftest's own counts on the
``ScanResult``. Helm chart templates are not configuration until rendered: they are listed
as not evaluated, as are files whose conftest parser is not available here.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from engine import __version__
from engine.config import Config, Exclusion
from engine.decide.verdict import apply_severity_overrides, order_findings
from engine.discover.units import in_scope
from engine.globs import path_matches
from engine.load.documents import load_file, parser_for, unsupported_parser
from engine.model import (
    ConftestException,
    ConftestTally,
    Finding,
    ScanError,
    ScanResult,
    Severity,
    Unit,
    UnitKind,
)
from engine.source.worktree import Snapshot

if TYPE_CHECKING:
    from engine.evaluate.conftest import ConftestPolicySet

UNIT = "conftest"


@dataclass(frozen=True)
class ConftestOutcome:
    files: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    errors: tuple[ScanError, ...] = ()
    tallies: tuple[ConftestTally, ...] = ()
    exceptions: tuple[ConftestException, ...] = ()
    not_evaluated: tuple[tuple[str, str], ...] = ()
    excluded: tuple[tuple[str, str], ...] = ()
    timings: Mapping[str, float] = field(default_factory=dict)

    @property
    def unit(self) -> Unit:
        return Unit(UnitKind.CONFTEST, UNIT, "", self.files)


def _exclusion(name: str, exclusions: Sequence[Exclusion]) -> str | None:
    for exclusion in exclusions:
        if path_matches(exclusion.path, name):
            return exclusion.reason
    return None


def select_files(files: Sequence[str], scope: Sequence[str], exclusions: Sequence[Exclusion],
                 ) -> tuple[list[str], list[tuple[str, str]], list[tuple[str, str]]]:
    """(files to parse, (file, parser) not evaluated, (file, reason) excluded)."""
    charts = {str(PurePosixPath(f).parent) for f in files if PurePosixPath(f).name == "Chart.yaml"}
    chosen: list[str] = []
    skipped: list[tuple[str, str]] = []
    excluded: list[tuple[str, str]] = []
    for name in files:
        if not in_scope(name, scope):
            continue
        reason = _exclusion(name, exclusions)
        if reason is not None:
            excluded.append((name, reason))
            continue
        parts = PurePosixPath(name).parts
        in_templates = any(str(PurePosixPath(*parts[:i])) in charts and parts[i] == "templates"
                           for i in range(len(parts) - 1))
        if in_templates and (parser_for(name) or unsupported_parser(name)):
            skipped.append((name, "helm template (render it first: helm template | conftest)"))
        elif parser_for(name) is not None:
            chosen.append(name)
        elif (needed := unsupported_parser(name)) is not None:
            skipped.append((name, needed))
    return chosen, skipped, excluded


def run_conftest(snapshot: Snapshot, scope: Sequence[str], exclusions: Sequence[Exclusion],
                 policies: ConftestPolicySet,
                 clock: Callable[[], float] = time.perf_counter) -> ConftestOutcome:
    from engine.evaluate.conftest import ConftestEvaluator

    started = clock()
    files, skipped, excluded = select_files(snapshot.files, scope, exclusions)
    evaluator = ConftestEvaluator(policies, snapshot.root)
    findings: list[Finding] = []
    errors: list[ScanError] = []
    tallies: list[ConftestTally] = []
    exceptions: list[ConftestException] = []
    parse_time = 0.0
    for name in files:
        mark = clock()
        parsed = load_file(snapshot.root, name)
        parse_time += clock() - mark
        errors.extend(parsed.errors)
        if parsed.errors:
            continue
        try:
            outcome = evaluator.evaluate(parsed)
        except Exception as exc:  # the unit boundary: this file's results are missing
            errors.append(ScanError("internal-error", f"conftest evaluation failed with "
                                    f"{type(exc).__name__}; the file's results are missing",
                                    name, 0, UNIT))
            continue
        findings.extend(outcome.findings)
        errors.extend(outcome.errors)
        tallies.extend(outcome.tallies)
        exceptions.extend(outcome.exceptions)
    total = clock() - started
    return ConftestOutcome(
        files=tuple(files), findings=tuple(findings), errors=tuple(errors),
        tallies=tuple(tallies), exceptions=tuple(exceptions), not_evaluated=tuple(skipped),
        excluded=tuple(excluded),
        timings={"conftest_parse": round(parse_time, 3),
                 "conftest": round(total - parse_time, 3)})


def _sorted_errors(errors: Sequence[ScanError]) -> tuple[ScanError, ...]:
    return tuple(sorted(set(errors), key=lambda e: (e.file, e.line, e.code, e.message)))


def annotate(result: ScanResult, outcome: ConftestOutcome,
             policies: ConftestPolicySet) -> ScanResult:
    """The normal scan's result with what the conftest policies ran on: their unit, digest,
    counts and conftest's own tallies (their findings and errors joined the scan's before
    decide, in engine/pipeline/scan.py, so waivers and overrides apply to them alike)."""
    timings = {**result.timings, **outcome.timings}
    timings["total"] = round(result.timings.get("total", 0.0)
                             + sum(outcome.timings.values()), 3)
    return dataclasses.replace(
        result,
        units=(*result.units, outcome.unit) if outcome.files else result.units,
        policy_digest=f"{result.policy_digest}+conftest:{policies.digest}",
        policy_count=result.policy_count + policies.rule_count,
        versions={**result.versions, "conftest-rego": policies.rego_version},
        timings=timings,
        conftest_results=outcome.tallies,
        conftest_exceptions=outcome.exceptions,
        conftest_not_evaluated=outcome.not_evaluated,
    )


def standalone_result(snapshot: Snapshot, scope: tuple[str, ...], config: Config,
                      fail_on: Severity | None, outcome: ConftestOutcome,
                      policies: ConftestPolicySet) -> ScanResult:
    """The result of a conftest-only scan: nothing but the conftest policies ran."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        regorus = version("gordon-to-regorus")
    except PackageNotFoundError:
        regorus = "not installed"
    unreadable = [e for e in snapshot.errors if in_scope(e.file, scope)]
    findings = order_findings(apply_severity_overrides(list(outcome.findings), config.severity))
    timings = dict(outcome.timings)
    timings["total"] = round(sum(outcome.timings.values()), 3)
    return ScanResult(
        root=str(snapshot.root), scope=scope, findings=tuple(findings),
        errors=_sorted_errors([*unreadable, *outcome.errors]),
        units=(outcome.unit,) if outcome.files else (),
        excluded=tuple(sorted(outcome.excluded)), fail_on=fail_on, commit=snapshot.commit,
        policy_digest=f"conftest:{policies.digest}", policy_count=policies.rule_count,
        resource_count=sum(1 for _ in outcome.files),
        versions={"gitops-compliance": __version__, "regorus": regorus,
                  "conftest-rego": policies.rego_version},
        timings=timings, conftest_results=outcome.tallies,
        conftest_exceptions=outcome.exceptions, conftest_not_evaluated=outcome.not_evaluated)
