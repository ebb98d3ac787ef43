"""Assemble ``report.json`` (schema ``gitops-compliance/quarterly-report`` v1), the source of
truth every other artifact is rendered from.

Deterministic: the same repository, policies, tool versions and ``--as-of`` give the same
dict, except ``generated_at``. Nothing here reads the clock, the machine or the network;
lists are sorted; numbers are rounded where they are computed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from engine.audit import changes, controls_matrix, lifecycle
from engine.audit.period import Period
from engine.audit.register import register
from engine.audit.timeline import CommitScan, Timeline
from engine.model import Finding, ScanResult, Status
from engine.source.paths import relative_inside

SCHEMA = "gitops-compliance/quarterly-report"
SCHEMA_VERSION = 1
GENERATED_AT = "generated_at"  # the one field that differs between two runs


@dataclass(frozen=True)
class ReportScope:
    repository: str  # the repository folder's name (never a machine's path or a remote URL)
    branch: str
    paths: tuple[str, ...]
    period: Period
    as_of: date
    fail_on: str | None  # --fail-on; None: the period end's config decides


def end_day(period: Period, as_of: date) -> date:
    """The day the period-end tree is judged on: the period's last day, or ``--as-of``
    when the period has not ended yet."""
    return min(period.until, as_of)


def build(scope: ReportScope, timeline: Timeline, evidence: Mapping[str, Any],
          generated_at: datetime) -> dict[str, Any]:
    end = timeline.end
    if end is None or end.result is None:
        raise ValueError("the timeline has no period-end snapshot")
    result = end.result
    last_day = end_day(scope.period, scope.as_of)
    until = min(datetime.combine(last_day + timedelta(days=1), time(), UTC),
                scope.period.end)
    commits = timeline.commits
    everything = ([timeline.start] if timeline.start else []) + list(commits)
    cite = {s.commit.sha: s.commit.cite() for s in [*everything, end]}
    metas = timeline.policies.metas
    from engine.library.controls import load_control_catalogs

    evidence_map = controls_matrix.Evidence(load_control_catalogs())
    found = lifecycle.episodes(timeline.start, commits, end)
    fix = lifecycle.remediation(found, until)
    gate = changes.gate(timeline.start, commits)
    families = controls_matrix.by_family(result, metas)
    change_control = changes.change_control(timeline.start, commits, cite)
    matrix = controls_matrix.matrix(end, metas, evidence_map, timeline.start, commits,
                                    cite, (len(change_control), len(end.validated)),
                                    checkov_ran="checkov" in result.versions)
    waivers = register(timeline.start, commits, end, last_day, scope.period.next().until,
                       cite)
    introduced = [e for e in found if e.introduced is not None]
    resolved = [e for e in found if e.resolved is not None]
    open_at_end = [e for e in found if e.resolved is None]
    start_result = timeline.start.result if timeline.start else None
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        GENERATED_AT: generated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tool": dict(sorted(result.versions.items())),
        "scope": _scope(scope, timeline, result, last_day),
        "verdict": _verdict(result),
        "summary": {
            "totals": {**_counts(result, metas), "resources": result.resource_count,
                       "introduced": len(introduced), "resolved": len(resolved),
                       "mean_days_to_remediate": fix.mean_days},
            "by_family": families,
            "by_clause": [{k: row[k] for k in ("clause", "regulation", "status", "failed",
                                               "waived", "passed")} for row in matrix],
        },
        "controls": matrix,
        "findings": {
            "introduced": [_episode(e, cite, until) for e in introduced],
            "resolved": [_episode(e, cite, until) for e in resolved],
            "open_at_end": [_episode(e, cite, until) for e in open_at_end],
            "remediation": {"resolved": fix.resolved, "measured": fix.measured,
                            "mean_days": fix.mean_days, "median_days": fix.median_days,
                            "carried_over_resolved": fix.carried_over},
        },
        "waivers": {
            "register": waivers,
            "expiring_next_period": [w["id"] for w in waivers if w["expiring_next_period"]],
            "counts": {state: sum(1 for w in waivers if w["state"] == state)
                       for state in ("active", "stale", "expired", "pending", "removed")},
        },
        "change_control": change_control,
        "trend": _trend(scope.period, timeline.start, end, metas, families),
        "exclusions": _exclusions(timeline, result),
        "severity_overrides": [{"policy_id": p, "severity": s.value}
                               for p, s in sorted(timeline.config.severity.items())],
        "checkov_skips": [{"id": i, "reason": r, "paths": list(p)}
                          for i, r, p in result.skipped_checks],
        "governance_changes": changes.governance(commits, cite),
        "red_merges": [{**cite[sha], "verdict": g["verdict"],
                        "new_blocking": g["new_blocking"], "errors": g["new_errors"]}
                       for sha, g in gate.items() if g["red"]],
        "commits": _commit_rows(timeline.start, commits, gate, found),
        "errors": {"end_snapshot": [_error(e) for e in result.errors],
                   "historical": _historical_errors(commits)},
        "evidence": dict(evidence),
        "sign_off": [{"role": role, "name": "", "signature": "", "date": ""}
                     for role in ("Prepared by", "Reviewed by", "Approved by")],
        **({"previous_snapshot_errors": [_error(e) for e in start_result.errors]}
           if start_result is not None and start_result.errors else {}),
    }


def _scope(scope: ReportScope, timeline: Timeline, result: ScanResult,
           last_day: date) -> dict[str, Any]:
    end = timeline.end
    assert end is not None
    config = timeline.config
    return {
        "repository": scope.repository,
        "branch": scope.branch,
        "paths": [p or "." for p in scope.paths],
        "period": {**scope.period.as_dict(), "as_of": scope.as_of.isoformat(),
                   "judged_on": last_day.isoformat(),
                   "complete": scope.as_of >= scope.period.until},
        "previous_period": scope.period.previous().as_dict(),
        "start_commit": timeline.start.commit.sha if timeline.start else None,
        "end_commit": end.commit.sha,
        "commit_count": len(timeline.commits),
        "policy_bundle": {"digest": sha256(result.policy_digest),
                          "policies": result.policy_count,
                          "from_commit": end.commit.sha,
                          "sources": [_source(d, timeline.root) for d in timeline.policy_dirs]},
        "config_file": relative_inside(config.source, timeline.root) if config.source else None,
        "waivers_file": result.waivers.file if result.waivers is not None else None,
        "fail_on": scope.fail_on or config.fail_on,
        "fail_on_option": scope.fail_on,  # --fail-on as given (None: the config's)
        "checkov": "checkov" in result.versions,
    }


def sha256(hexdigest: str) -> str:
    """A digest as the report writes it: the algorithm named."""
    return f"sha256:{hexdigest}"


def _source(folder: Path, root: Path) -> str:
    from engine.resources import policies_dir

    try:
        return "builtin:" + folder.resolve().relative_to(policies_dir().resolve()).as_posix()
    except ValueError:
        return relative_inside(folder, root) or folder.name



def _exclusions(timeline: Timeline, result: ScanResult) -> list[dict[str, Any]]:
    """The period end's exclusions, each with the files it left out of that tree (a file
    is left out by the first exclusion that matches it, as in discovery)."""
    from engine.globs import path_matches

    files: list[list[str]] = [[] for _ in timeline.config.exclude]
    for name, _reason in result.excluded:
        for bucket, exclusion in zip(files, timeline.config.exclude, strict=True):
            if path_matches(exclusion.path, name):
                bucket.append(name)
                break
    return [{"path": e.path, "reason": e.reason, "files": bucket}
            for e, bucket in zip(timeline.config.exclude, files, strict=True)]


def _verdict(result: ScanResult) -> dict[str, Any]:
    verdict = result.verdict
    blocking = len(result.blocking)
    text = {
        "compliant": "compliant: nothing at or above the threshold at the period's end",
        "blocked": f"blocked: {blocking} finding(s) at or above "
                   f"{result.fail_on.value if result.fail_on else 'none'} at the period's end",
        "incomplete": f"incomplete: {len(result.errors)} error(s) at the period's end; the "
                      "period-end tree was not fully evaluated",
        "invalid": "invalid: the period end's config or waivers could not be used",
    }[verdict.value]
    return {"end_snapshot": verdict.value, "exit_code": verdict.exit_code,
            "complete": not result.errors, "blocking": blocking, "text": text}


def _counts(result: ScanResult, metas: Sequence[Any]) -> dict[str, int]:
    families = controls_matrix.by_family(result, metas)
    return {"failed": sum(f["failed"] for f in families),
            "waived": sum(f["waived"] for f in families),
            "passed": sum(f["passed"] for f in families),
            "blocking": len(result.blocking), "errors": len(result.errors)}


def _finding(finding: Finding) -> dict[str, Any]:
    return {"fingerprint": finding.fingerprint, "policy_id": finding.policy_id,
            "title": finding.title, "severity": finding.severity.value,
            "family": finding.family, "resource": finding.resource, "file": finding.file,
            "line": finding.line, "unit": finding.unit, "catalog": list(finding.catalog),
            "controls": list(finding.controls)}


def _episode(episode: lifecycle.Episode, cite: Mapping[str, dict[str, str]],
             until: datetime) -> dict[str, Any]:
    finding = episode.seen.finding
    return {
        **_finding(finding),
        "introduced": cite[episode.introduced.sha] if episode.introduced else None,
        "resolved": cite[episode.resolved.sha] if episode.resolved else None,
        "days_open": episode.days_open(until),
        "open_at_end": episode.resolved is None,
        "status_at_end": finding.status.value if episode.resolved is None else None,
        "waiver": finding.waiver if finding.status is Status.WAIVED else "",
    }


def _trend(period: Period, start: CommitScan | None, end: CommitScan,
           metas: Sequence[Any], families: list[dict[str, Any]]) -> dict[str, Any]:
    before = start.result if start is not None else None
    previous = ({"label": period.previous().label, "commit": start.commit.sha,
                 **_counts(before, metas)} if start is not None and before is not None
                else None)
    assert end.result is not None
    current = {"label": period.label, "commit": end.commit.sha,
               **_counts(end.result, metas)}
    old = {f["family"]: f for f in controls_matrix.by_family(before, metas)} if before else {}
    new = {f["family"]: f for f in families}
    by_family = [{"family": name,
                  "previous_failed": old.get(name, {}).get("failed", 0),
                  "current_failed": new.get(name, {}).get("failed", 0),
                  "delta": new.get(name, {}).get("failed", 0) -
                  old.get(name, {}).get("failed", 0)}
                 for name in sorted(set(old) | set(new))]
    return {"previous": previous, "current": current, "by_family": by_family}


def _commit_rows(start: CommitScan | None, commits: Sequence[CommitScan],
                 gate: Mapping[str, dict[str, Any]], found: Sequence[lifecycle.Episode]
                 ) -> list[dict[str, Any]]:
    rows = []
    latest = start.commit.committed if start is not None else None
    for scan in commits:
        # Committed (by its own date) before a commit it follows: see history.landed.
        out_of_order = latest is not None and scan.commit.committed < latest
        latest = scan.commit.committed if latest is None else max(latest,
                                                                   scan.commit.committed)
        rows.append({**_commit_row(scan, gate, found), "out_of_order": out_of_order})
    return rows


def _commit_row(scan: CommitScan, gate: Mapping[str, dict[str, Any]],
                found: Sequence[lifecycle.Episode]) -> dict[str, Any]:
    sha = scan.commit.sha
    seen = list(scan.seen.values())
    verdict = gate.get(sha, {})
    return {
        **scan.commit.cite(),
        "merge": scan.commit.is_merge,
        "evaluated": scan.evaluated,
        "verdict": scan.verdict,
        "failed": sum(1 for s in seen if s.finding.status is Status.FAILED),
        "waived": sum(1 for s in seen if s.finding.status is Status.WAIVED),
        "blocking": sum(1 for s in seen if s.blocks),
        "new_blocking": len(verdict.get("new_blocking", ())),
        "errors": len(scan.errors),
        "introduced": sum(1 for e in found if e.introduced is not None
                          and e.introduced.sha == sha),
        "resolved": sum(1 for e in found if e.resolved is not None and e.resolved.sha == sha),
        "gate": "red" if verdict.get("red") else "green",
    }


def _error(error: Any) -> dict[str, Any]:
    return {"code": error.code, "file": error.file, "line": error.line,
            "message": error.message}


def _historical_errors(commits: Sequence[CommitScan]) -> list[dict[str, Any]]:
    """Errors of the period's commits, each distinct error once: the first and last commit
    that had it and how many did."""
    grouped: dict[tuple[str, str, int, str], dict[str, Any]] = {}
    for scan in commits:
        for error in scan.errors:
            key = (error.code, error.file, error.line, error.message)
            row = grouped.get(key)
            if row is None:
                grouped[key] = {**_error(error), "first_commit": scan.commit.sha,
                                "first_date": scan.commit.cite()["date"],
                                "last_commit": scan.commit.sha, "commits": 1}
            else:
                row["last_commit"] = scan.commit.sha
                row["commits"] += 1
    return list(grouped.values())
