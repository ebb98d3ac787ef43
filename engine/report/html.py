"""``-o html``: a single-file audit report of one scan (template: reports/scan.html.j2).

Scanned content is untrusted, so the page is built to stay inert even if an escape were
missed: the Jinja2 environment (engine/report/html_page.py, shared with the quarterly report)
autoescapes every value whatever the template's name, every printed value first has its
control and bidi characters made visible (``finalize``, the same rule as the text report),
and the page carries a Content-Security-Policy that allows no script, no network and only its
own inline stylesheet (pinned by hash). The page has no JavaScript and loads nothing; nothing
in it depends on the clock, so the same scan always gives the same bytes.

The template is read once from ``reports/`` and compiled with no loader: it cannot include,
import or extend anything else on disk.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any, ClassVar

from engine.model import Finding, ScanResult, Severity, Status, Verdict
from engine.report import RenderOptions
from engine.report.html_page import template

TEMPLATE = "scan.html.j2"

_MEANING = {
    Verdict.COMPLIANT: "No finding at or above the fail threshold and no scan error: the "
                       "change may merge.",
    Verdict.BLOCKED: "Findings at or above the fail threshold block the merge.",
    Verdict.INCOMPLETE: "The scan is incomplete: some files could not be parsed, rendered or "
                        "evaluated, so the result cannot be called compliant.",
    Verdict.INVALID: "Configuration or policy error: the scan could not run as configured.",
}
_MODE = {
    "worktree": "working tree",
    "staged": "staged changes (index against HEAD)",
    "ref": "one commit",
    "diff": "pull request (HEAD against the merge-base)",
}


@dataclass(frozen=True)
class _Row:
    """One finding as the template shows it, with why it does or does not block."""

    finding: Finding
    why: str


@dataclass(frozen=True)
class _Counts:
    """Failed findings of one severity split by whether they block; then warn, waived, passed."""

    NUMBERS: ClassVar[tuple[str, ...]] = ("blocking", "not_blocking", "warnings", "waived",
                                          "passed")
    severity: str
    blocking: int
    not_blocking: int
    warnings: int
    waived: int
    passed: int


def render(result: ScanResult, options: RenderOptions) -> str:
    del options
    return template(TEMPLATE).render(**_context(result))


def _context(result: ScanResult) -> dict[str, Any]:
    verdict = result.verdict
    failed = [f for f in result.findings if f.status is Status.FAILED]
    blocking = sorted((f for f in failed if result.blocks(f)), key=Finding.sort_key)
    others = sorted((f for f in failed if not result.blocks(f)), key=Finding.sort_key)
    waived = sorted((f for f in result.findings if f.status is Status.WAIVED),
                    key=Finding.sort_key)
    passed = sum(1 for f in result.findings if f.status is Status.PASSED)
    return {
        "verdict": verdict.value,
        "exit_code": verdict.exit_code,
        "meaning": _MEANING[verdict],
        "fail_on": result.fail_on.value if result.fail_on else "none",
        "scope": _scope(result),
        "counts": _counts(result),
        "severities": [s.value for s in Severity],
        "passed_checks": passed + result.rego_passed,
        "blocking": [_Row(f, "") for f in blocking],
        "others": [_Row(f, _why_not_blocking(result, f)) for f in others],
        "waived": [_Row(f, "waived") for f in waived],
        "errors": sorted(result.errors, key=lambda e: (e.file, e.line, e.code, e.message)),
        "waivers": result.waivers,
        "excluded": list(result.excluded),
        "skipped_checks": list(result.skipped_checks),
        "governance": list(result.governance_changes),
        "notes": list(result.notes),
        "version": result.versions.get("gitops-compliance", ""),
    }


def _scope(result: ScanResult) -> list[tuple[str, str]]:
    """(label, value) rows of what was scanned. The root is its last path component only:
    the absolute path is the CI runner's checkout folder, which says nothing about the code,
    differs between machines for the same commit and would make the report machine-bound."""
    versions = ", ".join(f"{name} {version}" for name, version in sorted(result.versions.items()))
    rows = [
        ("Repository", posixpath.basename(result.root.replace("\\", "/").rstrip("/")) or "/"),
        ("Paths scanned", ", ".join(s or "." for s in result.scope) or "."),
        ("Scan mode", f"{result.mode}: {_MODE.get(result.mode, result.mode)}"),
        ("Commit", result.commit or "(working tree, not committed)"),
    ]
    if result.base_commit:
        rows.append(("Base commit", result.base_commit))
    rows.append(("Changed files", "every unit of the scope was reported"
                 if result.changed_files is None
                 else f"{len(result.changed_files)} (only their units are reported)"))
    rows += [
        ("Fail threshold", result.fail_on.value if result.fail_on else "none (report only)"),
        ("Policy bundle digest", result.policy_digest or "(none)"),
        ("Rego policies", str(result.policy_count)),
        ("Rego engine", str(result.rego_engine.get("name", "regorus"))),
        ("Tool versions", versions or "(unknown)"),
        ("Evaluation units", str(len(result.units))),
        ("Resources", str(result.resource_count)),
    ]
    if result.waivers is not None:
        rows.append(("Dates decided as of", result.waivers.as_of))
    return rows


def _counts(result: ScanResult) -> list[_Counts]:
    """One row per severity, then the total."""
    rows = []
    for severity in Severity:
        mine = [f for f in result.findings if f.severity is severity]
        failed = [f for f in mine if f.status is Status.FAILED]
        rows.append(_Counts(
            severity=severity.value,
            blocking=sum(1 for f in failed if result.blocks(f)),
            not_blocking=sum(1 for f in failed if f.blocking and not result.blocks(f)),
            warnings=sum(1 for f in failed if not f.blocking),
            waived=sum(1 for f in mine if f.status is Status.WAIVED),
            passed=sum(1 for f in mine if f.status is Status.PASSED)))
    rows.append(_Counts("total", *(sum(getattr(row, name) for row in rows)
                                   for name in _Counts.NUMBERS)))
    return rows


def _why_not_blocking(result: ScanResult, finding: Finding) -> str:
    if not finding.blocking:
        return "warn rule (never blocks)"
    if finding.preexisting:
        return "pre-existing (fails at the baseline too)"
    if result.fail_on is None:
        return "report only (--fail-on none)"
    return f"below the fail threshold ({result.fail_on.value})"
