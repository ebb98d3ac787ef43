"""End-to-end: ``gitops-compliance policy list | test | doc`` in-process, on the built-in
library and on a team's own policy directory (``--policies`` and the config)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from engine.resources import schemas_dir
from tests.conftest import FIXTURES, run_cli

TEAM = FIXTURES / "policy-library" / "team"
ROWS = ([f"GXP-{n:02d}" for n in range(1, 12)] + [f"IAM-{n:02d}" for n in range(1, 13)]
        + [f"ENC-{n:02d}" for n in range(1, 8)] + [f"GPU-{n:02d}" for n in range(1, 8)])


def _policies(*argv: str) -> dict[str, dict[str, object]]:
    run = run_cli("policy", "list", "-o", "json", *argv)
    assert run.code == 0, run.err
    schema = json.loads((schemas_dir() / "policy-list-v1.json").read_text(encoding="utf-8"))
    jsonschema.validate(run.json(), schema)
    entries = run.json()["policies"]
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids)), "one row per id"
    return {e["id"]: e for e in entries}


def test_list_json_has_a_row_per_catalog_id_with_engine_and_checkov_ids() -> None:
    listed = _policies()
    assert [i for i in listed if i in ROWS] == ROWS
    assert listed["GXP-02"] | {"controls": None} == {
        "id": "GXP-02", "title": "CloudTrail log file validation is enabled",
        "engine": "checkov", "severity": "high", "family": "gxp", "controls": None,
        "checkov_ids": ["CKV_AWS_36"], "catalog": [], "regulatory": True,
        "implemented": True, "source": ""}
    assert listed["GXP-02"]["controls"] == ["21CFR11.10(a)", "21CFR11.10(c)"]
    assert listed["GXP-11"]["engine"] == "report" and listed["GXP-11"]["severity"] is None
    assert listed["GXP-11"]["controls"] == ["21CFR11.10(k)(2)", "EUANNEX11-10"]
    assert listed["IAM-02"]["engine"] == "checkov+rego"
    assert listed["IAM-02"]["source"].endswith("iam/iam02.rego")
    assert listed["GPU-01"]["regulatory"] is False and listed["GPU-01"]["controls"] == []
    assert listed["ENC-07"]["checkov_ids"] == ["CKV_AWS_22", "CKV_AWS_58", "CKV_AWS_187"]
    # Checkov ids mapped to no row are rows of their own.
    assert listed["CKV_K8S_16"]["severity"] == "high"
    assert listed["CKV_K8S_16"]["controls"] == ["21CFR11.10(d)", "EUANNEX11-12.1"]


def test_list_text_table(tmp_path: Path) -> None:
    run = run_cli("policy", "list")
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[0].split() == ["ID", "ENGINE", "SEVERITY", "FAMILY", "CONTROLS", "CHECKOV"]
    row = next(line for line in lines if line.startswith("GXP-02 "))
    assert row.split() == ["GXP-02", "checkov", "high", "gxp", "21CFR11.10(a)",
                           "21CFR11.10(c)", "CKV_AWS_36"]
    for row_id in ROWS:
        assert sum(1 for line in lines if line.split()[:1] == [row_id]) == 1, row_id


def test_list_honours_policies_dirs_and_config_severity(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".gitops-compliance.yaml").write_text(
        f"policies: [{TEAM}]\nseverity:\n  GXP-10: medium\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    listed = _policies()
    assert listed["ACME-01"]["engine"] == "rego" and listed["ACME-01"]["family"] == "acme"
    assert listed["GXP-10"]["severity"] == "medium"
    out = tmp_path / "policies.json"
    run = run_cli("policy", "list", "-o", f"json={out}", "-o", "text")
    assert run.code == 0 and "ACME-01" in run.out
    assert "ACME-01" in {e["id"] for e in json.loads(out.read_text())["policies"]}


def test_missing_policy_dir_is_a_usage_error() -> None:
    for command in ("list", "test", "doc"):
        run = run_cli("policy", command, "--policies", "/nonexistent/team-policies")
        assert run.code == 2
        assert "policy directory not found" in run.err and "team-policies" in run.err


def test_unknown_output_format_is_a_usage_error() -> None:
    run = run_cli("policy", "list", "-o", "sarif")
    assert run.code == 2 and "unknown format 'sarif'" in run.err


def test_policy_test_passes_on_the_builtin_library_with_junit(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    run = run_cli("policy", "test", "-o", f"junit={report}", "-o", "text")
    assert run.code == 0, run.out
    assert " 0 failed, 0 errors in " in run.out
    root = ET.fromstring(report.read_text(encoding="utf-8"))
    assert root.get("failures") == "0" and root.get("errors") == "0"
    cases = {(c.get("classname"), c.get("name")) for c in root.iter("testcase")}
    assert any(cls and cls.endswith("iam/cases/iam02.yaml") and name ==
               "service wildcards in jsonencode, heredoc JSON and aws_iam_policy_document"
               for cls, name in cases)
    assert any(name == "test_bucket_without_tags_attribute_fires" for _, name in cases)
    assert ("policy coverage", "GPU-01") in cases


def _team_copy(tmp_path: Path) -> Path:
    team = tmp_path / "team"
    shutil.copytree(TEAM, team)
    return team


def test_policy_test_fails_on_a_wrong_case_and_names_it(tmp_path: Path) -> None:
    team = _team_copy(tmp_path)
    case = team / "cases" / "acme01.yaml"
    case.write_text(case.read_text().replace("line: 5", "line: 4"), encoding="utf-8")
    report = tmp_path / "junit.xml"
    run = run_cli("policy", "test", "--policies", str(team), "-o", "text",
                  "-o", f"junit={report}")
    assert run.code == 1
    assert "FAIL  " in run.out and "acme01.yaml::a Namespace without a team label" in run.out
    assert "expected, not found: Namespace/ml in k8s/ns.yaml, line=4" in run.out
    failures = [c for c in ET.fromstring(report.read_text()).iter("testcase")
                if c.find("failure") is not None and "acme" in (c.get("classname") or "")]
    assert [c.get("name") for c in failures] == ["a Namespace without a team label"]


def test_policy_test_fails_when_a_policy_has_no_tests_or_cases(tmp_path: Path) -> None:
    team = _team_copy(tmp_path)
    (team / "acme01_test.rego").unlink()
    (team / "cases" / "acme01.yaml").write_text(
        "policy: ACME-01\ncases:\n  - name: only good\n    files: {a.yaml: 'x: 1'}\n"
        "    expect: []\n", encoding="utf-8")
    run = run_cli("policy", "test", "--policies", str(team))
    assert run.code == 1
    assert "policy coverage::ACME-01" in run.out
    assert "no Rego test: add test_* rules in" in run.out
    assert "needs at least one case with findings and one with expect: []" in run.out


def test_a_broken_case_file_is_reported_and_the_rest_still_runs(tmp_path: Path) -> None:
    team = _team_copy(tmp_path)
    (team / "cases" / "acme02.yaml").write_text("policy: ACME-01\ncases:\n  - name: x\n"
                                                "    flies: {}\n", encoding="utf-8")
    run = run_cli("policy", "test", "--policies", str(team), "-v")
    assert run.code == 2
    assert "ERROR" in run.out and "acme02.yaml:3: case: unknown key 'flies'" in run.out
    assert "PASS  " in run.out and "acme01.yaml::a Namespace with a team label" in run.out


def test_policy_doc_prints_the_catalog_with_team_policies(tmp_path: Path) -> None:
    run = run_cli("policy", "doc", "--policies", str(TEAM))
    assert run.code == 0, run.err
    assert run.out.startswith("<!-- Generated by `gitops-compliance policy doc")
    assert "| `ACME-01` | Namespaces name their owning team | rego | medium |" in run.out
    # The team policy's claim shows as evidence of the clause.
    clause = next(line for line in run.out.splitlines() if line.startswith("| `21CFR11.10(d)`"))
    assert "`ACME-01`" in clause


def test_policy_help_does_not_import_heavy_engines() -> None:
    probe = (
        "import sys, io\n"
        "from engine.cli.main import main\n"
        "for argv in (['policy', '--help'], ['policy', 'list', '--help'],\n"
        "             ['policy', 'test', '--help'], ['policy', 'doc', '--help']):\n"
        "    assert main(argv, stdout=io.StringIO()) == 0, argv\n"
        "heavy = [m for m in ('checkov', 'regorus', 'git', 'hcl2') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == ""


def test_policy_without_subcommand_is_a_usage_error() -> None:
    assert run_cli("policy").code == 2
