"""``-o markdown``: the pull request summary (a PR comment or ``$GITHUB_STEP_SUMMARY``).

A one-line verdict, the counts by severity (new, pre-existing, not blocking, waived), scan
errors, a table of the failing findings with ``file:line`` (most important first), their
remediation and controls collapsed in ``<details>``, then waivers, governance changes,
exclusions and notes, briefly.

Size: GitHub rejects a PR comment over 65,536 characters and a step summary over 1 MiB.
The output is capped at ``RenderOptions.markdown_limit`` UTF-8 bytes (default 65,536;
bytes are never fewer than characters, so the cap holds for both limits) — ``scan
--markdown-limit 1048576`` for a step summary. When the whole report does not fit, whole
rows are left out, least important first, and a note at the top says how many of each and
where the full list is. The verdict line and the counts always stay.

Every untrusted value goes through ``escape.markdown`` (HTML entities, Markdown punctuation,
mentions, autolinks, newlines) and is shortened to ``CELL_CHARS`` characters first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.model import Finding, ScanResult, Severity, Status, Verdict
from engine.report import RenderOptions
from engine.report.escape import markdown
from engine.report.triage import error_where, failing, role, verdict_sentence, waived, where

DEFAULT_LIMIT = 65_536
CELL_CHARS = 300
_NOTE_RESERVE = 600  # bytes kept free for the "left out" note
_ICON = {Verdict.COMPLIANT: "✅", Verdict.BLOCKED: "❌", Verdict.INCOMPLETE: "⚠️",
         Verdict.INVALID: "⛔"}
_ROLE = {"blocks": "❌ blocks", "warn": "warn", "below threshold": "below threshold",
         "pre-existing": "pre-existing"}


def md(value: object) -> str:
    """An untrusted value, shortened and escaped for one Markdown line or table cell."""
    text = str(value)
    if len(text) > CELL_CHARS:
        text = text[:CELL_CHARS] + "…"
    return markdown(text)


@dataclass
class Section:
    """A part of the report whose rows can be left out to fit the cap."""

    name: str  # what a row is, for the note ("failing findings")
    head: list[str]
    rows: list[str]
    foot: list[str] = field(default_factory=list)
    shown: int = 0


def render(result: ScanResult, options: RenderOptions) -> str:
    limit = options.markdown_limit or DEFAULT_LIMIT
    head = _head(result)
    ranked = failing(result)
    findings = Section("failing findings", [
        f"#### Failing findings ({len(ranked)})", "",
        "| | Severity | Policy | Resource | Location | Message |",
        "|---|---|---|---|---|---|"], [_row(result, f) for f in ranked], [""])
    details = Section("detail entries", [
        "<details><summary>Remediation and controls</summary>", ""],
        [_detail(f) for f in ranked], ["", "</details>", ""])
    errors = Section("scan errors", [
        f"#### Scan errors ({len(result.errors)}): the scan is incomplete", ""],
        [f"- `{e.code}` {md(error_where(e))}: {md(e.message)}" for e in result.errors], [""])
    others = _others(result)
    display = [errors, findings, details, *others]
    for section in display:
        if not section.rows:
            section.head, section.foot = [], []
    budget = limit - _size(head) - sum(_size(s.head) + _size(s.foot) for s in display)
    if sum(_size(s.rows) for s in display) <= budget:
        for section in display:
            section.shown = len(section.rows)
    else:
        # What explains the verdict goes first: scan errors (up to a quarter of the room, so
        # a flood of them cannot hide every finding), the blocking findings, the remaining
        # errors, the other failing findings, then details and the rest.
        budget -= _NOTE_RESERVE
        budget = _take(errors, budget, max_bytes=budget // 4)
        budget = _take(findings, budget, max_rows=sum(1 for f in ranked if result.blocks(f)))
        for section in (errors, findings, details, *others):
            budget = _take(section, budget)
    lines = list(head)
    left_out = [(s.name, len(s.rows) - s.shown, len(s.rows)) for s in display
                if s.shown < len(s.rows)]
    if left_out:  # said before the sections, where a reader starts
        lines += [f"> **Shortened to fit {limit:,} bytes:** not shown: "
                  + ", ".join(f"{missing:,} of {total:,} {name}"
                              for name, missing, total in left_out)
                  + ". Every finding is in the full reports: the text report (the step log "
                  "of the PR check), the SARIF upload, and `-o json` where written.", ""]
    for section in display:
        if section.rows and not section.shown:
            continue  # nothing of it fits: the note above counts it
        lines += section.head + section.rows[:section.shown] + section.foot
    text = "\n".join(lines).rstrip("\n") + "\n"
    if len(text.encode()) > limit:  # only when the cap is smaller than the fixed parts
        text = text.encode()[:limit].decode(errors="ignore")
    return text


def _take(section: Section, budget: int, *, max_rows: int | None = None,
          max_bytes: int | None = None) -> int:
    """Show more whole rows of ``section`` while they fit; the budget left."""
    spent = 0
    stop = len(section.rows) if max_rows is None else min(max_rows, len(section.rows))
    while section.shown < stop:
        cost = len(section.rows[section.shown].encode()) + 1
        if cost > budget - spent or (max_bytes is not None and spent + cost > max_bytes):
            break
        spent += cost
        section.shown += 1
    return budget - spent


def _size(lines: list[str]) -> int:
    return sum(len(line.encode()) + 1 for line in lines)


def _head(result: ScanResult) -> list[str]:
    verdict = result.verdict
    lines = [f"### {_ICON[verdict]} gitops-compliance: {verdict_sentence(result)}", ""]
    ranked = failing(result)
    rows = [("new, blocking", [f for f in ranked if result.blocks(f)]),
            ("new, not blocking", [f for f in ranked
                                   if not result.blocks(f) and not f.preexisting]),
            ("pre-existing", [f for f in ranked if f.preexisting]),
            ("waived", waived(result))]
    lines += ["| | " + " | ".join(s.value for s in Severity) + " |",
              "|---|" + "---:|" * len(Severity)]
    for label, group in rows:
        counts = [sum(1 for f in group if f.severity is s) for s in Severity]
        lines.append(f"| {label} | " + " | ".join(str(c) for c in counts) + " |")
    lines += ["", _scope_line(result), ""]
    return lines


def _scope_line(result: ScanResult) -> str:
    threshold = result.fail_on.value if result.fail_on else "none (report only)"
    if result.mode == "diff":
        source = f"HEAD against the merge-base `{(result.base_commit or '')[:12]}`"
    elif result.mode == "staged":
        source = "the staged changes"
    elif result.mode == "ref":
        source = f"commit `{(result.commit or '')[:12]}`"
    else:
        source = "the working tree"
    changed = (f", {len(result.changed_files)} changed path(s)"
               if result.changed_files is not None else "")
    checkov = (f" and Checkov {md(result.versions['checkov'])}"
               if "checkov" in result.versions else "")
    passed = sum(1 for f in result.findings if f.status is Status.PASSED) + result.rego_passed
    return (f"Scanned {source}{changed}: {len(result.units)} unit(s), "
            f"{result.resource_count} resource(s), {result.policy_count} Rego policies"
            f"{checkov}; {passed} passed check(s); fail-on: {threshold}.")


def _row(result: ScanResult, finding: Finding) -> str:
    resource = finding.resource or finding.unit
    if finding.chart:
        resource += f" (chart {finding.chart}, values {finding.values_set})"
    cells = [_ROLE[role(result, finding)], finding.severity.value, md(finding.policy_id),
             md(resource), md(where(finding.file, finding.line)), md(finding.message)]
    return "| " + " | ".join(cells) + " |"


def _detail(finding: Finding) -> str:
    """One finding's entry in the collapsed details: a list item with its sub-items (one
    row for the size cap)."""
    lines = [f"- **{md(finding.policy_id)}** {md(finding.title)} — "
             f"{md(where(finding.file, finding.line))}"]
    if finding.chart:
        lines.append(f"  - chart {md(finding.chart)}, values {md(finding.values_set)}, "
                     f"template {md(finding.template)}")
    if finding.remediation:
        lines.append(f"  - fix: {md(finding.remediation)}")
    if finding.controls:
        lines.append("  - controls: " + md(", ".join(finding.controls)))
    return "\n".join(lines)


def _others(result: ScanResult) -> list[Section]:
    sections = []
    waived_findings = waived(result)
    waiver_rows = [f"- waived: **{md(f.policy_id)}** {md(f.resource)} "
                   f"({md(where(f.file, f.line))}) by {md(f.waiver or 'an exception')}"
                   for f in waived_findings]
    summary = result.waivers
    if summary is not None:
        waiver_rows += [f"- expired: {md(i)} (valid through {md(d)}), no longer applied"
                        for i, d in summary.expired]
        waiver_rows += [f"- not in force yet: {md(i)} (approved on {md(d)})"
                        for i, d in summary.pending]
        waiver_rows += [f"- stale: {md(i)} matched nothing" for i in summary.stale]
    head = f"#### Waivers ({len(waived_findings)} finding(s) waived"
    head += f"; {md(summary.file)} as of {md(summary.as_of)})" if summary else ")"
    sections.append(Section("waiver lines", [head, ""], waiver_rows, [""]))
    sections.append(Section("governance changes", [
        f"#### Governance changes ({len(result.governance_changes)}): they take effect once "
        "merged (this check used the merge-base's)", ""],
        [f"- {md(g.kind)} {md(g.status)}: "
         + (f"{md(g.old_path)} → " if g.old_path else "") + md(g.path)
         for g in result.governance_changes], [""]))
    sections.append(Section("exclusions", [
        f"#### Excluded by config: {len(result.excluded)} path(s), "
        f"{len(result.skipped_checks)} Checkov skip(s)", ""],
        [f"- {md(p)}: {md(r)}" for p, r in result.excluded]
        + [f"- Checkov {md(i)} skipped ({md(', '.join(p) or 'everywhere')}): {md(r)}"
           for i, r, p in result.skipped_checks], [""]))
    sections.append(Section("notes", ["#### Notes", ""],
                            [f"- {md(n)}" for n in result.notes], [""]))
    return sections
