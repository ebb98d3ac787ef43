"""JUnit XML of ``policy test``: counts per suite, failure and error elements, escaping."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from engine.library.junit import render
from engine.library.testing import Outcome, TestOutcome, TestRun


def test_junit_groups_by_file_and_escapes_text() -> None:
    run = TestRun((
        TestOutcome("iam/iam02_test.rego", "test_a", Outcome.PASSED, seconds=0.5),
        TestOutcome("iam/cases/iam02.yaml", "<b>&\"case\"", Outcome.FAILED,
                    "expected, not found: x\nfound, not expected: y ]]> <z/>", 0.25),
        TestOutcome("iam/cases/bad.yaml", "load", Outcome.ERROR, "bad.yaml:3: unknown key"),
    ), seconds=1.0)
    text = render(run)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')
    root = ET.fromstring(text)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "1")
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == ["iam/iam02_test.rego", "iam/cases/iam02.yaml", "iam/cases/bad.yaml"]
    failed = suites["iam/cases/iam02.yaml"].find("testcase")
    assert failed is not None and failed.get("name") == "<b>&\"case\""
    failure = failed.find("failure")
    assert failure is not None and failure.get("message") == "expected, not found: x"
    assert failure.text == "expected, not found: x\nfound, not expected: y ]]> <z/>"
    error = suites["iam/cases/bad.yaml"].find("testcase/error")
    assert error is not None and error.text == "bad.yaml:3: unknown key"
    assert suites["iam/iam02_test.rego"].get("time") == "0.500"


def test_junit_stays_well_formed_with_characters_xml_cannot_carry() -> None:
    run = TestRun((TestOutcome("gpu/cases/gpu01.yaml", "nul\x00name", Outcome.FAILED,
                               "found \x00 and \x1b[31mred\x1b[0m\nsecond line"),), 0.1)
    root = ET.fromstring(render(run))  # raises on an invalid character
    case = root.find("testsuite/testcase")
    assert case is not None and case.get("name") == "nul\\x00name"
    failure = case.find("failure")
    assert failure is not None
    assert failure.text == "found \\x00 and \\x1b[31mred\\x1b[0m\nsecond line"
