"""End to end: charts rendered and scanned through the CLI, on real git repositories."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.helm_helpers import scorer_repo

# End-to-end CLI runs (real Helm worker, Rego and, in some, Checkov), like test_scan_cli.
pytestmark = pytest.mark.slow

ARGO = "chart:scorer@Application/argocd/scorer-canary"
FLUX = "chart:scorer@HelmRelease/ml-batch/scorer-batch"
PROD = "chart:scorer@values-prod.yaml"
DEPLOYMENT_TEMPLATE = "scorer/templates/deployment.yaml"


def failed(document: dict[str, object], policy: str) -> set[tuple[str, str, str, int]]:
    findings = document["findings"]
    assert isinstance(findings, list)
    return {(f["unit"], f["resource"], f["file"], f["line"]) for f in findings
            if f["policy_id"] == policy and f["status"] == "failed"}


def test_values_sets_and_descriptors_are_scanned_as_deployed(tmp_path: Path) -> None:
    repo = scorer_repo(tmp_path / "repo", descriptors=True)
    run = run_cli("scan", str(repo), "--no-checkov", "-o", "json")
    document = run.json()
    assert document["errors"] == []
    assert run.code == 1
    # GPU requests != limits: in prod (values-prod.yaml, picked up with no config), in the
    # Argo CD canary (which deploys prod values) and in the Flux batch release (inline
    # values) — never with the chart's defaults.
    assert failed(document, "GPU-01") == {
        (PROD, "Deployment/release-namespace/scorer-scorer", DEPLOYMENT_TEMPLATE, 2),
        (ARGO, "Deployment/ml-canary/scorer-canary-scorer", DEPLOYMENT_TEMPLATE, 2),
        (FLUX, "Deployment/ml-batch/scorer-batch-scorer", DEPLOYMENT_TEMPLATE, 2),
    }
    [prod] = [f for f in document["findings"] if f["unit"] == PROD and f["policy_id"] == "GPU-01"]
    assert (prod["chart"], prod["values_set"], prod["template"]) == (
        "scorer", "values-prod.yaml", "templates/deployment.yaml")
    units = [u["identity"] for u in document["scan"]["units"]]
    assert units == ["kubernetes", "chart:scorer@defaults", PROD, ARGO, FLUX]


def test_checkov_checks_rendered_objects_at_their_template(tmp_path: Path) -> None:
    # The ConfigMap also quotes a template of another tool: Checkov must still check it.
    legacy = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: legacy\n"
              "  namespace: default\ndata:\n  alert: '{{ \"{{ .Values.threshold }}\" }}'\n")
    repo = scorer_repo(tmp_path / "repo", {"scorer/templates/legacy.yaml": legacy},
                       descriptors=True)
    report = tmp_path / "scan.json"
    run = run_cli("scan", str(repo), "-o", f"json={report}", "-o", "text")
    document = json.loads(report.read_text())
    assert document["errors"] == [], document["errors"]
    # Privileged only where the Argo CD Application's values make it so.
    assert failed(document, "CKV_K8S_16") == {
        (ARGO, "Deployment/ml-canary/scorer-canary-scorer", DEPLOYMENT_TEMPLATE, 2)}
    # Objects placed in the release namespace are not "in the default namespace"; an object
    # the template itself puts there is, in every values set.
    default_ns = failed(document, "CKV_K8S_21")
    assert {(unit, file, line) for unit, _, file, line in default_ns} == {
        (unit, "scorer/templates/legacy.yaml", 1)
        for unit in ("chart:scorer@defaults", PROD, ARGO, FLUX)}
    assert "chart scorer, values Application/argocd/scorer-canary, template " \
           "templates/deployment.yaml" in run.out


def test_template_error_is_exit_3_with_helms_message(tmp_path: Path) -> None:
    broken = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n"
              "  owner: {{ required \"owner is required\" .Values.owner }}\n")
    repo = scorer_repo(tmp_path / "repo", {"scorer/templates/owner.yaml": broken})
    run = run_cli("scan", str(repo), "--no-checkov", "-o", "json")
    assert run.code == 3
    errors = {(e["code"], e["file"], e["line"], e["unit"]) for e in run.json()["errors"]}
    assert errors == {("render-error", "scorer/templates/owner.yaml", 6, unit)
                      for unit in ("chart:scorer@defaults", PROD)}
    message = run.json()["errors"][0]["message"]
    assert "owner is required" in message and "chart scorer" in message
    assert "values set" in message


def test_enabled_dependency_not_vendored_is_exit_3(tmp_path: Path) -> None:
    repo = scorer_repo(tmp_path / "repo", {"scorer/values-analytics.yaml":
                                           "analytics: {enabled: true}\n"})
    run = run_cli("scan", str(repo), "--no-checkov", "-o", "json")
    assert run.code == 3
    [error] = run.json()["errors"]
    assert (error["code"], error["file"], error["unit"]) == (
        "render-error", "scorer/Chart.yaml", "chart:scorer@values-analytics.yaml")
    assert "analytics" in error["message"]


def test_a_template_that_never_ends_is_stopped_at_the_limit(tmp_path: Path) -> None:
    endless = "{{- range until 1000000 }}{{- range until 1000000 }}{{- end }}{{- end }}\n"
    repo = scorer_repo(tmp_path / "repo", {
        "scorer/templates/endless.yaml": endless,
        ".gitops-compliance.yaml": "helm:\n  timeout_seconds: 1.5\n"})
    started = time.monotonic()
    run = run_cli("scan", str(repo), "--no-checkov", "-o", "json")
    elapsed = time.monotonic() - started
    assert run.code == 3
    errors = run.json()["errors"]
    assert {e["unit"] for e in errors} == {"chart:scorer@defaults", PROD}
    assert all("longer than the limit of 1.5 s" in e["message"] for e in errors)
    assert {e["code"] for e in errors} == {"limit-exceeded"}  # docs/limits.md
    # Two values sets, each stopped at its limit (not a timed assertion on speed: a bound
    # that only a render left running forever would break).
    assert elapsed < 60


@pytest.mark.parametrize("key,value", [("timeout_seconds", "0"), ("memory_mb", "12"),
                                       ("namespace", "Not_A_Label"), ("colour", "1")])
def test_bad_helm_config_is_exit_2(tmp_path: Path, key: str, value: str) -> None:
    repo = scorer_repo(tmp_path / "repo", {".gitops-compliance.yaml": f"helm:\n  {key}: {value}\n"})
    run = run_cli("scan", str(repo), "--no-checkov")
    assert run.code == 2
    assert "helm" in run.err and key in run.err


def test_helm_runs_only_in_the_worker_process(tmp_path: Path) -> None:
    # Helm's Go runtime cannot be cancelled and a Go fatal error ends its process: it must
    # never be loaded into the scanner itself.
    import sys

    repo = scorer_repo(tmp_path / "repo")
    run = run_cli("scan", str(repo), "--no-checkov", "-o", "json")
    assert run.json()["scan"]["resource_count"] == 8
    assert "helm_python" not in sys.modules


def test_an_excluded_template_is_left_out_and_listed(tmp_path: Path) -> None:
    config = ("exclude:\n  - path: scorer/templates/service.yaml\n"
              "    reason: the Service is replaced by the mesh gateway (CHG-88)\n")
    repo = scorer_repo(tmp_path / "repo", {".gitops-compliance.yaml": config})
    document = run_cli("scan", str(repo), "--no-checkov", "-o", "json").json()
    assert document["scan"]["resource_count"] == 6  # 8 without the exclusion
    assert document["scan"]["excluded"] == [
        {"path": "scorer/templates/service.yaml",
         "reason": "the Service is replaced by the mesh gateway (CHG-88)"}]


def test_config_naming_a_folder_without_a_chart_is_exit_2(tmp_path: Path) -> None:
    config = "helm:\n  charts:\n    scorrer:\n      namespace: ml\n"
    repo = scorer_repo(tmp_path / "repo", {".gitops-compliance.yaml": config})
    run = run_cli("scan", str(repo), "--no-checkov", "-o", "json")
    assert run.code == 2
    [error] = run.json()["errors"]
    assert error["code"] == "config-error" and "'scorrer' is not a chart folder" in error["message"]


def test_a_secret_produced_by_a_chart_is_found_and_never_printed(tmp_path: Path) -> None:
    secret = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: registry\n"
              "stringData:\n  token: {{ .Values.registryToken | quote }}\n")
    repo = scorer_repo(tmp_path / "repo", {
        "scorer/templates/secret.yaml": secret,
        "scorer/values-token.yaml": "registryToken: hunter2-chart-value\n"})
    run = run_cli("scan", str(repo), "-o", "json")
    assert "hunter2-chart-value" not in run.out + run.err
    assert ("chart:scorer@values-token.yaml", "Secret/release-namespace/registry",
            "scorer/templates/secret.yaml", 1) in failed(run.json(), "ENC-05")
