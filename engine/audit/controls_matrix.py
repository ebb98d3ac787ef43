"""The control matrix: every clause of the control catalogs, judged on the period-end tree,
with when it first failed and which commit fixed it (docs/policies.md, "Controls").

A finding evidences a clause when the clause is among its ``controls`` or its policy (or a
catalog row it implements) is listed under the clause or under one of its sub-clauses.
Resources are counted once per clause whichever engine (or however many policies) judged
them: ``<unit>|<address>@<file>``.

Status, in this order: *procedural* (out of scope for infrastructure as code, by the
catalog), *failed* (a resource fails an evidencing policy), *waived* (violations, all
under a waiver), *not-evaluated* (no resource the evidencing policies apply to), *passed*.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.audit.timeline import CommitScan
from engine.library.controls import Control, Regulation
from engine.model import Finding, PolicyMeta, ScanResult, Status


def resource_id(finding: Finding) -> str:
    return f"{finding.unit}|{finding.resource}@{finding.file}"


@dataclass
class Tally:
    evaluated: set[str] = field(default_factory=set)
    failing: set[str] = field(default_factory=set)
    waived: set[str] = field(default_factory=set)
    findings_failed: int = 0
    findings_waived: int = 0

    def add(self, finding: Finding) -> None:
        key = resource_id(finding)
        self.evaluated.add(key)
        if finding.status is Status.FAILED:
            self.failing.add(key)
            self.findings_failed += 1
        elif finding.status is Status.WAIVED:
            self.waived.add(key)
            self.findings_waived += 1

    @property
    def passed(self) -> int:
        return len(self.evaluated - self.failing - self.waived)

    def status(self) -> str:
        if self.failing:
            return "failed"
        if self.waived - self.failing:
            return "waived"
        return "passed" if self.evaluated else "not-evaluated"


class Evidence:
    """Which policies and findings evidence which clause."""

    def __init__(self, regulations: Sequence[Regulation]) -> None:
        self.controls: list[Control] = [c for r in regulations for c in r.controls]
        names: dict[str, set[str]] = {c.id: set(c.policies) for c in self.controls}
        for control in self.controls:  # a clause is evidenced by its sub-clauses' policies
            if control.parent in names:
                names[control.parent] |= set(control.policies)
        self.policies = names

    def clauses_of(self, policy_id: str, catalog: Iterable[str],
                   controls: Iterable[str]) -> set[str]:
        ids = {policy_id, *catalog}
        found = {c for c in controls if c in self.policies}
        found |= {cid for cid, names in self.policies.items() if ids & names}
        parents = {c.parent for c in self.controls if c.id in found and c.parent}
        return found | parents

    def finding_clauses(self, finding: Finding) -> set[str]:
        return self.clauses_of(finding.policy_id, finding.catalog, finding.controls)


def tallies(result: ScanResult, metas: Sequence[PolicyMeta],
            evidence: Evidence) -> dict[str, Tally]:
    """Per clause: the resources the evidencing policies judged, failed and waived."""
    out: dict[str, Tally] = {c.id: Tally() for c in evidence.controls}
    for finding in result.findings:
        if finding.status is Status.ERROR:
            continue
        for clause in evidence.finding_clauses(finding):
            out[clause].add(finding)
    by_id = {m.id: m for m in metas}
    for policy_id, keys in result.applicable.items():
        meta = by_id.get(policy_id)
        if meta is None:
            continue
        for clause in evidence.clauses_of(meta.id, meta.catalog, meta.controls):
            out[clause].evaluated.update(keys)
    return out


def failing_clauses(scan: CommitScan, evidence: Evidence) -> set[str]:
    return {clause for seen in scan.seen.values() if seen.finding.status is Status.FAILED
            for clause in evidence.finding_clauses(seen.finding)}


# Catalog rows the report itself implements (POLICIES.md, engine "report"): GXP-11 is the
# change-control section, so a clause evidenced only by it is met by the report.
REPORT_ROWS = frozenset({"GXP-11"})


def matrix(end: CommitScan, metas: Sequence[PolicyMeta], evidence: Evidence,
           start: CommitScan | None, commits: Sequence[CommitScan],
           cite: Mapping[str, dict[str, str]], recorded: tuple[int, int] = (0, 0),
           checkov_ran: bool = True) -> list[dict[str, Any]]:
    """One row per clause, in catalog order. ``recorded``: (commits in the change-control
    section, validated resources at the period's end), for clauses met by the report.
    The history ends with the period-end snapshot (judged on the period's last day)."""
    assert end.result is not None
    counts = tallies(end.result, metas, evidence)
    rego = {m.id for m in metas}
    history = [s for s in ([start] if start is not None else []) + list(commits) + [end]
               if s.evaluated]
    failing_at = [(s, failing_clauses(s, evidence)) for s in history]
    rows = []
    for control in evidence.controls:
        tally = counts[control.id]
        status = "procedural" if control.coverage == "procedural" else tally.status()
        note = ""
        names = evidence.policies[control.id]
        if names and names <= REPORT_ROWS:
            tally.evaluated.update(f"validated:{i}" for i in range(recorded[1]))
            status = "passed" if recorded[1] or recorded[0] else "not-evaluated"
            note = (f"met by this report: the change-control section records the "
                    f"{recorded[0]} commit(s) that touched resources tagged "
                    f"validation-status=validated ({recorded[1]} at the period's end)")
        unchecked = sorted(n for n in names - REPORT_ROWS if n not in rego)
        if not checkov_ran and unchecked and status != "procedural":
            note = (f"Checkov was not run (--no-checkov): {len(unchecked)} of this clause's "
                    f"checks were not evaluated ({', '.join(unchecked[:5])}"
                    f"{', ...' if len(unchecked) > 5 else ''})")
            if status == "passed":
                status = "not-evaluated"
        first_seen = fixed_in = None
        was_failing = False
        for scan, failing in failing_at:
            now = control.id in failing
            if now and first_seen is None:
                first_seen = {**cite[scan.commit.sha],
                              "before_period": scan is start}
            if was_failing and not now:
                fixed_in = cite[scan.commit.sha]
            elif now:
                fixed_in = None
            was_failing = now
        rows.append({
            "clause": control.id, "regulation": control.regulation, "title": control.title,
            "coverage": control.coverage, "status": status,
            "policies": sorted(evidence.policies[control.id]),
            "resources_evaluated": len(tally.evaluated),
            "resources_failing": len(tally.failing),
            "failed": tally.findings_failed, "waived": tally.findings_waived,
            "passed": tally.passed if status != "procedural" else 0,
            "first_seen": first_seen, "fixed_in": fixed_in, "note": note,
        })
    return rows


def by_family(result: ScanResult, metas: Sequence[PolicyMeta]) -> list[dict[str, Any]]:
    """Failed, waived, passed and blocking findings per policy family at one snapshot.
    Passed counts resources: Checkov's passed checks plus, per Rego policy, the resources
    it applied to that it did not fail or waive."""
    rows: dict[str, dict[str, int]] = {}

    def row(family: str) -> dict[str, int]:
        return rows.setdefault(family, {"failed": 0, "waived": 0, "passed": 0, "blocking": 0})

    judged: dict[str, set[str]] = {}
    for finding in result.findings:
        counts = row(finding.family)
        if finding.status is Status.PASSED:
            counts["passed"] += 1
        elif finding.status is Status.FAILED:
            counts["failed"] += 1
            counts["blocking"] += result.blocks(finding)
        elif finding.status is Status.WAIVED:
            counts["waived"] += 1
        if finding.status in (Status.FAILED, Status.WAIVED):
            judged.setdefault(finding.policy_id, set()).add(resource_id(finding))
    by_id = {m.id: m for m in metas}
    for policy_id, keys in result.applicable.items():
        meta = by_id.get(policy_id)
        if meta is not None:
            row(meta.family)["passed"] += len(set(keys) - judged.get(policy_id, set()))
    return [{"family": family, **counts} for family, counts in sorted(rows.items())]
