"""``-o github``: GitHub Actions workflow commands that annotate the pull request's files.

GitHub shows at most 10 ``error`` and 10 ``warning`` annotations per step (50 per job) and
drops the rest without a word, so this emits the most important first and at most
``LIMIT`` of each level:
- ``error``: findings that block the merge (by severity), then scan errors; up to
  ``ERROR_SLOTS`` of the ten are kept for scan errors, so an incomplete scan shows on the
  diff even under a flood of blocking findings;
- ``warning``: failing findings that do not block — new ones (``warn`` rules, below
  ``--fail-on``) before pre-existing ones, by severity within each;
- one ``notice`` with the verdict and the counts, which says how many annotations were
  left out and where the full list is (the job summary, the log, the SARIF upload).
Waived findings are not annotated (they are in the other formats).

Every value is escaped as GitHub decodes it (``%``, CR, LF; and ``:``, ``,`` in properties)
after control characters are made visible, so no text from the pull request can end the
line and start a command of its own.
"""

from __future__ import annotations

from engine.model import Finding, ScanError, ScanResult
from engine.report import RenderOptions
from engine.report.escape import workflow_data, workflow_property
from engine.report.triage import error_where, failing, verdict_sentence, waived

LIMIT = 10  # annotations of one level GitHub shows per step
ERROR_SLOTS = 3  # of those, kept for scan errors when there are any


def render(result: ScanResult, options: RenderOptions) -> str:
    del options
    ranked = failing(result)
    blocking = [_finding(f, "error") for f in ranked if result.blocks(f)]
    scan_errors = [_error(e) for e in result.errors]
    kept = max(LIMIT - min(ERROR_SLOTS, len(scan_errors)), 0)
    shown_errors = blocking[:kept] + scan_errors[:LIMIT - len(blocking[:kept])]
    warnings = [_finding(f, "warning") for f in ranked if not result.blocks(f)]
    lines = shown_errors + warnings[:LIMIT]
    lines.append(_summary(result, len(blocking) + len(scan_errors) - len(shown_errors),
                          len(warnings) - len(warnings[:LIMIT])))
    return "".join(line + "\n" for line in lines)


def _command(level: str, message: str, *, file: str = "", line: int = 0,
             title: str = "") -> str:
    properties = []
    if file:
        properties.append(f"file={workflow_property(file)}")
        if line > 0:
            properties.append(f"line={line}")
    if title:
        properties.append(f"title={workflow_property(title)}")
    head = f"::{level} " + ",".join(properties) if properties else f"::{level}"
    return f"{head}::{workflow_data(message)}"


def _finding(finding: Finding, level: str) -> str:
    tag = " pre-existing" if finding.preexisting else " warn" if not finding.blocking else ""
    title = f"{finding.policy_id} ({finding.severity.value}{tag}): {finding.title}"
    message = f"{finding.resource}: {finding.message}" if finding.resource else finding.message
    if finding.chart:
        message += (f" [chart {finding.chart}, values {finding.values_set}, "
                    f"template {finding.template}]")
    if finding.remediation:
        message += f" — fix: {finding.remediation}"
    return _command(level, message, file=finding.file, line=finding.line, title=title)


def _error(error: ScanError) -> str:
    return _command("error", f"{error_where(error)}: {error.message}", file=error.file,
                    line=error.line, title=f"gitops-compliance scan error ({error.code})")


def _summary(result: ScanResult, errors_left: int, warnings_left: int) -> str:
    ranked = failing(result)
    blocking = sum(1 for f in ranked if result.blocks(f))
    message = (f"{verdict_sentence(result)}. Findings: {blocking} blocking, "
               f"{len(ranked) - blocking} not blocking, {len(waived(result))} waived; "
               f"{len(result.errors)} scan error(s).")
    if errors_left or warnings_left:
        message += (f" {errors_left} error and {warnings_left} warning annotation(s) not "
                    f"shown (GitHub shows {LIMIT} of each per step): see the job summary, "
                    "the step log or the code scanning alerts for all of them.")
    return _command("notice", message, title="gitops-compliance")

