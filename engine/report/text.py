"""``-o text``: the human report, grouped by severity (rich).

Scanned content is untrusted: every value goes in as a ``rich.text.Text`` (never parsed as
markup) and control characters are made visible, so a resource name cannot colour, move
the cursor or forge a line of the report.
"""

from __future__ import annotations

import io
import re

from rich.console import Console
from rich.text import Text

from engine.model import Finding, ScanResult, Severity, Status, Verdict
from engine.report import RenderOptions

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_EXCLUSIONS_SHOWN = 20
_SEVERITY_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}
_VERDICT_STYLE = {
    Verdict.COMPLIANT: "bold green",
    Verdict.BLOCKED: "bold red",
    Verdict.INCOMPLETE: "bold yellow",
    Verdict.INVALID: "bold magenta",
}


def clean(value: object) -> str:
    """One line of untrusted text: control and bidi characters shown as escapes."""
    text = str(value).replace("\n", " ")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def render(result: ScanResult, options: RenderOptions) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=options.color, no_color=not options.color,
                      width=options.width, highlight=False, soft_wrap=True, emoji=False)
    failed = [f for f in result.findings if f.status is Status.FAILED]
    blocking = [f for f in failed if result.blocks(f)]
    preexisting = [f for f in failed if f.preexisting]
    others = [f for f in failed if not result.blocks(f) and not f.preexisting]

    if blocking:
        console.print(Text("Blocking findings", style="bold"))
        _print_by_severity(console, blocking)
    if others:
        title = "Findings below the fail threshold and warnings (do not block)"
        console.print(Text(title, style="bold"))
        _print_by_severity(console, others)
    waived = [f for f in result.findings if f.status is Status.WAIVED]
    if waived:
        console.print(Text(f"Waived findings ({len(waived)}): accepted by a registered "
                           "waiver, do not block", style="bold"))
        for finding in waived:
            _print_waived(console, finding)
        console.print()
    _print_waivers(console, result)
    if preexisting:
        title = ("Pre-existing findings: they fail at the baseline too (--new-only: "
                 "reported, do not block)")
        console.print(Text(title, style="bold"))
        _print_by_severity(console, preexisting)
    _print_governance(console, result)
    if result.errors:
        console.print(Text(f"Scan errors ({len(result.errors)}): the scan is incomplete",
                           style="bold yellow"))
        for error in result.errors:
            where = f"{error.file}:{error.line}" if error.line else error.file or "(scan)"
            line = Text("  ! ", style="yellow")
            line.append(clean(where), style="bold")
            line.append(f"  [{error.code}] ")
            line.append(clean(error.message))
            console.print(line)
        console.print()
    _print_conftest(console, result)
    for check_id, reason, paths in result.skipped_checks:
        where = ", ".join(paths) if paths else "everywhere"
        console.print(Text(f"Checkov {clean(check_id)} skipped by config ({clean(where)}): "
                           f"{clean(reason)}", style="dim"))
    if result.excluded:
        console.print(Text(f"Excluded by config: {len(result.excluded)} file(s)", style="dim"))
        for path, reason in result.excluded[:_EXCLUSIONS_SHOWN]:
            console.print(Text(f"  - {clean(path)}: {clean(reason)}", style="dim"))
        if len(result.excluded) > _EXCLUSIONS_SHOWN:
            console.print(Text(f"  … and {len(result.excluded) - _EXCLUSIONS_SHOWN} more "
                               "(all are listed in the JSON report)", style="dim"))
    for note in result.notes:
        console.print(Text("Note: " + clean(note), style="bold yellow"))
    _print_summary(console, result, failed)
    return buffer.getvalue()


def _print_conftest(console: Console, result: ScanResult) -> None:
    """What conftest users look for: exceptions that applied (WAIVED, never hidden), files
    not evaluated, and conftest's own summary line."""
    from engine.report import conftest_summary

    if not conftest_summary.ran(result):
        return
    waived = [f for f in result.findings if f.status is Status.WAIVED]
    if result.conftest_exceptions:
        console.print(Text(f"Waived by conftest exceptions ({len(waived)} finding(s), "
                           f"{len(result.conftest_exceptions)} exception(s))", style="bold"))
        for exception in result.conftest_exceptions:
            line = Text("  ~ ")
            line.append(clean(exception.policy_id), style="bold")
            line.append("  " + clean(exception.resource) + "  ")
            line.append(clean(f"{exception.file}:{exception.line}"), style="underline")
            line.append(clean(f"  exception {exception.name!r}"
                              + (f" in {exception.source}" if exception.source else "")
                              + f", {exception.waived} finding(s) waived"))
            console.print(line)
        for finding in waived:
            console.print(Text("      WAIVED " + clean(finding.policy_id) + ": "
                               + clean(finding.message), style="dim"))
        console.print()
    if result.conftest_not_evaluated:
        console.print(Text(f"Not evaluated by the conftest policies: "
                           f"{len(result.conftest_not_evaluated)} file(s)", style="dim"))
        for path, parser in result.conftest_not_evaluated[:_EXCLUSIONS_SHOWN]:
            console.print(Text(f"  - {clean(path)}: no {clean(parser)} parser here",
                               style="dim"))
        if len(result.conftest_not_evaluated) > _EXCLUSIONS_SHOWN:
            console.print(Text(f"  … and {len(result.conftest_not_evaluated) - _EXCLUSIONS_SHOWN}"
                               " more (all are listed in the JSON report)", style="dim"))
    console.print(Text("conftest: " + conftest_summary.line(result)))
def _print_waived(console: Console, finding: Finding) -> None:
    head = Text("  ~ ")
    head.append("WAIVED ", style="bold")
    head.append(finding.policy_id, style="bold")
    head.append("  ")
    head.append(clean(finding.resource or finding.unit))
    head.append("  ")
    head.append(clean(f"{finding.file}:{finding.line}" if finding.line else finding.file),
                style="underline")
    head.append("  by waiver ")
    head.append(clean(finding.waiver), style="bold")
    console.print(head)


def _print_waivers(console: Console, result: ScanResult) -> None:
    summary = result.waivers
    unregistered = [f for f in result.findings
                    if f.status is Status.FAILED and f.suppression is not None]
    if unregistered:
        console.print(Text(f"Unregistered inline suppressions ({len(unregistered)}): the "
                           "findings count (name a registered waiver: waiver:<ID>)",
                           style="bold yellow"))
        for finding in unregistered:
            console.print(Text(f"  ! {clean(finding.policy_id)}  {clean(finding.resource)}  "
                               f"{clean(finding.file)}:{finding.line}", style="yellow"))
    if summary is None:
        return
    console.print(Text(f"Waivers: {clean(summary.file)} as of {summary.as_of}: "
                       f"{sum(n for _, n in summary.applied)} finding(s) waived by "
                       f"{len(summary.applied)} waiver(s)", style="dim"))
    for waiver_id, expires in summary.expired:
        console.print(Text(f"  expired: {clean(waiver_id)} (valid through {expires}); no "
                           "longer applied", style="yellow"))
    for waiver_id, approved in summary.pending:
        console.print(Text(f"  not in force: {clean(waiver_id)} (approved on {approved}, "
                           "after the as-of date)", style="yellow"))
    for waiver_id in summary.stale:
        console.print(Text(f"  stale: {clean(waiver_id)} matched no finding in this scan",
                           style="yellow"))


def _print_by_severity(console: Console, findings: list[Finding]) -> None:
    for severity in Severity:
        group = [f for f in findings if f.severity is severity]
        if not group:
            continue
        console.print(Text(f"{severity.value.upper()} ({len(group)})",
                           style=_SEVERITY_STYLE[severity]))
        for finding in group:
            _print_finding(console, finding)
        console.print()


def _print_finding(console: Console, finding: Finding) -> None:
    head = Text("  ")
    head.append("old " if finding.preexisting else "warn " if not finding.blocking else "✗ ",
                style="bold")
    head.append(finding.policy_id, style="bold")
    head.append("  ")
    head.append(clean(finding.resource or finding.unit))
    head.append("  ")
    head.append(clean(f"{finding.file}:{finding.line}" if finding.line else finding.file),
                style="underline")
    console.print(head)
    if finding.chart:
        console.print(Text(f"      chart {clean(finding.chart)}, values {clean(finding.values_set)}"
                           f", template {clean(finding.template or '?')}", style="dim"))
    console.print(Text("      " + clean(finding.message)))
    if finding.remediation:
        console.print(Text("      fix: " + clean(finding.remediation), style="dim"))
    if finding.controls:
        console.print(Text("      controls: " + clean(", ".join(finding.controls)), style="dim"))


def _print_governance(console: Console, result: ScanResult) -> None:
    if not result.governance_changes:
        return
    console.print(Text(f"Governance changes ({len(result.governance_changes)}): not applied "
                       "to this scan (it used the merge-base's); they take effect once merged",
                       style="bold magenta"))
    for change in result.governance_changes:
        line = Text(f"  ~ {change.kind}: {change.status} ")
        if change.old_path:
            line.append(clean(change.old_path) + " -> ", style="bold")
        line.append(clean(change.path), style="bold")
        console.print(line)
    console.print()


def _print_source(console: Console, result: ScanResult) -> None:
    """Which revision was read (git modes); nothing for a working-tree scan."""
    if result.mode == "worktree":
        return
    what = {"staged": "the staged changes (index against HEAD)",
            "ref": f"commit {(result.commit or '')[:12]}",
            "diff": f"HEAD against the merge-base {(result.base_commit or '')[:12]}"}
    text = f"Scanned {what.get(result.mode, clean(result.mode))}"
    if result.changed_files is not None:
        text += f"; {len(result.changed_files)} changed path(s), only their units reported"
    console.print(Text(text + ".", style="dim"))


def _print_summary(console: Console, result: ScanResult, failed: list[Finding]) -> None:
    _print_source(console, result)
    verdict = result.verdict
    # warn rules never block: they are counted apart from failures
    warnings = sum(1 for f in failed if not f.blocking)
    failed = [f for f in failed if f.blocking]
    counts = ", ".join(f"{sum(1 for f in failed if f.severity is s)} {s.value}"
                       for s in Severity)
    threshold = result.fail_on.value if result.fail_on else "none"
    console.print(Text(
        f"Scanned {len(result.units)} unit(s), {result.resource_count} resource(s) with "
        f"{result.policy_count} Rego policies"
        + (f" and Checkov {result.versions['checkov']}" if "checkov" in result.versions else "")
        + f" in {result.timings.get('total', 0):.1f}s.", style="dim"))
    waived = sum(1 for f in result.findings if f.status is Status.WAIVED)
    preexisting = sum(1 for f in failed if f.preexisting)
    console.print(Text(f"Failed: {counts}"
                       + (f" ({preexisting} pre-existing)" if preexisting else "")
                       + f"; {warnings} warning(s); {waived} waived; "
                       f"{len(result.errors)} error(s); fail-on: {threshold}."))
    line = Text("Verdict: ")
    line.append(verdict.value.upper(), style=_VERDICT_STYLE[verdict])
    line.append(f" (exit {verdict.exit_code})")
    console.print(line)
