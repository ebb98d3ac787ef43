"""The PR-check formats (sarif, junit, markdown, github) on fixed results.

Golden files hold the exact output for ``samples.sample_result()`` and ``compliant_result()``;
after an intended change, regenerate them with

    UPDATE_GOLDEN=1 python -m pytest tests/report/test_ci_formats.py

and read the diff of ``tests/report/golden/`` before committing it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from engine.model import Finding, ScanError, ScanResult, Severity, Status
from engine.report import RenderOptions, get_renderer
from engine.report.escape import visible
from tests.report.samples import INJECTION, compliant_result, injection_result, sample_result
from tests.report.sarif_check import validate_sarif

GOLDEN = Path(__file__).parent / "golden"
FORMATS = {"sarif": "sarif.json", "junit": "junit.xml", "markdown": "md", "github": "txt"}
RESULTS: dict[str, Callable[[], ScanResult]] = {"sample": sample_result,
                                                "compliant": compliant_result}


def render(fmt: str, result: ScanResult, **options: int) -> str:
    return get_renderer(fmt)(result, RenderOptions(**options))  # type: ignore[arg-type]


# -- golden outputs -------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(RESULTS))
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_golden_output(fmt: str, name: str) -> None:
    text = render(fmt, RESULTS[name]())
    golden = GOLDEN / f"{name}.{FORMATS[fmt]}"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert golden.is_file(), f"{golden} is missing: run with UPDATE_GOLDEN=1 and review it"
    assert text == golden.read_text(encoding="utf-8")


def test_output_is_deterministic() -> None:
    for fmt in FORMATS:
        assert render(fmt, sample_result()) == render(fmt, sample_result())


# -- SARIF ----------------------------------------------------------------------------------

def sarif(result: ScanResult) -> dict[str, object]:
    document: dict[str, object] = json.loads(render("sarif", result))
    validate_sarif(document)
    return document


@pytest.mark.parametrize("name", ["sample", "compliant", "injection"])
def test_sarif_validates_against_the_2_1_0_schema(name: str) -> None:
    results = {**RESULTS, "injection": injection_result}
    sarif(results[name]())


def test_sarif_results_rules_suppressions_baseline_and_notifications() -> None:
    run = sarif(sample_result())["runs"][0]  # type: ignore[index]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules == ["IAM-05", "ENC-01", "CKV_K8S_16", "GXP-06", "GXP-10"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert "CKV_AWS_21" not in by_rule  # passed checks are counted, not results
    assert run["properties"]["summary"]["passed_checks"] == 42
    for result in run["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
    iam = by_rule["IAM-05"]
    assert iam["level"] == "error" and iam["baselineState"] == "new"
    assert iam["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "infra/iam.tf", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 12}}
    expected = sample_result().findings[0].fingerprint
    assert iam["partialFingerprints"] == {"gitopsCompliance/v1": expected}
    assert by_rule["ENC-01"]["baselineState"] == "unchanged"
    assert by_rule["GXP-10"]["level"] == "warning"  # a warn rule never reads as an error
    assert by_rule["GXP-06"]["suppressions"] == [{
        "kind": "external", "status": "accepted",
        "justification": "waived by W-2026-014 (.gitops-compliance/waivers.yaml)"}]
    helm = by_rule["CKV_K8S_16"]["properties"]
    assert (helm["chart"], helm["valuesSet"], helm["template"]) == (
        "charts/text-embedder", "values-prod.yaml", "templates/deployment.yaml")
    rule = run["tool"]["driver"]["rules"][0]
    assert rule["properties"]["security-severity"] == "9.5"
    assert rule["defaultConfiguration"] == {"level": "error"}
    assert "Remediation: List the role ARNs" in rule["help"]["markdown"]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    parse = invocation["toolExecutionNotifications"][0]
    assert (parse["level"], parse["descriptor"]["id"]) == ("error", "parse-error")
    assert parse["locations"][0]["physicalLocation"]["region"] == {"startLine": 9}
    assert run["versionControlProvenance"][0]["revisionId"].startswith("4f2c1d9a")
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///repo/"


def test_sarif_uris_are_percent_encoded_and_line_zero_is_line_one() -> None:
    base = sample_result()
    odd = dataclasses.replace(base.findings[0], file="k8s/pod <b>|x%y.yaml", line=0)
    result = dataclasses.replace(base, findings=(odd,), errors=(
        ScanError("engine-error", "boom"),), new_only=False)
    run = sarif(result)["runs"][0]  # type: ignore[index]
    location = run["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "k8s/pod%20%3Cb%3E%7Cx%25y.yaml"
    assert location["region"]["startLine"] == 1
    assert "baselineState" not in run["results"][0]  # not compared: no baseline state
    # an error without a file has no location, and is still a notification
    assert "locations" not in run["invocations"][0]["toolExecutionNotifications"][0]


def test_sarif_carries_the_hostile_text_as_data() -> None:
    run = sarif(injection_result())["runs"][0]  # type: ignore[index]
    result = run["results"][0]
    finding = injection_result().findings[0]
    shown = visible(INJECTION)  # newlines kept, control and bidi characters as \\xNN
    assert "\x1b" not in shown and "\u202e" not in shown and "\x00" not in shown
    assert result["message"]["text"] == visible(f"{finding.message} ({finding.resource})")
    assert result["properties"]["resource"] == "aws_iam_policy.pipeline" + shown
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert not set(uri) & set(" <>|`\n\x00\x1b%") - {"%"} and "%00" in uri
    notification = run["invocations"][0]["toolExecutionNotifications"][0]
    assert notification["message"]["text"].endswith(shown)
    text = json.dumps(run, ensure_ascii=False)
    assert not {"\x1b", "\u202e", "\x00"} & set(text)


def test_every_sarif_result_has_a_file_location() -> None:
    # GitHub rejects a whole upload over one result without a location: a finding on a
    # module folder or on no file points at the first file of its unit.
    base = sample_result()
    on_folder = dataclasses.replace(base.findings[0], file="infra", line=0)
    on_nothing = dataclasses.replace(base.findings[4], file="", line=0)
    result = dataclasses.replace(base, findings=(on_folder, on_nothing))
    locations = [r["locations"][0]["physicalLocation"]
                 for r in sarif(result)["runs"][0]["results"]]  # type: ignore[index]
    assert [(loc["artifactLocation"]["uri"], loc["region"]["startLine"])
            for loc in locations] == [("infra/iam.tf", 1), ("k8s/inference.yaml", 1)]


def test_a_rule_takes_the_severity_of_its_most_severe_result() -> None:
    base = sample_result()
    medium = dataclasses.replace(base.findings[0], severity=Severity.MEDIUM, resource="other")
    for order in ((medium, base.findings[0]), (base.findings[0], medium)):
        run = sarif(dataclasses.replace(base, findings=order))["runs"][0]  # type: ignore[index]
        (rule,) = run["tool"]["driver"]["rules"]
        assert (rule["id"], rule["defaultConfiguration"]["level"],
                rule["properties"]["security-severity"]) == ("IAM-05", "error", "9.5")
        assert {r["level"] for r in run["results"]} == {"error", "warning"}
        assert "automationDetails" not in run


# -- JUnit ----------------------------------------------------------------------------------

def junit(result: ScanResult) -> ET.Element:
    return ET.fromstring(render("junit", result).encode())


def test_junit_maps_the_gate_to_failures_skips_and_errors() -> None:
    root = junit(sample_result())
    assert root.attrib | {} == {"name": "gitops-compliance", "tests": "9", "failures": "2",
                                "errors": "2", "skipped": "3"}
    cases = {(c.get("classname"), c.get("file"), c.get("line")): c for c in root.iter("testcase")}
    failure = cases[("IAM-05", "infra/iam.tf", "12")].find("failure")
    assert failure is not None and failure.get("type") == "critical"
    skipped = cases[("ENC-01", "infra/s3.tf", "3")].find("skipped")
    assert skipped is not None and skipped.get("message", "").startswith("pre-existing")
    waived = cases[("GXP-06", "infra/s3.tf", "40")].find("skipped")
    assert waived is not None and waived.get("message") == "waived by W-2026-014"
    warn = cases[("GXP-10", "k8s/inference.yaml", "7")].find("skipped")
    assert warn is not None and warn.get("message", "").startswith("warn rule")
    assert list(cases[("CKV_AWS_21", "infra/s3.tf", "3")]) == []  # passed
    error = cases[("parse-error", "k8s/broken.yaml", "9")].find("error")
    assert error is not None and "invalid YAML" in (error.get("message") or "")


def test_junit_is_valid_xml_whatever_the_input() -> None:
    text = render("junit", injection_result())
    assert "\x00" not in text and "\x1b" not in text
    root = ET.fromstring(text.encode())
    # The payload's tags are text, never elements.
    tags = {element.tag for element in root.iter()}
    assert tags == {"testsuites", "testsuite", "testcase", "failure", "skipped", "error",
                    "system-out"}
    messages = [e.get("message", "") for e in root.iter("failure")]
    assert any("<script>alert('x')</script>" in m and "]]>" in m for m in messages)


# -- Markdown -------------------------------------------------------------------------------

def html_of(text: str) -> str:
    html: str = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    return html


def assert_tables_intact(text: str) -> None:
    """No untrusted pipe split a Markdown table cell."""
    # In the source, every table row has its header's number of unescaped pipes (GFM would
    # silently drop extra cells, so the rendered count alone proves nothing).
    width = 0
    for line in text.splitlines():
        pipes = len(re.findall(r"(?<!\\)(?:\\\\)*\|", line))
        if not line.startswith("|"):
            width = 0
        elif width == 0:
            width = pipes
        else:
            assert pipes == width, line
    # Every rendered table row has exactly the header's number of cells.
    for table in re.findall(r"<table>.*?</table>", html_of(text), re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
        widths = {len(re.findall(r"<t[hd][ >]", row)) for row in rows}
        assert len(widths) == 1, widths


def test_markdown_renders_the_hostile_text_inert() -> None:
    text = render("markdown", injection_result())
    assert "<script" not in text and "<img" not in text
    html = html_of(text)
    # (our own markup is bold policy ids and code spans for error codes and commits)
    for tag in ("<script", "<img", "<a ", "<code>code</code>", "<em>"):
        assert tag not in html, tag
    assert "http://" not in text and "@defaults" not in text  # no autolink, no mention
    assert_tables_intact(text)
    assert "\x1b" not in text and "\x00" not in text and "\u202e" not in text
    # Only our own raw HTML is left: the collapsed details.
    assert set(re.findall(r"<(/?\w+)", text)) == {"details", "summary", "/summary", "/details"}


def test_markdown_table_lists_failing_findings_most_important_first() -> None:
    text = render("markdown", sample_result())
    assert text.splitlines()[0].startswith("### ⚠️ gitops-compliance: INCOMPLETE (exit 3)")
    rows = [line for line in text.splitlines()
            if re.match(r"\| (❌ blocks|warn|pre-existing) \| [a-z]+ \|", line)]
    assert [row.split(" | ")[2] for row in rows] == ["IAM-05", "CKV\\_K8S\\_16", "GXP-10",
                                                      "ENC-01"]
    assert "| infra/iam.tf:12 |" in rows[0]


def many(count: int, *, preexisting: bool = False, blocking: bool = True,
         severities: tuple[Severity, ...] = tuple(Severity)) -> tuple[Finding, ...]:
    template = sample_result().findings[0]
    return tuple(dataclasses.replace(
        template, resource=f"aws_iam_policy.p{i:04d}", file=f"infra/m{i:04d}.tf", line=i + 1,
        severity=severities[i % len(severities)], preexisting=preexisting, blocking=blocking,
        message=f"finding number {i} " + "x" * 40) for i in range(count))


def test_markdown_is_capped_with_a_note_and_keeps_the_verdict() -> None:
    result = dataclasses.replace(sample_result(), findings=many(3000))
    text = render("markdown", result)
    assert len(text.encode()) <= 65_536
    assert text.startswith("### ")
    assert "INCOMPLETE (exit 3)" in text.splitlines()[0]
    note = re.search(r"not shown: ([\d,]+) of 3,000 failing findings", text)
    assert note is not None
    shown = [line for line in text.splitlines() if line.startswith("| ❌ blocks |")]
    assert len(shown) == 3000 - int(note.group(1).replace(",", ""))
    assert shown[0].split(" | ")[1] == "critical"  # the most severe are kept
    # the scan errors explain the verdict: they are kept, and the note comes before the table
    assert "- `parse-error` k8s/broken.yaml:9:" in text and "- `render-error`" in text
    assert text.index("not shown:") < text.index("#### Failing findings (3000)")
    assert "<details>" not in text  # no room for details: no empty <details> either
    larger = render("markdown", result, markdown_limit=1_048_576)
    assert 65_536 < len(larger.encode()) <= 1_048_576
    assert len([line for line in larger.splitlines() if line.startswith("| ❌ blocks |")]) \
        > len(shown)


def test_markdown_a_flood_of_errors_leaves_room_for_the_blocking_findings() -> None:
    errors = tuple(ScanError("parse-error", f"bad YAML number {i} " + "y" * 60,
                             f"k8s/bad{i:04d}.yaml", 3) for i in range(2000))
    result = dataclasses.replace(sample_result(), findings=many(50, severities=(
        Severity.CRITICAL,)), errors=errors)
    text = render("markdown", result)
    assert len(text.encode()) <= 65_536
    assert len([line for line in text.splitlines() if line.startswith("| ❌ blocks |")]) == 50
    shown = len([line for line in text.splitlines() if line.startswith("- `parse-error`")])
    assert 0 < shown < 2000
    assert f"not shown: {2000 - shown:,} of 2,000 scan errors" in text


def test_markdown_uncut_has_no_note() -> None:
    assert "not shown" not in render("markdown", sample_result())


# -- GitHub workflow commands ---------------------------------------------------------------

OUR_COMMAND = re.compile(r"^::(error|warning|notice)( (file=[^,:]*(,line=\d+)?,)?title=[^:]*)?::")


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """A workflow command as GitHub's runner reads it: level, properties, message."""
    assert line.startswith("::")
    head, separator, data = line[2:].partition("::")
    assert separator, line
    level, _, properties = head.partition(" ")

    def decode(value: str) -> str:
        return (value.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":")
                .replace("%2C", ",").replace("%25", "%"))

    pairs = dict(p.split("=", 1) for p in properties.split(",")) if properties else {}
    return level, {k: decode(v) for k, v in pairs.items()}, decode(data)


def test_github_commands_are_ours_only() -> None:
    result = injection_result()
    text = render("github", result)
    assert "\x1b" not in text and "\x00" not in text and "\r" not in text
    files = set()
    for line in text.splitlines():
        assert OUR_COMMAND.match(line), line
        level, properties, message = parse_command(line)
        assert level in {"error", "warning", "notice"}
        assert set(properties) <= {"file", "line", "title"}
        assert "\n" not in message and "\n" not in "".join(properties.values())
        files.add(properties.get("file"))
    # Each annotation points at the finding's own (hostile, made visible) file name; the
    # forged "file=pwned.tf" stays inside it.
    from engine.report.text import clean

    expected = {clean(f.file) for f in result.findings if f.status is Status.FAILED}
    assert files == expected | {clean(e.file) for e in result.errors} | {None}
    assert all(f is None or f.startswith(("infra/", "charts/", "k8s/")) for f in files)
    assert "%250A%3A%3Awarning" in text  # the forged newline stays data


def test_github_limits_keep_the_most_important_and_count_the_rest() -> None:
    blocking = many(25, severities=(Severity.HIGH, Severity.CRITICAL))
    warnings = (many(10, blocking=False, severities=(Severity.LOW,))
                + many(5, preexisting=True, severities=(Severity.CRITICAL,)))
    result = dataclasses.replace(sample_result(), findings=blocking + warnings, errors=())
    lines = render("github", result).splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    warns = [line for line in lines if line.startswith("::warning ")]
    assert len(errors) == 10 and len(warns) == 10
    # the 13 critical ones come first (ordered by policy, file, line), then high
    assert all("(critical)" in line for line in errors)
    assert [re.search(r"file=([^,]+)", e).group(1) for e in errors] == [  # type: ignore[union-attr]
        f"infra/m{i:04d}.tf" for i in range(1, 25, 2)][:10]
    # new (warn rules) before pre-existing, whatever the severity
    assert all("(low warn)" in line for line in warns)
    notices = [line for line in lines if line.startswith("::notice ")]
    assert len(notices) == 1 and lines[-1] == notices[0]
    assert ("15 error and 5 warning annotation(s) not shown" in notices[0]
            and "25 blocking, 15 not blocking" in notices[0])


def test_github_keeps_room_for_scan_errors_under_a_flood_of_findings() -> None:
    errors = tuple(ScanError("parse-error", f"bad {i}", f"k8s/bad{i}.yaml", i + 1)
                   for i in range(5))
    flood = many(25, severities=(Severity.CRITICAL,))
    result = dataclasses.replace(sample_result(), findings=flood, errors=errors)
    lines = render("github", result).splitlines()
    shown = [line for line in lines if line.startswith("::error ")]
    assert len(shown) == 10
    assert [line.split(",")[0] for line in shown[7:]] == [
        "::error file=k8s/bad0.yaml", "::error file=k8s/bad1.yaml", "::error file=k8s/bad2.yaml"]
    assert "20 error and 0 warning annotation(s) not shown" in lines[-1]


def test_github_scan_errors_are_error_annotations() -> None:
    lines = render("github", sample_result()).splitlines()
    assert lines[2] == ("::error file=k8s/broken.yaml,line=9,title=gitops-compliance scan "
                        "error (parse-error)::k8s/broken.yaml:9: invalid YAML: expected ',' or "
                        "'}', but got '<stream end>'")


def test_an_empty_compliant_result_in_every_format() -> None:
    empty = dataclasses.replace(sample_result(), findings=(), errors=(), notes=(),
                                governance_changes=(), excluded=(), skipped_checks=(),
                                waivers=None)
    assert render("github", empty).startswith("::notice title=gitops-compliance::COMPLIANT")
    assert "### ✅ gitops-compliance: COMPLIANT (exit 0)" in render("markdown", empty)
    # Jenkins fails a build whose report has no test case: there is always the summary one.
    (case,) = junit(empty).iter("testcase")
    assert (case.get("classname"), case.get("name")) == ("gitops-compliance", "scan")
    assert [child.tag for child in case] == ["system-out"]
    assert case.findtext("system-out", "").startswith("COMPLIANT (exit 0)")
    assert sarif(empty)["runs"][0]["results"] == []  # type: ignore[index]


def test_a_missing_sarif_schema_skips_locally_and_fails_under_ci(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import tests.report.sarif_check as check

    monkeypatch.setattr(check, "SCHEMA", tmp_path / "absent.json")
    document = json.loads(render("sarif", sample_result()))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"absent\.json"):
        check.validate_sarif(document)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required under CI=true"):
        check.validate_sarif(document)
