"""``-o junit``: a JUnit XML test report for CI systems that show one (GitLab, Jenkins).

One test case per policy and resource, grouped in one test suite per policy family, plus a
``scan-errors`` suite. The mapping follows the gate, so the report's failure count is the
number of findings that block the merge:
- a finding that blocks: ``<failure>``;
- a failing finding that does not block (a ``warn`` rule, below ``--fail-on``, or
  pre-existing with ``--new-only``) and a waived one: ``<skipped>`` with the reason;
- a passed check (Checkov reports each one): a plain test case; Rego passes are counted
  per policy and resource only in aggregate, in the ``rego_passed`` property;
- a scan error: ``<error>`` (the scan is incomplete);
- one ``gitops-compliance.scan`` case that always passes and says the verdict and what was
  scanned: a compliant Rego-only scan has no other case, and Jenkins fails a build whose
  report holds none.
The document is built with ElementTree, which escapes markup; characters XML cannot carry
(NUL, other C0 controls) and terminal escapes are made visible first.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from engine.model import Finding, ScanResult, Status
from engine.report import RenderOptions
from engine.report.escape import xml_text
from engine.report.text import clean
from engine.report.triage import error_where, role, verdict_sentence, where


def render(result: ScanResult, options: RenderOptions) -> str:
    del options
    root = ET.Element("testsuites", name="gitops-compliance")
    families: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        families[finding.family or "other"].append(finding)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    _scan_case(_suite(root, "gitops-compliance.scan"), result)
    _count(root.findall("testsuite")[-1], totals)
    for family in sorted(families):
        suite = _suite(root, xml_text(f"gitops-compliance.{family}"))
        for finding in families[family]:
            _case(suite, result, finding)
        _count(suite, totals)
    if result.errors:
        suite = _suite(root, "gitops-compliance.scan-errors")
        for error in result.errors:
            case = ET.SubElement(suite, "testcase", classname=xml_text(error.code),
                                 name=xml_text(error_where(error)), file=xml_text(error.file),
                                 time="0")
            if error.line > 0:
                case.set("line", str(error.line))
            element = ET.SubElement(case, "error", type=xml_text(error.code),
                                    message=xml_text(error.message))
            element.text = xml_text(clean(f"{error_where(error)}: {error.message}")
                                    + (f"\nunit: {clean(error.unit)}" if error.unit else ""),
                                    one_line=False)
        _count(suite, totals)
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def _scan_case(suite: ET.Element, result: ScanResult) -> None:
    case = ET.SubElement(suite, "testcase", classname="gitops-compliance", name="scan",
                         time="0")
    ET.SubElement(case, "system-out").text = (
        f"{verdict_sentence(result)}. Scanned {len(result.units)} unit(s), "
        f"{result.resource_count} resource(s) with {result.policy_count} Rego policies; "
        f"{result.rego_passed} Rego check(s) passed.")


def _suite(root: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(root, "testsuite", name=name)


def _count(suite: ET.Element, totals: dict[str, int]) -> None:
    cases = suite.findall("testcase")
    counts = {"tests": len(cases),
              "failures": sum(1 for c in cases if c.find("failure") is not None),
              "errors": sum(1 for c in cases if c.find("error") is not None),
              "skipped": sum(1 for c in cases if c.find("skipped") is not None)}
    for key, value in counts.items():
        suite.set(key, str(value))
        totals[key] += value
    suite.set("time", "0")


def _case(suite: ET.Element, result: ScanResult, finding: Finding) -> None:
    place = where(finding.file, finding.line)
    case = ET.SubElement(suite, "testcase", classname=xml_text(finding.policy_id),
                         name=xml_text(f"{finding.resource or finding.unit} ({place})"),
                         file=xml_text(finding.file), time="0")
    if finding.line > 0:
        case.set("line", str(finding.line))
    if finding.status is Status.PASSED:
        return
    if finding.status is Status.WAIVED:
        ET.SubElement(case, "skipped",
                      message=xml_text(f"waived by {finding.waiver or 'an exception'}"))
        return
    if finding.status is not Status.FAILED:
        return
    text = xml_text(_details(finding), one_line=False)
    why = role(result, finding)
    if why == "blocks":
        element = ET.SubElement(case, "failure", type=finding.severity.value,
                                message=xml_text(f"{finding.title}: {finding.message}"))
        element.text = text
        return
    reason = {"pre-existing": "pre-existing: it fails at the baseline too (--new-only)",
              "warn": "warn rule: reported, never blocks",
              "below threshold": f"{finding.severity.value} is below --fail-on"}[why]
    element = ET.SubElement(case, "skipped", message=xml_text(f"{reason}: {finding.message}"))
    element.text = text


def _details(finding: Finding) -> str:
    lines = [f"{finding.policy_id} ({finding.severity.value}): {finding.title}",
             f"resource: {finding.resource}", f"location: {where(finding.file, finding.line)}",
             f"message: {finding.message}"]
    if finding.chart:
        lines.append(f"chart: {finding.chart}, values set: {finding.values_set}, "
                     f"template: {finding.template}")
    if finding.remediation:
        lines.append(f"fix: {finding.remediation}")
    if finding.controls:
        lines.append("controls: " + ", ".join(finding.controls))
    # Every untrusted value stays on its line: a message cannot forge a "fix:" line.
    return "\n".join(clean(line) for line in lines)
