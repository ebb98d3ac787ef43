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
Locations are relative to ``%SRCROOT%`` (the scan root) and percent-encoded; a line we do
not know (0) is reported as line 1, since SARIF lines start at 1.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any

from engine.model import Finding, ScanError, ScanResult, Severity, Status
from engine.report import RenderOptions
from engine.report.escape import markdown, uri_path

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
    rules: dict[str, int] = {}
    rule_objects: list[dict[str, Any]] = []
    for finding in reported:
        if finding.policy_id not in rules:
            rules[finding.policy_id] = len(rule_objects)
            rule_objects.append(_rule(finding))
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "gitops-compliance",
            "version": result.versions.get("gitops-compliance", "0"),
            "informationUri": INFORMATION_URI,
            "rules": rule_objects,
        }},
        "automationDetails": {"id": "gitops-compliance/"},
        "originalUriBaseIds": {ROOT_ID: {"uri": _root_uri(result.root),
                                         "description": {"text": "the scan root"}}},
        "invocations": [_invocation(result)],
        "results": [_result(result, f, rules[f.policy_id]) for f in reported],
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
    """The rule as the first finding of a policy describes it (every finding of one policy
    carries the same metadata)."""
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
        "help": {"text": "\n\n".join(text), "markdown": "\n\n".join(md)},
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


def _result(result: ScanResult, finding: Finding, index: int) -> dict[str, Any]:
    document: dict[str, Any] = {
        "ruleId": finding.policy_id,
        "ruleIndex": index,
        "level": _level(finding),
        "message": {"text": _message(finding)},
    }
    if finding.file:
        document["locations"] = [_location(finding.file, finding.line)]
    document["partialFingerprints"] = {"gitopsCompliance/v1": finding.fingerprint}
    if result.new_only:
        document["baselineState"] = "unchanged" if finding.preexisting else "new"
    if finding.status is Status.WAIVED:
        source = result.waivers.file if result.waivers else "the waivers file"
        document["suppressions"] = [{
            "kind": "external", "status": "accepted",
            "justification": f"waived by {finding.waiver or 'an exception'} ({source})"}]
    properties: dict[str, Any] = {
        "severity": finding.severity.value,
        "resource": finding.resource,
        "unit": finding.unit,
        "rule": "deny" if finding.blocking else "warn",
        "blocksMerge": result.blocks(finding),
    }
    if finding.attribute:
        properties["attribute"] = finding.attribute
    if finding.chart:
        properties.update(chart=finding.chart, valuesSet=finding.values_set,
                          template=finding.template)
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
        "message": {"text": error.message},
        "descriptor": {"id": error.code},
    }
    if error.file:
        notification["locations"] = [_location(error.file, error.line)]
    notification["properties"] = {"unit": error.unit, "invalid": error.invalid}
    return notification


def _run_properties(result: ScanResult) -> dict[str, Any]:
    from engine.report.json_report import summary

    properties: dict[str, Any] = {
        "verdict": result.verdict.value,
        "failOn": result.fail_on.value if result.fail_on else "none",
        "mode": result.mode,
        "summary": summary(result),
        "excluded": [{"path": p, "reason": r} for p, r in result.excluded],
    }
    if result.base_commit:
        properties["baseCommit"] = result.base_commit
    if result.governance_changes:
        properties["governanceChanges"] = [
            {"kind": g.kind, "status": g.status, "path": g.path, "oldPath": g.old_path}
            for g in result.governance_changes]
    return properties
