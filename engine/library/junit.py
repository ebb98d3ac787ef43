"""``policy test -o junit``: the outcomes as JUnit XML (one testsuite per test or case
file), the format CI systems show test results from. ElementTree escapes markup; ``xml_text``
removes what XML cannot carry at all (a NUL or an ESC in a case file's message)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from engine.library.testing import Outcome, TestRun
from engine.report.escape import xml_text


def render(run: TestRun) -> str:
    suites: dict[str, list[int]] = {}
    for index, outcome in enumerate(run.outcomes):
        suites.setdefault(outcome.suite, []).append(index)
    root = ET.Element("testsuites", {
        "name": "gitops-compliance policy test", "tests": str(len(run.outcomes)),
        "failures": str(run.count(Outcome.FAILED)), "errors": str(run.count(Outcome.ERROR)),
        "time": f"{run.seconds:.3f}"})
    for suite_name, indexes in suites.items():
        items = [run.outcomes[i] for i in indexes]
        suite = ET.SubElement(root, "testsuite", {
            "name": xml_text(suite_name), "tests": str(len(items)),
            "failures": str(sum(o.outcome is Outcome.FAILED for o in items)),
            "errors": str(sum(o.outcome is Outcome.ERROR for o in items)),
            "time": f"{sum(o.seconds for o in items):.3f}"})
        for item in items:
            case = ET.SubElement(suite, "testcase", {
                "classname": xml_text(suite_name), "name": xml_text(item.name),
                "time": f"{item.seconds:.3f}"})
            if item.outcome is not Outcome.PASSED:
                tag = "failure" if item.outcome is Outcome.FAILED else "error"
                first = item.message.splitlines()[0] if item.message else tag
                detail = ET.SubElement(case, tag, {"message": xml_text(first)})
                detail.text = xml_text(item.message, one_line=False)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
