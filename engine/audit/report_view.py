"""What the quarterly report shows, decided once for every rendering (HTML, Markdown, PDF).

``view(report)`` turns a valid ``report.json`` dict into sections of tables of text cells:
which rows, in which order, which columns, how a date, a commit or a duration is written.
The HTML template and the Markdown renderer only lay these out and escape them, so the two
files always carry the same content, and the wording an auditor reads is tested once.

Every string here is plain text, some of it from the repository (commit subjects, author
names, file and resource names, waiver reasons, error messages): nothing in this module
escapes or builds markup; the renderers do, on every cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

STATUS_WORDS = {
    "removed": "removed",
    "passed": "passed",
    "failed": "failed",
    "waived": "waived",
    "not-evaluated": "not evaluated",
    "procedural": "procedural",
}
_STATUS_MEANING = {
    "passed": "every resource the clause's policies apply to passed them",
    "failed": "at least one resource fails a policy of the clause at period end",
    "waived": "every failure of the clause is accepted by an active, approved waiver",
    "not-evaluated": "the clause has policies but no resource they apply to at period end",
    "procedural": "a procedural control (SOPs, training, reviews): not checkable in code, "
                  "evidence is kept outside this report",
}
_VERDICT_MEANING = {
    "compliant": "No finding at or above the fail threshold and no scan error at period end.",
    "blocked": "Findings at or above the fail threshold fail at period end.",
    "incomplete": "The period-end snapshot could not be fully checked (scan errors): the "
                  "branch cannot be called compliant.",
    "invalid": "Configuration or policy error at period end: the check could not run.",
}
NONE = "—"


@dataclass(frozen=True)
class Cell:
    """One table cell: one or more lines of text. ``kind`` is its presentation: "num" (right
    aligned), "mono" (identifiers, paths, hashes), "status-<status>" or "" (prose)."""

    lines: tuple[str, ...]
    kind: str = ""


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    # data-* attributes for tests and post-processing: names are ours, values validated
    # identifiers (clause, fingerprint, commit, waiver id...) that the renderer escapes.
    data: tuple[tuple[str, str], ...] = ()
    flagged: bool = False  # drawn to the reader's attention (a waiver expiring next period)


@dataclass(frozen=True)
class Table:
    id: str
    title: str  # "" when the section title says it
    columns: tuple[tuple[str, str], ...]  # (label, kind)
    rows: tuple[Row, ...]
    empty: str = "None."
    keyed: bool = False  # a two-column table whose first cell is the row's label


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    intro: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    major: bool = False  # starts a new page when printed


@dataclass(frozen=True)
class Cover:
    title: str
    facts: Table
    verdict: str
    exit_code: int
    verdict_text: str
    meaning: str
    incomplete: tuple[str, ...]  # why the report is not a complete account (empty: it is)


@dataclass(frozen=True)
class SignOff:
    role: str
    name: str
    signature: str
    date: str


@dataclass(frozen=True)
class View:
    cover: Cover
    sections: tuple[Section, ...]
    sign_off: tuple[SignOff, ...]
    generated_at: str
    version: str
    digest: str


def short(commit: str | None) -> str:
    return commit[:7] if commit else NONE


def when(stamp: str | None) -> str:
    """``2026-07-14T10:00:00Z`` as ``2026-07-14 10:00 UTC`` (the schema pins the format)."""
    if not stamp:
        return NONE
    return f"{stamp[:10]} {stamp[11:16]} UTC"


def days(value: float | None) -> str:
    return NONE if value is None else f"{value:.1f}"


def where(file: str, line: int) -> str:
    return f"{file}:{line}" if line else file


def _text(*lines: str) -> Cell:
    return Cell(tuple(lines))


def _mono(*lines: str) -> Cell:
    return Cell(tuple(lines), "mono")


def _num(value: int | float | str) -> Cell:
    return Cell((str(value),), "num")


def _status(status: str, *more: str) -> Cell:
    """A status word (the same for controls, waivers and verdicts), then any explanation."""
    return Cell((STATUS_WORDS.get(status, status), *(m for m in more if m)),
                f"status-{status}")


def _change(change: Mapping[str, Any] | None, missing: str) -> Cell:
    """Who did it, when, in which commit (short id), and the commit's subject."""
    if change is None:
        return _text(missing)
    return _text(f"{short(change['commit'])} {when(change['date'])}", str(change["author"]),
                 str(change["subject"]))


def _join(values: Sequence[str], empty: str = NONE) -> str:
    return ", ".join(values) if values else empty


def view(report: Mapping[str, Any]) -> View:
    """The whole report, in the order an auditor reads it."""
    return View(
        cover=_cover(report),
        sections=(
            _summary(report), _controls(report), _findings(report), _open(report),
            _waivers(report), _change_control(report), _trend(report),
            _configuration(report), _governance(report), _red_merges(report),
            _commits(report), _errors(report), _evidence(report),
        ),
        sign_off=tuple(SignOff(str(s["role"]), str(s["name"]), str(s["signature"]),
                               str(s["date"])) for s in report["sign_off"]),
        generated_at=str(report["generated_at"]),
        version=str(report["tool"].get("gitops-compliance", "")),
        digest=str(report["scope"]["policy_bundle"]["digest"]),
    )


def _cover(report: Mapping[str, Any]) -> Cover:
    scope, period, verdict = report["scope"], report["scope"]["period"], report["verdict"]
    bundle = scope["policy_bundle"]
    facts = [
        ("Repository", scope["repository"]),
        ("Branch", scope["branch"]),
        ("Period", f"{period['label']}: {period['since']} to {period['until']} (UTC)"),
        ("As of", period["as_of"]),
        ("Period end judged on", period["judged_on"]),
        ("Paths", _join(scope["paths"], ".")),
        ("Commits in the period", f"{scope['commit_count']} (first-parent)"),
        ("Start commit (previous period end)", scope["start_commit"]
         or "none: the branch starts in the period"),
        ("End commit", scope["end_commit"]),
        ("Policy bundle digest", bundle["digest"]),
        ("Policy bundle", f"{bundle['policies']} policies from commit "
                          f"{short(bundle['from_commit'])} ({_join(bundle['sources'])}), "
                          "judging every commit of the period"),
        ("Config file", scope["config_file"] or "none (defaults)"),
        ("Waivers file", scope["waivers_file"] or "none"),
        ("Fail threshold", scope["fail_on"]),
        ("Engines", "Rego and Checkov" if scope["checkov"] else
         "Rego only (Checkov was not run: --no-checkov)"),
        ("Tool versions", _join([f"{name} {version}" for name, version
                                 in sorted(report["tool"].items())])),
        ("Generated at", when(report["generated_at"])),
    ]
    rows = tuple(Row((_text(label), _mono(str(value))), (("fact", _slug(label)),))
                 for label, value in facts)
    incomplete = []
    if not verdict["complete"] or report["errors"]["end_snapshot"]:
        incomplete.append(f"The period-end snapshot has {len(report['errors']['end_snapshot'])}"
                          " scan error(s): part of the repository was not checked at period "
                          "end (see Scan errors).")
    if not period["complete"]:
        incomplete.append(f"The period is not over: as of {period['as_of']} the report covers "
                          f"{period['since']} to {period['as_of']} only.")
    if not scope["checkov"]:
        incomplete.append("Checkov was not run (--no-checkov): only the Rego policies "
                          "judged the period; clauses its checks evidence are marked.")
    tests = report["evidence"]["policy_tests"]
    if tests["failed"] or tests["errors"]:
        incomplete.append(f"{tests['failed']} policy test(s) failed and {tests['errors']} "
                          "errored: the evidence that the policies work is incomplete.")
    if tests["bundle_digest"] != bundle["digest"]:
        incomplete.append("The policy tests ran on another bundle "
                          f"({tests['bundle_digest']}) than the one that judged the period.")
    return Cover(
        title=f"Quarterly compliance report {period['label']}",
        facts=Table("cover-table", "", (("Item", ""), ("Value", "mono")), rows, keyed=True),
        verdict=str(verdict["end_snapshot"]), exit_code=int(verdict["exit_code"]),
        verdict_text=str(verdict["text"]), meaning=_VERDICT_MEANING[verdict["end_snapshot"]],
        incomplete=tuple(incomplete))


def _slug(label: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in label.lower()).split())


def _summary(report: Mapping[str, Any]) -> Section:
    totals = report["summary"]["totals"]
    total_rows = (
        ("Failed findings at period end", totals["failed"]),
        ("Waived findings at period end", totals["waived"]),
        ("Passed checks at period end", totals["passed"]),
        ("Resources evaluated at period end", totals["resources"]),
        ("Blocking findings at period end", totals["blocking"]),
        ("Scan errors at period end", totals["errors"]),
        ("Findings introduced in the period", totals["introduced"]),
        ("Findings resolved in the period", totals["resolved"]),
        ("Mean days to remediate", days(totals["mean_days_to_remediate"])),
    )
    families = tuple(
        Row((_text(f["family"]), _num(f["failed"]), _num(f["blocking"]), _num(f["waived"]),
             _num(f["passed"])), (("family", f["family"]),))
        for f in report["summary"]["by_family"])
    clauses = tuple(
        Row((_mono(c["clause"]), _text(c["regulation"]), _status(c["status"]),
             _num(c["failed"]), _num(c["waived"]), _num(c["passed"])),
            (("clause", c["clause"]), ("status", c["status"])))
        for c in report["summary"]["by_clause"])
    return Section("summary", "Summary", tables=(
        Table("summary-totals", "Totals", (("Measure", ""), ("Value", "num")),
              tuple(Row((_text(label), _num(value)), (("measure", _slug(label)),))
                    for label, value in total_rows), keyed=True),
        Table("summary-families", "By policy family",
              (("Family", ""), ("Failed", "num"), ("Blocking", "num"), ("Waived", "num"),
               ("Passed", "num")), families),
        Table("summary-clauses", "By regulatory clause",
              (("Clause", "mono"), ("Regulation", ""), ("Status", ""), ("Failed", "num"),
               ("Waived", "num"), ("Passed", "num")), clauses),
    ), major=True)


def _controls(report: Mapping[str, Any]) -> Section:
    rows = []
    for c in report["controls"]:
        first, fixed = c["first_seen"], c["fixed_in"]
        procedural = c["coverage"] == "procedural"
        rows.append(Row((
            _text(c["clause"], c["title"]),
            _text(c["regulation"], c["coverage"]),
            _status(c["status"], "checked outside this tool" if procedural else "", c["note"]),
            _mono(_join(c["policies"], "none (procedural)" if procedural else NONE)),
            _num(c["resources_evaluated"]), _num(c["resources_failing"]),
            _num(c["failed"]), _num(c["waived"]), _num(c["passed"]),
            _mono(f"{short(first['commit'])} {when(first['date'])}"
                  + (" (before the period)" if first["before_period"] else "")
                  if first else NONE),
            _mono(f"{short(fixed['commit'])} {when(fixed['date'])}" if fixed else NONE),
        ), (("clause", c["clause"]), ("status", c["status"]), ("coverage", c["coverage"]))))
    intro = tuple(f"{STATUS_WORDS[s].capitalize()}: {meaning}."
                  for s, meaning in _STATUS_MEANING.items())
    return Section("controls", "Control matrix", intro=(
        "Every clause of the control catalog, procedural ones included, at period end. "
        "First seen: the commit of the period where the clause first failed; fixed in: the "
        "commit that made it pass again.", *intro), tables=(
        Table("controls-table", "", (
            ("Clause", ""), ("Regulation", ""), ("Status", ""), ("Policies", "mono"),
            ("Resources evaluated", "num"), ("Resources failing", "num"), ("Failed", "num"),
            ("Waived", "num"), ("Passed", "num"), ("First seen", "mono"),
            ("Fixed in", "mono")), tuple(rows)),), major=True)


_FINDING_COLUMNS = (("Severity", ""), ("Policy", ""), ("Resource", "mono"),
                    ("File:line", "mono"))


def _finding_cells(f: Mapping[str, Any]) -> tuple[Cell, ...]:
    return (Cell((f["severity"],), f"sev-{f['severity']}"), _text(f["policy_id"], f["title"]),
            _mono(f["resource"]), _mono(where(f["file"], f["line"])))


def _finding_data(f: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return (("fingerprint", f["fingerprint"]), ("policy-id", f["policy_id"]))


def _findings(report: Mapping[str, Any]) -> Section:
    findings = report["findings"]

    def table(ident: str, title: str, items: Sequence[Mapping[str, Any]]) -> Table:
        return Table(ident, title, (*_FINDING_COLUMNS, ("Introduced", ""), ("Resolved", ""),
                                    ("Days open", "num")), tuple(
            Row((*_finding_cells(f), _change(f["introduced"], "before the period"),
                 _change(f["resolved"], "open at period end"), _num(days(f["days_open"]))),
                _finding_data(f)) for f in items))

    remediation = findings["remediation"]
    mttr = (
        ("Findings resolved in the period", str(remediation["resolved"])),
        ("Mean time to remediate (days)", days(remediation["mean_days"])),
        ("Median time to remediate (days)", days(remediation["median_days"])),
        ("Resolved in the period, introduced before it", str(remediation["carried_over_resolved"])),
    )
    return Section("findings", "Findings introduced and resolved in the period", intro=(
        "A finding is introduced by the first commit of the period where it fails and resolved "
        "by the first later commit where it no longer fails. Days open run from introduction "
        "(or the period start, for a finding already failing) to resolution or period end.",),
        tables=(table("introduced-table", "Introduced in the period", findings["introduced"]),
                table("resolved-table", "Resolved in the period", findings["resolved"]),
                Table("remediation-table", "Time to remediate", (("Measure", ""),
                                                                   ("Value", "num")),
                      tuple(Row((_text(label), _num(value)), (("measure", _slug(label)),))
                            for label, value in mttr), keyed=True)), major=True)


def _open(report: Mapping[str, Any]) -> Section:
    rows = []
    for f in report["findings"]["open_at_end"]:
        status = f["status_at_end"] or "failed"
        waiver = f.get("waiver") or ""
        rows.append(Row((*_finding_cells(f),
                         _status(status, f"by {waiver}" if waiver else ""),
                         _change(f["introduced"], "before the period"),
                         _num(days(f["days_open"]))), _finding_data(f)))
    return Section("open-at-end", "Findings open at period end", intro=(
        "Failing or waived at the end commit: what the next period inherits.",), tables=(
        Table("open-table", "", (*_FINDING_COLUMNS, ("Status", ""), ("Introduced", ""),
                                 ("Days open", "num")), tuple(rows)),))


def _waivers(report: Mapping[str, Any]) -> Section:
    waivers = report["waivers"]
    rows = []
    for w in waivers["register"]:
        scope = [f"policies: {_join(w['policies'])}"]
        if w["paths"]:
            scope.append(f"paths: {_join(w['paths'])}")
        if w["resources"]:
            scope.append(f"resources: {_join(w['resources'])}")
        rows.append(Row((
            _mono(w["id"]),
            _status(w["state"], "EXPIRES NEXT PERIOD" if w["expiring_next_period"] else ""),
            _text(*scope), _text(w["reason"]), _text(w["owner"]), _text(w["approver"]),
            _mono(w["approved_on"]), _mono(w["ticket"]), _mono(w["expires"]),
            _num(w["findings_waived"]), _change(w["added"], "before the period"),
            _change(w["removed"], NONE),
        ), (("waiver", w["id"]), ("state", w["state"]),
            ("expiring", "true" if w["expiring_next_period"] else "false")),
            flagged=bool(w["expiring_next_period"])))
    counts = waivers["counts"]
    intro = [f"{counts['active']} active, {counts['expired']} expired, {counts['stale']} "
             f"stale (active, matched nothing), {counts['pending']} pending (approved after "
             f"the as-of date), {counts['removed']} removed during the period. A waiver "
             "excuses a finding only at the commits where it was committed and in force."]
    expiring = waivers["expiring_next_period"]
    intro.append(f"Expiring next period: {_join(expiring)}." if expiring
                 else "No waiver expires next period.")
    return Section("waivers", "Waiver register", intro=tuple(intro), tables=(
        Table("waivers-table", "", (
            ("Waiver", "mono"), ("State", ""), ("Scope", ""), ("Reason", ""), ("Owner", ""),
            ("Approver", ""), ("Approved on", "mono"), ("Ticket", "mono"),
            ("Expires", "mono"), ("Findings waived", "num"), ("Added in", ""),
            ("Removed in", "")),
            tuple(rows)),), major=True)


def _commit_cells(c: Mapping[str, Any]) -> tuple[Cell, ...]:
    return (_mono(short(c["commit"])), _mono(when(c["date"])), _text(c["author"]),
            _text(c["subject"]))


_COMMIT_COLUMNS = (("Commit", "mono"), ("Date", "mono"), ("Author", ""), ("Subject", ""))


def _change_control(report: Mapping[str, Any]) -> Section:
    rows = tuple(Row((*_commit_cells(c), _text(*(
        f"{r['change']} {r['address']} ({r['file']}, unit {r['unit']})"
        for r in c["resources"]))), (("commit", c["commit"]),))
        for c in report["change_control"])
    return Section("change-control", "Change control: validated resources changed (GXP-11)",
                   intro=("Commits that touched a resource tagged validation-status=validated. "
                          "Each needs a change record in the quality system.",), tables=(
        Table("change-control-table", "", (*_COMMIT_COLUMNS, ("Resources changed", "mono")),
              rows),))


def _trend(report: Mapping[str, Any]) -> Section:
    trend = report["trend"]
    previous, current = trend["previous"], trend["current"]
    intro = []
    if previous is None:
        intro.append("No previous period: the branch has no commit before this period.")
    rows = []
    for measure in ("failed", "blocking", "waived", "passed", "errors"):
        before = previous[measure] if previous else None
        rows.append(Row((_text(measure), _num(NONE if before is None else before),
                         _num(current[measure]),
                         _num(NONE if before is None else f"{current[measure] - before:+d}")),
                        (("measure", measure),)))
    head_previous = (f"{previous['label']} ({short(previous['commit'])})" if previous
                     else "previous")
    head_current = f"{current['label']} ({short(current['commit'])})"
    families = tuple(Row((_text(f["family"]), _num(f["previous_failed"]),
                          _num(f["current_failed"]), _num(f"{f['delta']:+d}")),
                         (("family", f["family"]),)) for f in trend["by_family"])
    return Section("trend", "Trend against the previous period", intro=tuple(intro), tables=(
        Table("trend-table", "End snapshots", (("Measure", ""), (head_previous, "num"),
                                              (head_current, "num"), ("Change", "num")),
              tuple(rows)),
        Table("trend-families", "Failed findings by family", (
            ("Family", ""), ("Previous", "num"), ("Current", "num"), ("Change", "num")),
            families)))


def _configuration(report: Mapping[str, Any]) -> Section:
    return Section("configuration", "Exclusions, severity overrides and Checkov skips",
                   intro=("In force at period end (the config committed at the end commit). "
                          "Each narrows what the tool checks or how much a failure weighs.",),
                   tables=(
        Table("exclusions-table", "Excluded paths", (("Path", "mono"), ("Reason", ""),
                                                     ("Files left out at period end", "mono")),
              tuple(Row((_mono(e["path"]), _text(e["reason"]), _mono(*e["files"] or [NONE])),
                        (("path", e["path"]),))
                    for e in report["exclusions"])),
        Table("overrides-table", "Severity overrides", (("Policy", "mono"),
                                                        ("Severity", "")),
              tuple(Row((_mono(o["policy_id"]), Cell((o["severity"],),
                                                     f"sev-{o['severity']}")),
                        (("policy-id", o["policy_id"]),))
                    for o in report["severity_overrides"])),
        Table("checkov-skips-table", "Checkov checks skipped",
              (("Check", "mono"), ("Paths", "mono"), ("Reason", "")),
              tuple(Row((_mono(s["id"]), _mono(_join(s["paths"], "everywhere")),
                         _text(s["reason"])), (("check", s["id"]),))
                    for s in report["checkov_skips"])),
    ))


def _governance(report: Mapping[str, Any]) -> Section:
    rows = tuple(Row((*_commit_cells(g), _text(g["kind"]), _text(g["status"]), _mono(
        f"{g['old_path']} -> {g['path']}" if g.get("old_path") else g["path"])),
        (("commit", g["commit"]), ("kind", g["kind"])))
        for g in report["governance_changes"])
    return Section("governance", "Governance changes", intro=(
        "Who changed the config, the waivers or the policies, and when.",), tables=(
        Table("governance-table", "", (*_COMMIT_COLUMNS, ("Kind", ""), ("Change", ""),
                                       ("Path", "mono")), rows),))


def _red_merges(report: Mapping[str, Any]) -> Section:
    rows = []
    for m in report["red_merges"]:
        blocking = [f"{b['severity']} {b['policy_id']} {b['resource']} "
                    f"{where(b['file'], b['line'])}" for b in m["new_blocking"]]
        rows.append(Row((*_commit_cells(m), _status(m["verdict"]), _mono(*blocking or [NONE]),
                         _num(m["errors"])), (("commit", m["commit"]), ("verdict", m["verdict"]))))
    return Section("red-merges", "Commits merged while the gate was red", intro=(
        "First-parent commits whose own check was not compliant: the gate was bypassed or "
        "not required. The new blocking findings are those the commit introduced.",), tables=(
        Table("red-merges-table", "", (*_COMMIT_COLUMNS, ("Verdict", ""),
                                       ("New blocking findings", "mono"),
                                       ("New scan errors", "num")), tuple(rows)),))


def _commits(report: Mapping[str, Any]) -> Section:
    rows = tuple(Row((*_commit_cells(c),
                      _status(c["verdict"], "merge" if c["merge"] else "",
                              "" if c["evaluated"] else "not evaluated: see Scan errors",
                              "committer date earlier than a commit it follows"
                              if c["out_of_order"] else ""),
                      _status("failed" if c["gate"] == "red" else "passed", c["gate"]),
                      _num(c["failed"]),
                      _num(c["blocking"]), _num(c["new_blocking"]), _num(c["waived"]),
                      _num(c["introduced"]), _num(c["resolved"]), _num(c["errors"])),
                     (("commit", c["commit"]), ("verdict", c["verdict"]), ("gate", c["gate"])))
                 for c in report["commits"])
    return Section("commits", "Every commit of the period", intro=(
        "First-parent history, oldest first; each commit judged by the period-end policy "
        "bundle with the config and waivers committed at that commit.",), tables=(
        Table("commits-table", "", (*_COMMIT_COLUMNS, ("Verdict", ""), ("Gate", ""),
                                    ("Failed", "num"),
                                    ("Blocking", "num"), ("New blocking", "num"),
                                    ("Waived", "num"), ("Introduced", "num"),
                                    ("Resolved", "num"), ("Errors", "num")), rows),),
        major=True)


def _errors(report: Mapping[str, Any]) -> Section:
    errors = report["errors"]
    end = tuple(Row((_mono(e["code"]), _mono(where(e["file"], e["line"])),
                     _mono(e.get("unit", "")), _text(e["message"])), (("code", e["code"]),))
                for e in errors["end_snapshot"])
    historical = tuple(Row((_mono(short(e["first_commit"])), _mono(when(e["first_date"])),
                            _mono(short(e["last_commit"])), _num(e["commits"]),
                            _mono(e["code"]), _mono(where(e["file"], e["line"])),
                            _text(e["message"])),
                           (("commit", e["first_commit"]), ("code", e["code"])))
                       for e in errors["historical"])
    return Section("errors", "Scan errors", intro=(
        "At period end, an error means part of the repository was not checked: the report is "
        "incomplete. Errors of earlier commits are recorded; they do not make this report "
        "incomplete, but those commits were not fully checked.",), tables=(
        Table("end-errors-table", "At period end", (("Code", "mono"), ("File:line", "mono"),
                                                    ("Unit", "mono"), ("Message", "")), end,
              empty="None: the period-end snapshot was fully checked."),
        Table("historical-errors-table", "At commits in the period (each error once)", (
            ("First commit", "mono"), ("Date", "mono"), ("Last commit", "mono"),
            ("Commits", "num"), ("Code", "mono"), ("File:line", "mono"),
            ("Message", "")), historical)))


def _evidence(report: Mapping[str, Any]) -> Section:
    tests = report["evidence"]["policy_tests"]
    same = tests["bundle_digest"] == report["scope"]["policy_bundle"]["digest"]
    facts = (
        ("Policy tests passed", str(tests["passed"])),
        ("Policy tests failed", str(tests["failed"])),
        ("Policy tests in error", str(tests["errors"])),
        ("Bundle tested", tests["bundle_digest"]),
        ("Same bundle as the one that judged the period", "yes" if same else "NO"),
    )
    failures = tuple(Row((_mono(f["test"]), _mono(f.get("policy_id", "")),
                          _mono(f.get("file", "")), _text(f["message"])))
                     for f in tests["failures"])
    return Section("evidence", "Evidence that the tool works", intro=(
        "The policy bundle's own test suite (gitops-compliance policy test), run for this "
        "report: each policy against its known-good and known-bad examples.",), tables=(
        Table("evidence-table", "", (("Measure", ""), ("Value", "mono")),
              tuple(Row((_text(label), _mono(value)), (("measure", _slug(label)),))
                    for label, value in facts), keyed=True),
        Table("evidence-failures", "Failed policy tests", (
            ("Test", "mono"), ("Policy", "mono"), ("File", "mono"), ("Message", "")),
            failures)))
