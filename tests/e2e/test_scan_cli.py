"""End-to-end: the CLI on real git repositories, with the real Rego engine and real Checkov.

Each test asserts which policy fired, on which resource, file and line, and the exit code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import findings_by, run_cli

pytestmark = pytest.mark.slow

SECRET_VALUES = ("Sup3rS3cretDbPassw0rd", "hunter2-K8sSecretValue", "c2VjcmV0LXRva2VuLXZhbHVl",
                 "secret-token-value")


def test_noncompliant_repo_blocks_with_findings_on_the_right_lines(
        repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory("e2e/noncompliant")
    run = run_cli("scan", str(repo), "-o", "json")
    assert run.code == 1, run.err
    document = run.json()
    found = findings_by(document)
    expected = {
        ("IAM-02", "aws_iam_policy.pipeline", "infra/main.tf", 13),
        ("GXP-10", "aws_s3_bucket.artifacts", "infra/main.tf", 9),
        ("GXP-10", "aws_db_instance.records", "infra/main.tf", 32),
        ("GXP-10", "Namespace/ml-training", "k8s/training.yaml", 1),
        ("GPU-01", "Job/ml-training/train-resnet", "k8s/training.yaml", 6),
        ("ENC-05", "Secret/ml-training/registry-credentials", "k8s/secret.yaml", 1),
    }
    assert expected <= found, sorted(found)
    checkov = {(p, r) for p, r, _, _ in found if p.startswith("CKV")}
    # Checkov's built-ins run on the same files, mapped to the same resource addresses.
    assert ("CKV_AWS_16", "aws_db_instance.records") in checkov  # storage not encrypted
    assert any(r == "Job/ml-training/train-resnet" for _, r in checkov)
    assert document["verdict"] == "blocked"
    assert document["exit_code"] == 1
    assert document["errors"] == []
    # The CI config is not a Kubernetes object: no error, no finding.
    assert not any(f["file"] == "ci.yaml" for f in document["findings"])


def test_text_report_groups_by_severity_with_location_and_remediation(
        repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory("e2e/noncompliant")
    run = run_cli("scan", str(repo), "--no-checkov")
    assert run.code == 1
    assert "HIGH (" in run.out
    assert "IAM-02  aws_iam_policy.pipeline  infra/main.tf:13" in run.out
    assert "fix: " in run.out
    assert "Verdict: BLOCKED (exit 1)" in run.out


def test_fail_on_none_reports_without_blocking(repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory("e2e/noncompliant")
    run = run_cli("scan", str(repo), "--no-checkov", "--fail-on", "none", "-o", "json")
    assert run.code == 0
    assert run.json()["summary"]["blocking"] == 0
    assert ("ENC-05", "Secret/ml-training/registry-credentials", "k8s/secret.yaml", 1) in \
        findings_by(run.json())


def test_malformed_files_are_errors_and_the_rest_is_still_scanned(
        repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory("e2e/broken")
    run = run_cli("scan", str(repo), "-o", "json")
    assert run.code == 3, run.out + run.err
    document = run.json()
    errors = {(e["file"], e["code"]) for e in document["errors"]}
    assert ("infra/bad.tf", "parse-error") in errors
    assert ("k8s/bad.yaml", "parse-error") in errors
    lines = {e["file"]: e["line"] for e in document["errors"]}
    assert lines["k8s/bad.yaml"] == 6  # where the unclosed flow mapping is detected
    assert lines["infra/bad.tf"] == 4
    messages = {e["file"]: e["message"] for e in document["errors"]}
    assert "flow mapping started at line 5" in messages["k8s/bad.yaml"]
    # One error per broken file, even though both our loader and Checkov failed on it.
    assert [e["file"] for e in document["errors"]].count("infra/bad.tf") == 1
    # The good files next to the broken ones were still evaluated and reported.
    found = findings_by(document)
    assert ("IAM-02", "aws_iam_policy.wide", "infra/good.tf", 1) in found
    assert ("ENC-05", "Secret/apps/leaked", "k8s/good.yaml", 1) in found
    assert document["verdict"] == "incomplete"


def test_errors_are_never_hidden_by_the_threshold(repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory("e2e/broken")
    run = run_cli("scan", str(repo), "--no-checkov", "--fail-on", "none")
    assert run.code == 3
    assert "k8s/bad.yaml:6" in run.out


@pytest.mark.parametrize(("policy", "expected"), [
    ("package broken\nimport rego.v1\ndeny contains msg if {\n", "syntax.rego"),
    ("package nometa\nimport rego.v1\ndeny contains \"x\" if { false }\n", "nometa.rego"),
])
def test_bad_policy_is_a_usage_error_naming_the_file(
        repo_factory: Callable[..., Path], tmp_path: Path, policy: str, expected: str) -> None:
    repo = repo_factory("e2e/noncompliant")
    policies = tmp_path / "user-policies"
    policies.mkdir()
    (policies / expected).write_text(policy)
    run = run_cli("scan", str(repo), "--policies", str(policies), "--no-checkov")
    assert run.code == 2
    assert expected in run.err


def test_duplicate_policy_id_is_a_usage_error(repo_factory: Callable[..., Path],
                                              tmp_path: Path) -> None:
    repo = repo_factory("e2e/noncompliant")
    policies = tmp_path / "dup"
    policies.mkdir()
    (policies / "dup.rego").write_text(
        "# METADATA\n# title: Duplicate\n# scope: package\n# custom:\n#   id: GPU-01\n"
        "#   severity: low\n#   family: gpu\n#   controls: []\n#   applies_to: [Pod]\n"
        "#   remediation: none\npackage user.dup\nimport rego.v1\n"
        "deny contains \"x\" if { false }\n")
    run = run_cli("scan", str(repo), "--policies", str(policies), "--no-checkov")
    assert run.code == 2
    assert "dup.rego" in run.err and "GPU-01" in run.err


def test_secret_values_never_reach_any_output(repo_factory: Callable[..., Path],
                                              tmp_path: Path) -> None:
    repo = repo_factory("e2e/noncompliant")
    outputs = tmp_path / "out"
    outputs.mkdir()
    run = run_cli("scan", str(repo), "-o", "text", "-o", f"json={outputs / 'scan.json'}")
    assert run.code == 1
    everything = run.out + run.err + (outputs / "scan.json").read_text()
    for value in SECRET_VALUES:
        assert value not in everything
    assert "ENC-05" in everything  # the Secret was seen, only its values are gone


def test_full_scan_makes_no_network_connection(repo_factory: Callable[..., Path],
                                               no_network: list[str]) -> None:
    repo = repo_factory("e2e/noncompliant")
    run = run_cli("scan", str(repo), "-o", "json")
    assert run.code == 1, run.err
    assert no_network == []
    assert "checkov" in run.json()["tool"]["versions"]


def test_output_file_is_written_atomically_and_stdout_stays_clean(
        repo_factory: Callable[..., Path], tmp_path: Path) -> None:
    repo = repo_factory("e2e/noncompliant")
    target = tmp_path / "reports" / "scan.json"
    target.parent.mkdir()
    run = run_cli("scan", str(repo), "--no-checkov", "-o", f"json={target}", "-o", "text")
    assert run.code == 1
    assert target.read_text().startswith("{")
    assert [p.name for p in target.parent.iterdir()] == ["scan.json"]  # no temporary left
    assert "Verdict: BLOCKED" in run.out


def test_unwritable_output_is_a_clear_error(repo_factory: Callable[..., Path],
                                            tmp_path: Path) -> None:
    repo = repo_factory("e2e/noncompliant")
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    run = run_cli("scan", str(repo), "--no-checkov", "-o", f"json={blocker / 'scan.json'}")
    assert run.code == 3
    assert "cannot write" in run.err and "scan.json" in run.err


def test_help_and_version_do_not_import_heavy_engines() -> None:
    probe = (
        "import sys, io\n"
        "from engine.cli.main import main\n"
        "assert main(['--version'], stdout=io.StringIO()) == 0\n"
        "assert main(['--help'], stdout=io.StringIO()) == 0\n"
        "assert main(['scan', '--help'], stdout=io.StringIO()) == 0\n"
        "assert main(['report', 'quarterly', '--help'], stdout=io.StringIO()) == 0\n"
        "assert main(['report', 'verify', '--help'], stdout=io.StringIO()) == 0\n"
        "heavy = [m for m in ('checkov', 'regorus', 'git', 'hcl2', 'jinja2', 'rich')\n"
        "         if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == ""


def test_version_from_the_console_script() -> None:
    done = subprocess.run([sys.executable, "-m", "engine", "--version"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0
    assert done.stdout.startswith("gitops-compliance 0.")


CONFLICTING_POLICY = """# METADATA
# title: Conflicts on Terraform units only
# scope: package
# custom:
#   id: USER-01
#   severity: high
#   family: custom
#   controls: []
#   applies_to: ["*"]
#   remediation: none
package user.conflict

import rego.v1

# A complete rule with two different values is a runtime error (eval_conflict_error) in OPA
# and regorus alike, but only where both bodies hold: on Terraform units.
mode := "a" if input.kind == "terraform"

mode := "b" if input.kind == "terraform"

deny contains "never" if mode == "c"
"""


def test_a_policy_error_in_one_unit_leaves_the_others_scanned(
        repo_factory: Callable[..., Path], tmp_path: Path) -> None:
    repo = repo_factory("e2e/noncompliant")
    policies = tmp_path / "user"
    policies.mkdir()
    (policies / "conflict.rego").write_text(CONFLICTING_POLICY)
    run = run_cli("scan", str(repo), "--policies", str(policies), "--no-checkov", "-o", "json")
    assert run.code == 3, run.err
    document = run.json()
    assert [(e["code"], e["unit"]) for e in document["errors"]] == [("engine-error", "infra")]
    found = findings_by(document)
    # The Kubernetes unit was evaluated in full, the Terraform unit lost only its findings.
    assert ("GPU-01", "Job/ml-training/train-resnet", "k8s/training.yaml", 6) in found


def test_kustomize_folders_are_reported_as_not_rendered_and_charts_are_rendered(
        repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory(files={
        "charts/api/Chart.yaml": "apiVersion: v2\nname: api\nversion: 1.0.0\n",
        "charts/api/templates/deployment.yaml": (
            "apiVersion: apps/v1\nkind: {{ required \"kind is required\" .Values.kind }}\n"),
        "deploy/overlays/prod/kustomization.yaml": "resources: [../../base]\n",
        "deploy/overlays/prod/replicas.yaml": "kind: Deployment\nspec: {replicas: 3}\n",
        "k8s/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ok\n  labels:\n"
                       "    gxp-classification: non-gxp\n    system-owner: a\n"
                       "    validation-status: not-validated\n    data-classification: x\n"
                       "    cost-center: c\n",
    })
    run = run_cli("scan", str(repo), "--no-checkov", "-o", "json")
    assert run.code == 3
    document = run.json()
    assert [(e["code"], e["file"], e["line"]) for e in document["errors"]] == [
        ("render-error", "charts/api/templates/deployment.yaml", 2),
        ("not-rendered", "deploy/overlays/prod/kustomization.yaml", 1)]
    assert "kind is required" in document["errors"][0]["message"]
    # The template and the patch were not parsed as broken YAML nor as objects.
    assert document["findings"] == []
    assert [u["identity"] for u in document["scan"]["units"]] == [
        "kubernetes", "chart:charts/api@defaults"]


def test_hostile_hcl_string_fails_fast_in_both_engines(repo_factory: Callable[..., Path],
                                                       capfd: pytest.CaptureFixture[str]) -> None:
    # hcl2's own string regex backtracks catastrophically on this line; Checkov would stop
    # after its 10 s timeout and print a traceback. Both engines now share the safe parser.
    repo = repo_factory(files={"infra/main.tf": (
        'resource "a" "b" {\n'
        '  nested = "${"inner ${local.zones[0]}"}${  directive = "%{ if var.x }yes%{ endif }"\n'
        '  escaped = "x"\n}\n'), "infra/ok.tf": 'resource "aws_sqs_queue" "q" {\n}\n'})
    run = run_cli("scan", str(repo), "-o", "json", "--fail-on", "none")
    assert run.code == 3
    document = run.json()
    assert [(e["code"], e["file"], e["line"]) for e in document["errors"]] == [
        ("parse-error", "infra/main.tf", 2)]
    assert document["scan"]["timings"]["checkov"] < 9  # a hang guard, not a benchmark
    # The sibling file was still checked by Checkov.
    assert any(f["resource"] == "aws_sqs_queue.q" and f["engine"] == "checkov"
               for f in document["findings"])
    # Nothing leaked onto the process's real stderr either (Checkov logs through logging).
    assert "Traceback" not in run.err + capfd.readouterr().err


def test_config_exclusions_hold_for_both_engines(repo_factory: Callable[..., Path]) -> None:
    wide = ('resource "aws_iam_policy" "legacy" {\n  name = "legacy"\n  policy = jsonencode({\n'
            '    Statement = [{Effect = "Allow", Action = ["s3:*"], Resource = "*"}]\n  })\n}\n')
    repo = repo_factory(files={
        "infra/legacy.tf": wide,
        "infra/main.tf": 'resource "aws_sqs_queue" "q" {\n}\n',
        ".gitops-compliance.yaml": "exclude:\n  - {path: infra/legacy.tf, reason: CHG-42}\n",
    })
    run = run_cli("scan", str(repo), "-o", "json", "--fail-on", "none")
    document = run.json()
    assert not any(f["file"] == "infra/legacy.tf" for f in document["findings"])
    assert any(f["resource"] == "aws_sqs_queue.q" and f["engine"] == "checkov"
               for f in document["findings"])
    assert document["scan"]["excluded"] == [{"path": "infra/legacy.tf", "reason": "CHG-42"}]


def test_a_value_rejected_by_its_yaml_tag_never_reaches_output(
        repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory(files={
        "k8s/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: a}\n"
                           "stringData:\n  password: !!int hunter2SECRET\n",
        "k8s/leak.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: other, namespace: a}\n"
                         "data:\n  token: c2VjcmV0LXRva2VuLXZhbHVl\n",
    })
    run = run_cli("scan", str(repo), "-o", "json")
    assert run.code == 3
    document = run.json()
    assert [(e["code"], e["file"], e["line"]) for e in document["errors"]] == [
        ("parse-error", "k8s/secret.yaml", 1)]
    # The other file of the unit was still evaluated.
    assert ("ENC-05", "Secret/a/other", "k8s/leak.yaml", 1) in findings_by(document)
    assert "hunter2SECRET" not in run.out + run.err


def test_standard_output_on_a_full_disk_is_a_clear_error(
        repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory("e2e/noncompliant")
    # Buffered stdout (as in CI) and unbuffered (as in many terminals) fail at different
    # moments: both must end in exit 3 with a message, never a traceback or exit 120.
    for unbuffered in ("", "1"):
        env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
        if unbuffered:
            env["PYTHONUNBUFFERED"] = unbuffered
        with open("/dev/full", "w") as full:
            done = subprocess.run([sys.executable, "-m", "engine", "scan", str(repo),
                                   "--no-checkov"], stdout=full, stderr=subprocess.PIPE,
                                  text=True, check=False, env=env)
        assert done.returncode == 3, done.stderr
        assert "cannot write the text output to standard output" in done.stderr
        assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def test_a_severity_override_for_an_unknown_policy_is_a_usage_error(
        repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory("e2e/noncompliant", files={
        ".gitops-compliance.yaml": "severity:\n  GXP-99: high\n  CKV_AWS_16: low\n"})
    run = run_cli("scan", str(repo), "--no-checkov")
    assert run.code == 2
    assert "GXP-99" in run.err and "CKV_AWS_16" not in run.err


LABELLED_NAMESPACE = ("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ok\n  labels:\n"
                      "    gxp-classification: non-gxp\n    system-owner: a\n"
                      "    validation-status: not-validated\n    data-classification: x\n"
                      "    cost-center: c\n")


@pytest.mark.parametrize(("secret_body", "passed"), [("type: Opaque\n", 3),
                                                     ("data:\n  k: dmFsdWU=\n", 2)])
def test_rego_passes_are_counted_per_applicable_resource(
        repo_factory: Callable[..., Path], secret_body: str, passed: int) -> None:
    # GXP-10 and GPU-03 apply to the Namespace, ENC-05 to the Secret: each passes or fails
    # once.
    repo = repo_factory(files={
        "ns.yaml": LABELLED_NAMESPACE,
        "secret.yaml": f"apiVersion: v1\nkind: Secret\nmetadata: {{name: s, namespace: ok}}\n"
                       f"{secret_body}"})
    run = run_cli("scan", str(repo), "--no-checkov", "-o", "json", "--fail-on", "none")
    assert run.json()["summary"]["passed_checks"] == passed


def test_same_tree_gives_the_same_findings_in_the_same_order(tmp_path: Path) -> None:
    # Two checkouts of one tree whose files were created in opposite orders (so directory
    # listing order differs): findings and errors must be identical, element by element.
    from tests.conftest import FIXTURES, make_repo

    source = FIXTURES / "e2e" / "noncompliant"
    names = sorted(p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file())
    documents = []
    for label, order in (("forward", names), ("reverse", list(reversed(names)))):
        files = {n: (source / n).read_text() for n in order}
        repo = tmp_path / label
        make_repo(repo, files)
        document = run_cli("scan", str(repo), "-o", "json").json()
        documents.append((document["findings"], document["errors"]))
    assert documents[0] == documents[1]
    rank = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
    keys = [(rank[f["severity"]], f["policy_id"], f["file"], f["line"]) for f in documents[0][0]]
    assert keys == sorted(keys)  # most severe first, then by policy, file and line
    assert documents[0][0][0]["severity"] == "high"
