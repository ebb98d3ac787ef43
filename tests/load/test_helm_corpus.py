"""Real public charts (prometheus-community) render: ../shared/corpus/helm-charts.

Input data, never copied into the project; the tests skip when the corpus is absent.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.helm_helpers import render_all

CHARTS = Path(__file__).parents[2].parent / "shared" / "corpus" / "helm-charts"
SUBCHARTS = ("alertmanager", "kube-state-metrics", "prometheus-node-exporter",
             "prometheus-pushgateway")


@pytest.fixture(scope="module")
def rendered() -> object:
    if not CHARTS.is_dir():
        pytest.skip(f"{CHARTS} is absent (the shared corpus is not shipped)")
    return render_all(CHARTS, in_git=False)


def test_every_corpus_chart_renders(rendered: object) -> None:
    found, helm = rendered  # type: ignore[misc]
    charts = sorted(p.name for p in CHARTS.iterdir() if (p / "Chart.yaml").is_file())
    # Subcharts belong to their parent: no units of their own.
    assert sorted(found.values_sets) == sorted(f"chart:{c}@defaults" for c in charts)
    for chart in charts:
        if chart == "prometheus":
            continue
        resources = helm.resources[f"chart:{chart}@defaults"]
        assert resources, chart
        assert all(r.file.startswith(f"{chart}/") and r.extra["source"]["chart"] == chart
                   for r in resources)
        # Every object was found in its template (none of these charts computes a kind).
        assert all(r.line > 0 for r in resources), chart


def test_prometheus_without_its_dependencies_is_a_render_error(rendered: object) -> None:
    _, helm = rendered  # type: ignore[misc]
    [error] = helm.errors
    assert (error.code, error.file, error.unit) == (
        "render-error", "prometheus/Chart.yaml", "chart:prometheus@defaults")
    assert all(name in error.message for name in SUBCHARTS)
    assert error.line > 0  # the first missing dependency's entry in Chart.yaml
    assert helm.resources["chart:prometheus@defaults"] == []


def test_prometheus_with_deps_renders_every_subchart(rendered: object) -> None:
    _, helm = rendered  # type: ignore[misc]
    resources = helm.resources["chart:prometheus-with-deps@defaults"]
    origins = Counter(r.extra["source"]["template"].split("/")[1]
                      if r.extra["source"]["template"].startswith("charts/") else "parent"
                      for r in resources)
    assert set(origins) == {"parent", *SUBCHARTS}
    server = [r for r in resources if r.type == "Deployment" and r.name.endswith("-server")]
    assert [r.file for r in server] == ["prometheus-with-deps/templates/deploy.yaml"]


def test_corpus_scan_reports_only_the_missing_dependencies() -> None:
    if not CHARTS.is_dir():
        pytest.skip(f"{CHARTS} is absent (the shared corpus is not shipped)")
    run = run_cli("scan", str(CHARTS), "--no-checkov", "-o", "json")
    assert run.code == 3
    assert [(e["code"], e["unit"]) for e in run.json()["errors"]] == [
        ("render-error", "chart:prometheus@defaults")]
