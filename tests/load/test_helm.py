"""Helm units rendered for real (helm-python-sdk in the render worker) from fixture charts."""

from __future__ import annotations

from pathlib import Path

from engine.config import HelmChartConfig, HelmConfig
from engine.model import Resource
from tests.helm_helpers import render_all, scorer_repo

DEFAULTS = "chart:scorer@defaults"
PROD = "chart:scorer@values-prod.yaml"


def by_address(resources: list[Resource]) -> dict[str, Resource]:
    return {r.address: r for r in resources}


def test_chart_objects_carry_chart_values_set_template_and_line(tmp_path: Path) -> None:
    root = scorer_repo(tmp_path / "repo")
    found, helm = render_all(root)
    assert helm.errors == []
    # values-prod.yaml beside Chart.yaml is a values set without any config.
    assert sorted(found.values_sets) == [DEFAULTS, PROD]
    objects = by_address(helm.resources[DEFAULTS])
    # Deployment + Service of the parent, the cache subchart's Deployment, the packed
    # metrics subchart's ConfigMap; NOTES.txt and the disabled analytics chart give none.
    assert sorted(objects) == [
        "ConfigMap/release-namespace/scorer-metrics",
        "Deployment/release-namespace/scorer-cache",
        "Deployment/release-namespace/scorer-scorer",
        "Service/release-namespace/scorer-scorer",
    ]
    deployment = objects["Deployment/release-namespace/scorer-scorer"]
    # The object starts on line 2 of the template (line 1 is a template comment).
    assert (deployment.file, deployment.line) == ("scorer/templates/deployment.yaml", 2)
    assert deployment.extra["source"] == {"chart": "scorer", "values": "defaults",
                                          "template": "templates/deployment.yaml"}
    # Rendered into the release namespace, as an install would place it.
    assert deployment.extra["namespace"] == "release-namespace"
    assert deployment.config["metadata"]["namespace"] == "release-namespace"
    metrics = objects["ConfigMap/release-namespace/scorer-metrics"]
    # A template inside a .tgz subchart: the archive is the file, the line is the template's.
    assert (metrics.file, metrics.line) == ("scorer/charts/metrics-0.1.0.tgz", 2)
    assert metrics.extra["source"]["template"] == "charts/metrics/templates/configmap.yaml"


def test_parent_values_override_the_subchart(tmp_path: Path) -> None:
    root = scorer_repo(tmp_path / "repo")
    _, helm = render_all(root)
    cache = by_address(helm.resources[DEFAULTS])["Deployment/release-namespace/scorer-cache"]
    assert cache.config["spec"]["replicas"] == 3  # the subchart's own default is 1
    assert cache.file == "scorer/charts/cache/templates/deployment.yaml"
    labels = cache.config["spec"]["template"]["metadata"]["labels"]
    assert labels["cost-center"] == "cc-4711"  # the parent's global values reach it


def test_values_file_merges_over_defaults(tmp_path: Path) -> None:
    root = scorer_repo(tmp_path / "repo")
    _, helm = render_all(root)
    prod = by_address(helm.resources[PROD])["Deployment/release-namespace/scorer-scorer"]
    container = prod.config["spec"]["template"]["spec"]["containers"][0]
    assert prod.config["spec"]["replicas"] == 2
    assert container["resources"] == {"limits": {"nvidia.com/gpu": 1},
                                      "requests": {"nvidia.com/gpu": 2}}
    assert prod.extra["source"]["values"] == "values-prod.yaml"


def test_configured_values_sets_release_and_namespace_replace_the_defaults(
        tmp_path: Path) -> None:
    root = scorer_repo(tmp_path / "repo", {"scorer/env/eu.yaml": "replicaCount: 5\n"})
    config = HelmConfig(charts={"scorer": HelmChartConfig(
        release_name="scoring", namespace="ml-serving",
        values_sets={"eu": ("values-prod.yaml", "env/eu.yaml")})})
    found, helm = render_all(root, config)
    assert sorted(found.values_sets) == ["chart:scorer@eu"]
    deployment = by_address(helm.resources["chart:scorer@eu"])[
        "Deployment/ml-serving/scoring-scorer"]
    assert deployment.config["spec"]["replicas"] == 5  # later files win
    limits = deployment.config["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert limits["requests"] == {"nvidia.com/gpu": 2}  # from values-prod.yaml


def test_enabled_dependency_that_is_not_vendored_is_a_render_error(tmp_path: Path) -> None:
    root = scorer_repo(tmp_path / "repo", {"scorer/values-analytics.yaml":
                                           "analytics:\n  enabled: true\n"})
    _, helm = render_all(root)
    errors = [e for e in helm.errors if e.unit == "chart:scorer@values-analytics.yaml"]
    assert [(e.code, e.file, e.line) for e in errors] == [
        ("render-error", "scorer/Chart.yaml", 12)]
    assert "analytics" in errors[0].message and "not vendored" in errors[0].message
    assert helm.resources["chart:scorer@values-analytics.yaml"] == []
    # Disabled by its condition (the defaults), the same dependency needs nothing.
    assert not [e for e in helm.errors if e.unit == DEFAULTS]


def test_values_file_errors_name_the_file_and_line(tmp_path: Path) -> None:
    root = scorer_repo(tmp_path / "repo", {"scorer/values-bad.yaml": "gpu:\n  limit: [1\n"})
    _, helm = render_all(root)
    [error] = [e for e in helm.errors if e.unit == "chart:scorer@values-bad.yaml"]
    assert (error.code, error.file, error.line) == ("render-error", "scorer/values-bad.yaml", 3)
    assert "values set values-bad.yaml" in error.message


def test_ci_values_files_are_not_values_sets(tmp_path: Path) -> None:
    root = scorer_repo(tmp_path / "repo", {"scorer/ci/gpu-values.yaml": "gpu: {limit: 4}\n"})
    found, _ = render_all(root, scope=("scorer/ci/gpu-values.yaml",))
    # A file of the chart in scope brings in the chart, and only its real values sets.
    assert sorted(found.values_sets) == [DEFAULTS, PROD]


def test_descriptors_render_the_chart_with_their_values(tmp_path: Path) -> None:
    root = scorer_repo(tmp_path / "repo", descriptors=True)
    _, helm = render_all(root)
    argo = "chart:scorer@Application/argocd/scorer-canary"
    flux = "chart:scorer@HelmRelease/ml-batch/scorer-batch"
    assert sorted(u.identity for u in helm.units) == [argo, flux]
    canary = by_address(helm.resources[argo])["Deployment/ml-canary/scorer-canary-scorer"]
    container = canary.config["spec"]["template"]["spec"]["containers"][0]
    # valueFiles (relative to the chart) then valuesObject.
    assert container["securityContext"] == {"privileged": True}
    assert container["resources"]["requests"] == {"nvidia.com/gpu": 2}
    batch = by_address(helm.resources[flux])["Deployment/ml-batch/scorer-batch-scorer"]
    assert batch.config["spec"]["template"]["spec"]["containers"][0]["resources"] == {
        "limits": {"nvidia.com/gpu": 2}, "requests": {"nvidia.com/gpu": 1}}
    [unit] = [u for u in helm.units if u.identity == flux]
    assert "deploy/flux-scorer.yaml" in unit.files and unit.directory == "scorer"


def test_flux_values_from_the_cluster_make_the_scan_incomplete(tmp_path: Path) -> None:
    release = (Path(__file__).parent.parent / "fixtures/helm/deploy/flux-scorer.yaml").read_text()
    release += ("  valuesFrom:\n    - kind: ConfigMap\n      name: scorer-overrides\n"
                "    - kind: Secret\n      name: scorer-tokens\n")
    root = scorer_repo(tmp_path / "repo", {"deploy/flux.yaml": release})
    _, helm = render_all(root)
    [error] = [e for e in helm.errors if e.code == "values-unknown"]
    assert error.file == "deploy/flux.yaml" and error.line == 1
    assert "ConfigMap/scorer-overrides" in error.message
    assert "Secret/scorer-tokens" in error.message
    # What is known is still rendered and scanned.
    assert helm.resources["chart:scorer@HelmRelease/ml-batch/scorer-batch"]


def test_descriptor_paths_must_stay_in_the_repository(tmp_path: Path) -> None:
    escape = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: sneaky, namespace: argocd}
spec:
  source:
    path: scorer
    helm:
      valueFiles: ["../../../../etc/passwd"]
  destination: {namespace: ml}
"""
    outside = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: outside, namespace: ml}
spec:
  chart:
    spec:
      chart: ../elsewhere/chart
      sourceRef: {kind: GitRepository, name: platform}
"""
    root = scorer_repo(tmp_path / "repo", {"deploy/escape.yaml": escape,
                                           "deploy/outside.yaml": outside})
    _, helm = render_all(root)
    messages = sorted((e.file, e.message) for e in helm.errors if e.code == "descriptor-error")
    assert [m[0] for m in messages] == ["deploy/escape.yaml", "deploy/outside.yaml"]
    assert "leaves the repository" in messages[0][1] and "etc/passwd" in messages[0][1]
    assert "leaves the repository" in messages[1][1]


def test_schema_violations_and_invalid_charts_are_render_errors(tmp_path: Path) -> None:
    root = scorer_repo(tmp_path / "repo", {
        "scorer/values.schema.json": '{"type": "object", "properties": '
                                     '{"replicaCount": {"type": "integer"}}}',
        "scorer/values-typo.yaml": "replicaCount: two\n",
        "broken/Chart.yaml": "apiVersion: v2\nname: broken\n",
        "broken/templates/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    })
    _, helm = render_all(root)
    errors = {e.unit: e for e in helm.errors}
    assert sorted(errors) == ["chart:broken@defaults", "chart:scorer@values-typo.yaml"]
    assert "got string, want integer" in errors["chart:scorer@values-typo.yaml"].message
    broken = errors["chart:broken@defaults"]
    assert broken.file == "broken/Chart.yaml"
    assert "version is required" in broken.message and str(root) not in broken.message


def test_a_symlink_out_of_the_repository_stops_the_chart(tmp_path: Path) -> None:
    (tmp_path / "outside.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                           "  name: stolen\n")
    root = scorer_repo(tmp_path / "repo")
    (root / "scorer" / "templates" / "stolen.yaml").symlink_to(tmp_path / "outside.yaml")
    _, helm = render_all(root)
    assert {(e.unit, e.file) for e in helm.errors} == {
        (unit, "scorer/templates/stolen.yaml") for unit in (DEFAULTS, PROD)}
    assert all("leads out of the repository" in e.message for e in helm.errors)
    assert helm.resources[DEFAULTS] == []


def test_template_syntax_errors_and_broken_output_are_located(tmp_path: Path) -> None:
    root = scorer_repo(tmp_path / "repo", {
        "web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "web/templates/ok.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n",
        "web/templates/typo.yaml": "apiVersion: v1\nkind: ConfigMap\n\nmetadata:\n"
                                   "  name: {{ .Values.name }\n",
        "yamlbad/Chart.yaml": "apiVersion: v2\nname: yamlbad\nversion: 0.1.0\n",
        "yamlbad/templates/bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: [oops\n",
    })
    _, helm = render_all(root)
    errors = {e.unit: e for e in helm.errors}
    typo = errors["chart:web@defaults"]
    assert (typo.code, typo.file, typo.line) == ("render-error", "web/templates/typo.yaml", 5)
    assert "Helm could not render it" in typo.message
    # Output Helm produced but that is not YAML: the template is named; nothing half-loaded.
    bad = errors["chart:yamlbad@defaults"]
    assert (bad.code, bad.file) == ("parse-error", "yamlbad/templates/bad.yaml")
    assert "rendered output of templates/bad.yaml" in bad.message


def test_argo_multi_source_values_string_and_parameters(tmp_path: Path) -> None:
    application = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: scorer-eu, namespace: argocd}
spec:
  sources:
    - repoURL: https://git.example.com/platform.git
      path: scorer
      helm:
        valueFiles: ["$env/envs/eu/scorer.yaml"]
        values: |
          replicaCount: 4
        parameters:
          - {name: image.tag, value: "1.5.0"}
          - {name: global.gxpLabels.cost-center, value: "4711", forceString: true}
          - {name: global.gxpLabels.system-owner, value: "1234"}
    - repoURL: https://git.example.com/platform.git
      ref: env
  destination: {namespace: ml-eu}
"""
    root = scorer_repo(tmp_path / "repo", {"deploy/eu.yaml": application,
                                           "envs/eu/scorer.yaml": "replicaCount: 3\n"
                                                                  "privileged: true\n"})
    _, helm = render_all(root)
    assert helm.errors == []
    [unit] = helm.units
    assert unit.identity == "chart:scorer@Application/argocd/scorer-eu#0"
    assert "envs/eu/scorer.yaml" in unit.files
    [deployment] = [r for r in helm.resources[unit.identity] if r.type == "Deployment"
                    and r.name == "scorer-eu-scorer"]
    spec = deployment.config["spec"]
    container = spec["template"]["spec"]["containers"][0]
    assert spec["replicas"] == 4  # values text over the $env/ values file
    assert container["securityContext"] == {"privileged": True}  # from $env/...
    assert container["image"].endswith(":1.5.0")  # parameters last
    labels = spec["template"]["metadata"]["labels"]
    assert labels["cost-center"] == "4711"  # forceString: --set-string
    assert labels["system-owner"] == 1234  # --set types it
