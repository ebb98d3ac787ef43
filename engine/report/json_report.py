"""``-o json``: the machine-readable scan result (schema: engine/schemas/scan-result-v1.json).

``schema_version`` changes only on a breaking change; new keys may be added within a version.
"""

from __future__ import annotations

import json
from typing import Any

from engine.model import Finding, ScanError, ScanResult, Severity, Status
from engine.report import RenderOptions

SCHEMA_VERSION = 1


def render(result: ScanResult, options: RenderOptions) -> str:
    del options
    return json.dumps(to_document(result), indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def to_document(result: ScanResult) -> dict[str, Any]:
    verdict = result.verdict
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "gitops-compliance", "versions": dict(result.versions)},
        "verdict": verdict.value,
        "exit_code": verdict.exit_code,
        "fail_on": result.fail_on.value if result.fail_on else "none",
        "summary": summary(result),
        "scan": {
            "root": result.root,
            "scope": list(result.scope),
            "commit": result.commit,
            "policy_digest": result.policy_digest,
            "policy_count": result.policy_count,
            "resource_count": result.resource_count,
            "units": [{"kind": u.kind.value, "identity": u.identity, "files": list(u.files)}
                      for u in result.units],
            "excluded": [{"path": p, "reason": r} for p, r in result.excluded],
            "checkov_skips": [{"id": i, "reason": r, "paths": list(p)}
                              for i, r, p in result.skipped_checks],
            "timings": dict(result.timings),
            "rego_engine": dict(result.rego_engine),
            "cache": dict(result.cache_stats),
            # Git modes (docs/git-gating.md); "worktree" and nulls for a plain scan.
            "mode": result.mode,
            "base_commit": result.base_commit,
            "changed_files": (list(result.changed_files)
                              if result.changed_files is not None else None),
            "governance_changes": [{"kind": g.kind, "status": g.status, "path": g.path,
                                    "old_path": g.old_path}
                                   for g in result.governance_changes],
        },
        "waivers": _waivers(result),
        "notes": list(result.notes),
        "findings": [_finding(f, result.blocks(f)) for f in result.findings
                     if f.status is not Status.PASSED],
        "errors": [_error(e) for e in result.errors],
        **_conftest(result),
    }


def _conftest(result: ScanResult) -> dict[str, Any]:
    """conftest's counts, exceptions and unparsed files, when conftest policies ran."""
    from engine.report import conftest_summary

    return {"conftest": conftest_summary.document(result)} if conftest_summary.ran(result) else {}


def summary(result: ScanResult) -> dict[str, Any]:
    failed = {s.value: 0 for s in Severity}
    warnings = 0
    passed = result.rego_passed + sum(t.successes for t in result.conftest_results)
    for finding in result.findings:
        if finding.status is Status.PASSED:
            passed += 1
        elif finding.status is Status.FAILED and not finding.blocking:
            warnings += 1
        elif finding.status is Status.FAILED:
            failed[finding.severity.value] += 1
    waived = sum(1 for f in result.findings if f.status is Status.WAIVED)
    unregistered = sum(1 for f in result.findings
                       if f.status is Status.FAILED and f.suppression is not None)
    return {"failed": failed, "blocking": len(result.blocking), "warnings": warnings,
            "passed_checks": passed, "errors": len(result.errors), "waived": waived,
            "unregistered_suppressions": unregistered,
            "preexisting": sum(1 for f in result.findings
                               if f.preexisting and f.status is Status.FAILED)}


def _waivers(result: ScanResult) -> dict[str, Any] | None:
    summary = result.waivers
    if summary is None:
        return None
    return {
        "file": summary.file,
        "as_of": summary.as_of,
        "applied": [{"id": i, "findings": n} for i, n in summary.applied],
        "expired": [{"id": i, "expires": d} for i, d in summary.expired],
        "pending": [{"id": i, "approved_on": d} for i, d in summary.pending],
        "stale": list(summary.stale),
    }


def _finding(finding: Finding, blocks: bool) -> dict[str, Any]:
    document = _finding_fields(finding, blocks)
    if finding.chart:  # rendered from a Helm chart (optional keys, schema version 1)
        document.update(chart=finding.chart, values_set=finding.values_set,
                        template=finding.template)
    return document


def _finding_fields(finding: Finding, blocks: bool) -> dict[str, Any]:
    return {
        "policy_id": finding.policy_id,
        "title": finding.title,
        "severity": finding.severity.value,
        "family": finding.family,
        "engine": finding.engine.value,
        "status": finding.status.value,
        "rule": "deny" if finding.blocking else "warn",
        "blocks_merge": blocks,
        "resource": finding.resource,
        "file": finding.file,
        "line": finding.line,
        "attribute": finding.attribute,
        "message": finding.message,
        "remediation": finding.remediation,
        "controls": list(finding.controls),
        "catalog": list(finding.catalog),
        "unit": finding.unit,
        "fingerprint": finding.fingerprint,
        **({"details": json.loads(finding.details)} if finding.details else {}),
        "waiver": finding.waiver or None,
        "inline_suppression": finding.suppression,
        "preexisting": finding.preexisting,
    }


def _error(error: ScanError) -> dict[str, Any]:
    return {"code": error.code, "message": error.message, "file": error.file,
            "line": error.line, "unit": error.unit}
