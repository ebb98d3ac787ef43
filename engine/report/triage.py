"""What the CI formats share: which failing findings matter most, and how to name a place.

GitHub shows only the first annotations of a step and a PR comment has a size limit, so the
CI reporters emit findings most important first: those that block the merge, then the other
new ones, then the pre-existing ones; by severity within each group.
"""

from __future__ import annotations

from engine.model import Finding, ScanError, ScanResult, Status


def failing(result: ScanResult) -> list[Finding]:
    """Every FAILED finding, most important first."""
    failed = [f for f in result.findings if f.status is Status.FAILED]
    return sorted(failed, key=lambda f: (not result.blocks(f), f.preexisting, f.sort_key()))


def role(result: ScanResult, finding: Finding) -> str:
    """Why a failing finding does or does not block, in a word or two."""
    if result.blocks(finding):
        return "blocks"
    if finding.preexisting:
        return "pre-existing"
    if not finding.blocking:
        return "warn"
    return "below threshold"


def where(file: str, line: int) -> str:
    """``file:line``, or the file alone when the line is unknown (0)."""
    return f"{file}:{line}" if line > 0 else file


def error_where(error: ScanError) -> str:
    return where(error.file, error.line) if error.file else "(scan)"


def waived(result: ScanResult) -> list[Finding]:
    return [f for f in result.findings if f.status is Status.WAIVED]


def verdict_sentence(result: ScanResult) -> str:
    """The one-line verdict every CI format starts with (plain text: escape nothing here
    that is untrusted — it holds only counts and enum values)."""
    verdict = result.verdict
    blocking = len(result.blocking)
    reason = {
        "compliant": "no finding blocks the merge",
        "blocked": f"{blocking} finding(s) block the merge",
        "incomplete": f"{len(result.errors)} scan error(s): the scan is incomplete",
        "invalid": "configuration or policy error",
    }[verdict.value]
    if verdict.value == "incomplete" and blocking:
        reason += f", and {blocking} finding(s) block the merge"
    return f"{verdict.value.upper()} (exit {verdict.exit_code}): {reason}"
