"""The bundled sample repository's chart (manifests/helm/text-embedder) renders as the
platform team deploys it and passes every built-in policy and Checkov check."""

from __future__ import annotations

from typing import Any

import pytest

from engine.config import load_config
from engine.load.helm.units import HelmLoad
from tests.conftest import REPO_ROOT, run_cli
from tests.helm_helpers import render_all

# End-to-end CLI runs (real Helm worker, Rego and, in some, Checkov), like test_scan_cli.
pytestmark = pytest.mark.slow

MANIFESTS = REPO_ROOT / "manifests"
CHART = "manifests/helm/text-embedder"


def _rendered() -> HelmLoad:
    config = load_config(MANIFESTS / ".gitops-compliance.yaml").rooted(REPO_ROOT)
    _, helm = render_all(REPO_ROOT, config.helm, scope=(CHART,))
    return helm


def _pod_spec(resources: list[Any]) -> dict[str, Any]:
    [deployment] = [r for r in resources if r.type == "Deployment"]
    spec: dict[str, Any] = deployment.config["spec"]["template"]["spec"]
    return spec


def test_chart_renders_gpu_workloads_as_the_policies_expect() -> None:
    helm = _rendered()
    assert helm.errors == []
    assert sorted(helm.resources) == [f"chart:{CHART}@defaults", f"chart:{CHART}@values-dev.yaml",
                                      f"chart:{CHART}@values-prod.yaml"]
    prod = helm.resources[f"chart:{CHART}@values-prod.yaml"]
    assert sorted(r.address for r in prod) == [
        "ConfigMap/ml-inference/text-embedder-config",
        "Deployment/ml-inference/text-embedder",
        "NetworkPolicy/ml-inference/text-embedder",
        "PodDisruptionBudget/ml-inference/text-embedder",
        "Service/ml-inference/text-embedder",
        "ServiceAccount/ml-inference/text-embedder",
    ]
    for resources in helm.resources.values():
        spec = _pod_spec(resources)
        container = spec["containers"][0]["resources"]
        assert container["limits"]["nvidia.com/gpu"] == container["requests"]["nvidia.com/gpu"]
        assert container["limits"]["nvidia.com/gpu"] == "1"
        assert spec["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
        assert spec["tolerations"][0]["key"] == "nvidia.com/gpu"
    dev = helm.resources[f"chart:{CHART}@values-dev.yaml"]
    assert "PodDisruptionBudget" not in {r.type for r in dev}  # one replica in dev


def test_the_sample_with_its_chart_scans_clean_with_checkov_and_rego() -> None:
    # The README's main command. The whole sample, not the chart folder alone: the chart
    # deploys into ml-inference, whose GPU ResourceQuota (GPU-03) lives in the manifests.
    run = run_cli("scan", str(MANIFESTS), "-o", "json")
    document = run.json()
    assert document["errors"] == []
    assert [f for f in document["findings"] if f["status"] == "failed"] == []
    assert run.code == 0
    charts = [u for u in document["scan"]["units"] if u["identity"].startswith("chart:")]
    assert len(charts) == 3
    # Checkov and Rego did check the rendered objects: 5 in defaults and dev (one replica,
    # no PDB), 6 in prod, among everything else the sample holds.
    assert document["scan"]["resource_count"] >= 16 + 100
    assert document["summary"]["passed_checks"] > 16 * 10
