"""``-o sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

What goes in, and why:
- one result per failing or waived finding. Passed checks are not results: a viewer such
  as GitHub code scanning lists every result as an alert line, and a repository has
  thousands of passes; their count is in ``run.properties.summary``.
- ``warn`` findings (they never block) are results at most at level ``warning``, whatever
  their severity, so a code-scanning rule "fail on error" agrees with our exit code; their
  severity stays in ``properties`` and in the rule's ``security-severity``.
- waived findings are results with an accepted external suppression naming the waiver;
  with ``--new-only`` every result has a ``baselineState`` (``unchanged`` = pre-existing).
- scan errors are tool execution notifications, and ``executionSuccessful`` is false.
- every result has a file location, because GitHub rejects the whole upload over one
  result without ("expected at least one location"): a finding tied to a module folder or
  to no file (a whole-scope rule) points at the first file of its unit, line 1.
- no ``automationDetails``: ``upload-sarif`` sets it from its ``category`` input only when
  the run has none, and each scan of one repository needs its own category.
- text a pull request controls keeps its newlines but shows control and bidi characters
  as escapes (a U+202E would reorder what a reviewer reads in the alert).
Locations are relative to ``%SRCROOT%`` (the scan root) and percent-encoded; a line we do
not know (0) is reported as line 1, since SARIF lines start at 1.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any

from engine.model import Finding, ScanError, ScanResult, Severity, Status, Unit
from engine.report import RenderOptions
from engine.report.escape import markdown, uri_path, visible

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://example.com/gitops-compliance"  # the placeholder README uses
ROOT_ID = "%SRCROOT%"

LEVELS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
          Severity.LOW: "note", Severity.INFO: "note"}
# GitHub code scanning reads ``security-severity`` (0.0-10.0) to show critical (>= 9.0),
# high (7.0-8.9), medium (4.0-6.9) and low (0.1-3.9); info has no security severity.
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5",
                     Severity.LOW: "3.0"}


def render(result: ScanResult, options: RenderOptions) -> str:
    del options
    return json.dumps(to_log(result), indent=2, ensure_ascii=False) + "\n"


def to_log(result: ScanResult) -> dict[str, Any]:
    reported = [f for f in result.findings if f.status in (Status.FAILED, Status.WAIVED)]
    # One rule per policy, described by its most severe finding: code scanning reads the
    # security severity from the rule only, and an alert shown as less severe than it is
    # would be the worse mistake.
    most_severe: dict[str, Finding] = {}
    for finding in reported:
        known = most_severe.get(finding.policy_id)
        if known is None or finding.severity.rank > known.severity.rank:
            most_severe[finding.policy_id] = finding
    rules = {policy_id: index for index, policy_id in enumerate(most_severe)}
    rule_objects = [_rule(finding) for finding in most_severe.values()]
    units = {unit.identity: unit for unit in result.units}
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "gitops-compliance",
            "version": result.versions.get("gitops-compliance", "0"),
            "informationUri": INFORMATION_URI,
            "rules": rule_objects,
        }},
        "originalUriBaseIds": {ROOT_ID: {"uri": _root_uri(result.root),
                                         "description": {"text": "the scan root"}}},
        "invocations": [_invocation(result)],
        "results": [_result(result, f, rules[f.policy_id], units.get(f.unit))
                    for f in reported],
        "columnKind": "unicodeCodePoints",
        "properties": _run_properties(result),
    }
    if result.commit:
        run["versionControlProvenance"] = [{
            "repositoryUri": _root_uri(result.root), "revisionId": result.commit,
            "mappedTo": {"uriBaseId": ROOT_ID}}]
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _root_uri(root: str) -> str:
    path = PurePosixPath(root)
    uri = path.as_uri() if path.is_absolute() else uri_path(root)
    return uri if uri.endswith("/") else uri + "/"


def _rule(finding: Finding) -> dict[str, Any]:
    """The rule as a finding of the policy describes it (title, remediation and controls
    are the policy's own; the severity is this finding's)."""
    controls = list(finding.controls)
    text = [finding.title]
    md = [f"**{markdown(finding.title)}**"]
    if finding.remediation:
        text.append(f"Remediation: {finding.remediation}")
        md.append(f"Remediation: {markdown(finding.remediation)}")
    if controls:
        text.append("Controls: " + ", ".join(controls))
        md.append("Controls: " + ", ".join(markdown(c) for c in controls))
    text.append(f"Family: {finding.family}; engine: {finding.engine.value}; "
                f"severity: {finding.severity.value}.")
    md.append(f"Family: {markdown(finding.family)}; engine: {finding.engine.value}; "
              f"severity: {finding.severity.value}.")
    properties: dict[str, Any] = {
        "tags": ["security", "compliance", finding.family],
        "family": finding.family,
        "engine": finding.engine.value,
        "severity": finding.severity.value,
        "controls": controls,
    }
    if finding.severity in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[finding.severity]
    return {
        "id": finding.policy_id,
        "name": finding.policy_id,
        "shortDescription": {"text": finding.title},
        "fullDescription": {"text": finding.title},
        "help": {"text": visible("\n\n".join(text)), "markdown": "\n\n".join(md)},
        "defaultConfiguration": {"level": LEVELS[finding.severity]},
        "properties": properties,
    }


def _level(finding: Finding) -> str:
    level = LEVELS[finding.severity]
    return "warning" if not finding.blocking and level == "error" else level


def _location(file: str, line: int) -> dict[str, Any]:
    return {"physicalLocation": {
        "artifactLocation": {"uri": uri_path(file), "uriBaseId": ROOT_ID},
        "region": {"startLine": max(line, 1)},
    }}


def _where(finding: Finding, unit: Unit | None) -> tuple[str, int] | None:
    """The file and line of a finding; a folder or no file at all becomes the first file
    of its unit (a finding on a Terraform module, a whole-scope rule)."""
    if finding.file and (unit is None or finding.file not in (unit.directory, "")
                         or not unit.files):
        return finding.file, finding.line
    if unit is not None and unit.files:
        return unit.files[0], 1
    return (finding.file, finding.line) if finding.file else None


def _result(result: ScanResult, finding: Finding, index: int,
            unit: Unit | None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "ruleId": finding.policy_id,
        "ruleIndex": index,
        "level": _level(finding),
        "message": {"text": visible(_message(finding))},
    }
    where = _where(finding, unit)
    if where is not None:
        document["locations"] = [_location(*where)]
    document["partialFingerprints"] = {"gitopsCompliance/v1": finding.fingerprint}
    if result.new_only:
        document["baselineState"] = "unchanged" if finding.preexisting else "new"
    if finding.status is Status.WAIVED:
        source = result.waivers.file if result.waivers else "the waivers file"
        document["suppressions"] = [{
            "kind": "external", "status": "accepted",
            "justification": visible(f"waived by {finding.waiver or 'an exception'} "
                                     f"({source})")}]
    properties: dict[str, Any] = {
        "severity": finding.severity.value,
        "resource": visible(finding.resource),
        "unit": visible(finding.unit),
        "rule": "deny" if finding.blocking else "warn",
        "blocksMerge": result.blocks(finding),
    }
    if finding.attribute:
        properties["attribute"] = visible(finding.attribute)
    if finding.chart:
        properties.update(chart=visible(finding.chart), valuesSet=visible(finding.values_set),
                          template=visible(finding.template))
    if finding.preexisting:
        properties["preexisting"] = True
    document["properties"] = properties
    return document


def _message(finding: Finding) -> str:
    """The message, naming the resource unless it already does (most of ours do)."""
    if not finding.resource or finding.resource in finding.message:
        return finding.message
    return f"{finding.message} ({finding.resource})"


def _invocation(result: ScanResult) -> dict[str, Any]:
    invocation: dict[str, Any] = {"executionSuccessful": not result.errors}
    if result.errors:
        invocation["toolExecutionNotifications"] = [_notification(e) for e in result.errors]
    invocation["properties"] = {"verdict": result.verdict.value,
                                "exitCode": result.verdict.exit_code}
    return invocation


def _notification(error: ScanError) -> dict[str, Any]:
    notification: dict[str, Any] = {
        "level": "error",
        "message": {"text": visible(error.message)},
        "descriptor": {"id": error.code},
    }
    if error.file:
        notification["locations"] = [_location(error.file, error.line)]
    notification["properties"] = {"unit": visible(error.unit), "invalid": error.invalid}
    return notification


def _run_properties(result: ScanResult) -> dict[str, Any]:
    from engine.report.json_report import summary

    properties: dict[str, Any] = {
        "verdict": result.verdict.value,
        "failOn": result.fail_on.value if result.fail_on else "none",
        "mode": result.mode,
        "summary": summary(result),
        "excluded": [{"path": visible(p), "reason": visible(r)} for p, r in result.excluded],
    }
    if result.base_commit:
        properties["baseCommit"] = result.base_commit
    if result.governance_changes:
        properties["governanceChanges"] = [
            {"kind": g.kind, "status": g.status, "path": visible(g.path),
             "oldPath": visible(g.old_path)}
            for g in result.governance_changes]
    return properties
