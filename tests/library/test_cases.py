"""Case files: what the loader refuses (with file and line), how expectations are matched,
and a case run end to end on a team's own policy through the real loaders."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.evaluate.rego import load_policy_set
from engine.library.cases import Expected, compare, load_case_file, run_case
from engine.library.yamlfile import LibraryFileError
from engine.model import Engine, Finding, Severity, Status
from engine.resources import policies_dir

TEAM = Path(__file__).parent.parent / "fixtures" / "policy-library" / "team"


def finding(resource: str = "Namespace/ml", file: str = "ns.yaml", line: int = 1,
            attribute: str = "metadata.labels", severity: Severity = Severity.HIGH,
            blocking: bool = True) -> Finding:
    return Finding(policy_id="ACME-01", title="t", severity=severity, family="acme",
                   engine=Engine.REGO, status=Status.FAILED, resource=resource, file=file,
                   line=line, message="m", unit="kubernetes", attribute=attribute,
                   blocking=blocking)


def test_compare_matches_exactly_no_more_no_less() -> None:
    found = [finding(), finding(file="b.yaml")]
    assert compare([Expected("Namespace/ml", "ns.yaml", 1), Expected("Namespace/ml", "b.yaml")],
                   found) == []
    missing = compare([Expected("Namespace/ml", "ns.yaml", line=2)], [finding()])
    assert missing[0] == "expected, not found: Namespace/ml in ns.yaml, line=2"
    assert missing[1].startswith("found, not expected: Namespace/ml in ns.yaml:1")
    assert compare([], [finding()])[0].startswith("found, not expected")
    assert compare([Expected("Namespace/ml", "ns.yaml")] * 2, [finding()]) == [
        "expected, not found: Namespace/ml in ns.yaml"]


def test_specific_expectations_choose_first() -> None:
    """A loose expectation listed first must not take the finding a precise one needs."""
    found = [finding(attribute="a", severity=Severity.MEDIUM), finding(attribute="b")]
    expected = [Expected("Namespace/ml", "ns.yaml"),
                Expected("Namespace/ml", "ns.yaml", attribute="a", severity="medium")]
    assert compare(expected, found) == []


def test_severity_and_blocking_are_compared_when_given() -> None:
    assert compare([Expected("Namespace/ml", "ns.yaml", severity="medium")], [finding()])
    assert compare([Expected("Namespace/ml", "ns.yaml", blocking=False)], [finding()])
    assert compare([Expected("Namespace/ml", "ns.yaml", blocking=False)],
                   [finding(blocking=False)]) == []


def _case_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cases" / "acme01.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


CASE = ("policy: ACME-01\ncases:\n  - name: one\n    files: {{{files}}}\n"
        "    expect: {expect}\n")


@pytest.mark.parametrize(("text", "message"), [
    (CASE.format(files="a.yaml: x", expect="[]") + "    colour: red\n",
     "cases/acme01.yaml:3: case: unknown key 'colour'"),
    (CASE.format(files="../escape.yaml: x", expect="[]"),
     "case 'one': file name '../escape.yaml' must be a relative path"),
    (CASE.format(files="/etc/passwd: x", expect="[]"), "must be a relative path"),
    (CASE.format(files=".git/config: x", expect="[]"), "must be a relative path"),
    (CASE.format(files="a.yaml: x", expect="[]") + "    params: {gpu_max_per_contianer: 2}\n",
     "case 'one': params: unknown key 'gpu_max_per_contianer'"),
    (CASE.format(files="a.yaml: x", expect="[{resource: r}]"),
     "cases/acme01.yaml:5: case 'one': expected finding: missing 'file'"),
    (CASE.format(files="a.yaml: x", expect="[{resource: r, file: f, severity: urgent}]"),
     "unknown severity 'urgent'"),
    (CASE.format(files="a.yaml: x", expect="none"), "'expect' must be a list"),
    (CASE.format(files="a.yaml: x", expect="[]") + CASE.format(
        files="a.yaml: x", expect="[]").split("cases:\n")[1],
     "cases/acme01.yaml:6: case 'one': duplicate name (first at line 3)"),
    ("policy: ACME-01\npolicy: ACME-02\ncases: []\n", "cases/acme01.yaml:2: duplicate key"),
    ("policy: ACME-01\ncases: []\n", "'cases' must be a non-empty list"),
])
def test_bad_case_files_are_errors_naming_file_and_line(tmp_path: Path, text: str,
                                                        message: str) -> None:
    path = _case_file(tmp_path, text)
    with pytest.raises(LibraryFileError) as raised:
        load_case_file(path, "cases/acme01.yaml")
    assert message in str(raised.value)


def test_a_case_runs_through_the_real_loaders_and_reports_the_difference(
        tmp_path: Path) -> None:
    policy_set = load_policy_set([policies_dir() / "rego", TEAM])
    path = _case_file(tmp_path, """\
policy: ACME-01
cases:
  - name: wrong line on purpose
    files:
      k8s/ns.yaml: |
        apiVersion: v1
        kind: Namespace
        metadata: {name: ml}
    expect:
      - {resource: Namespace/ml, file: k8s/ns.yaml, line: 3}
  - name: a file that does not parse fails the case
    files:
      k8s/ns.yaml: "kind: [unclosed\\n"
    expect: []
""")
    case_file = load_case_file(path, "cases/acme01.yaml")
    wrong, broken = (run_case(policy_set, case_file, c) for c in case_file.cases)
    assert not wrong.passed
    assert wrong.message.splitlines() == [
        "expected, not found: Namespace/ml in k8s/ns.yaml, line=3",
        "found, not expected: Namespace/ml in k8s/ns.yaml:1 (attribute 'metadata.labels.team', "
        "severity medium, blocking): Namespace/ml has no team label"]
    assert not broken.passed
    assert "the case's files did not scan cleanly: k8s/ns.yaml:" in broken.message


def test_case_params_reach_the_policies(tmp_path: Path) -> None:
    """params are merged per key over the defaults: dropping the required tags silences
    GXP-10 on an untagged bucket."""
    policy_set = load_policy_set([policies_dir() / "rego"])
    path = _case_file(tmp_path, """\
policy: GXP-10
cases:
  - name: no required tags configured
    files:
      main.tf: |
        resource "aws_s3_bucket" "b" {
          bucket = "b"
        }
    params: {required_tags: {}}
    expect: []
  - name: defaults
    files:
      main.tf: |
        resource "aws_s3_bucket" "b" {
          bucket = "b"
        }
    expect: [{resource: aws_s3_bucket.b, file: main.tf, line: 1}]
""")
    case_file = load_case_file(path, "cases/gxp10.yaml")
    assert [run_case(policy_set, case_file, c).passed for c in case_file.cases] == [True, True]
