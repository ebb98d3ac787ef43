"""conftest's counts of a scan, shared by the reporters (docs/conftest.md).

``conftest test`` ends with "N tests, P passed, W warnings, F failures, E exceptions";
the same tally is computed here from the per-file, per-namespace counts the scan kept, so a
user comparing the two tools compares the same numbers.
"""

from __future__ import annotations

from typing import Any

from engine.model import ScanResult, UnitKind


def ran(result: ScanResult) -> bool:
    return bool(result.conftest_results or result.conftest_not_evaluated
                or any(u.kind is UnitKind.CONFTEST for u in result.units))


def totals(result: ScanResult) -> dict[str, int]:
    passed = sum(t.successes for t in result.conftest_results)
    warnings = sum(t.warnings for t in result.conftest_results)
    failures = sum(t.failures for t in result.conftest_results)
    exceptions = sum(t.exceptions for t in result.conftest_results)
    return {"tests": passed + warnings + failures + exceptions, "passed": passed,
            "warnings": warnings, "failures": failures, "exceptions": exceptions}


def line(result: ScanResult) -> str:
    """conftest's own summary line, word for word."""
    t = totals(result)
    return (f"{_count(t['tests'], 'test')}, {t['passed']} passed, "
            f"{_count(t['warnings'], 'warning')}, {_count(t['failures'], 'failure')}, "
            f"{_count(t['exceptions'], 'exception')}")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def document(result: ScanResult) -> dict[str, Any]:
    return {
        "summary": totals(result),
        "results": [{"file": t.file, "namespace": t.namespace, "successes": t.successes,
                     "failures": t.failures, "warnings": t.warnings,
                     "exceptions": t.exceptions} for t in result.conftest_results],
        "exceptions": [{"policy_id": e.policy_id, "namespace": e.namespace, "rule": e.rule,
                        "exception": e.name, "file": e.file, "line": e.line,
                        "resource": e.resource, "matches": e.matches, "waived": e.waived,
                        "source": e.source} for e in result.conftest_exceptions],
        "not_evaluated": [{"file": f, "parser": p} for f, p in result.conftest_not_evaluated],
    }
