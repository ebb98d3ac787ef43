"""The pieces of Helm loading on their own: template lines, dependency rules, limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import ConfigError, parse_config
from engine.load.helm.dependencies import enabled, missing_dependencies
from engine.load.helm.renderer import Renderer, RenderLimits
from engine.load.helm.source_map import object_line
from engine.load.helm.values import inside_root, merge

TEMPLATE = """{{- if .Values.enabled }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: a
---
apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      volumes:
        - apiVersion: v1
          kind: Deployment
{{- end }}
{{- range .Values.extra }}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ . }}
{{- end }}
"""


def test_object_line_finds_the_nth_object_of_a_kind() -> None:
    assert object_line(TEMPLATE, "ServiceAccount", 0) == 2
    assert object_line(TEMPLATE, "Deployment", 0) == 7
    # The second and every later ServiceAccount come from the loop.
    assert object_line(TEMPLATE, "ServiceAccount", 1) == 18
    assert object_line(TEMPLATE, "ServiceAccount", 7) == 18
    # A computed kind cannot be found: unknown, not a guess.
    assert object_line("kind: {{ .Values.kind }}\n", "Job", 0) == 0
    assert object_line("{{- if .Values.a }}\napiVersion: v1\nkind: {{ .Values.kind }}\n",
                       "Job", 0) == 2
    assert object_line(TEMPLATE.replace("kind: ServiceAccount", "kind: {{ .Values.k }}"),
                       "ServiceAccount", 0) == 0  # several objects: no guess
    assert object_line(None, "Job", 0) == 0


def test_dependency_enablement_follows_helm() -> None:
    values = {"a": {"enabled": False}, "b": {"on": True}, "tags": {"gpu": False, "web": True}}
    assert enabled({"name": "x"}, values)
    assert not enabled({"name": "x", "condition": "a.enabled"}, values)
    # The first condition path that resolves to a boolean wins.
    assert enabled({"name": "x", "condition": "missing.path,b.on,a.enabled"}, values)
    assert not enabled({"name": "x", "tags": ["gpu"]}, values)
    assert enabled({"name": "x", "tags": ["gpu", "web"]}, values)
    assert enabled({"name": "x", "tags": ["gpu"], "condition": "b.on"}, values)
    declared = [{"name": "a", "condition": "a.enabled"}, {"name": "c", "alias": "cache"},
                {"name": "v"}]
    assert missing_dependencies(declared, ["v"], values) == ["c (as cache)"]


def test_values_merge_and_paths() -> None:
    assert merge({"a": {"b": 1, "c": 2}, "d": [1]}, {"a": {"b": 3}, "d": [2]}) == {
        "a": {"b": 3, "c": 2}, "d": [2]}
    root = Path("/nonexistent-root")
    assert inside_root(root, "./charts/x/../y/values.yaml") == "charts/y/values.yaml"
    assert inside_root(root, "../outside.yaml") is None
    assert inside_root(root, "/etc/passwd") is None


def test_symlinked_values_file_leading_outside_is_refused(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "secret.yaml").write_text("a: 1\n")
    (tmp_path / "repo" / "values.yaml").symlink_to(tmp_path / "secret.yaml")
    assert inside_root(tmp_path / "repo", "values.yaml") is None


def test_memory_limit_kills_the_render(tmp_path: Path) -> None:
    chart = tmp_path / "hog"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: hog\nversion: 0.1.0\n")
    # A list of 200 million integers: gigabytes, quickly.
    (chart / "templates" / "hog.yaml").write_text("{{ $x := until 200000000 }}{{ len $x }}\n")
    with Renderer(RenderLimits(timeout_seconds=60, memory_mb=300)) as renderer:
        answer = renderer.render(chart, {}, name="hog", namespace="ml")
        assert not answer.ok
        assert "more than the limit of 300 MiB" in answer.error
        # The next chart gets a fresh worker.
        (chart / "templates" / "hog.yaml").write_text("kind: ConfigMap\n")
        again = renderer.render(chart, {}, name="hog", namespace="ml")
        assert again.ok and again.payload["manifests"] == {"hog/templates/hog.yaml":
                                                           "kind: ConfigMap\n"}


@pytest.mark.parametrize("raw,problem", [
    ({"helm": {"charts": {"c": {"values_sets": {"a@b": []}}}}}, "without '@'"),
    ({"helm": {"charts": {"c": {"values_sets": {"prod": "values-prod.yaml"}}}}},
     "expected a list of values files"),
    ({"helm": {"charts": {"c": {"release": "x"}}}}, "unknown key 'release'"),
    ({"helm": {"release_name": "x" * 60}}, "helm.release_name"),
])
def test_helm_config_errors_name_the_key(raw: dict[str, object], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        parse_config(raw, Path("/repo/.gitops-compliance.yaml"))


def test_helm_config_chart_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    raw = {"helm": {"namespace": "ml", "charts": {"./inference/": {
        "values_sets": {"dev": ["values-dev.yaml"], "base": None}}}}}
    config = parse_config(raw, tmp_path / "platform" / ".gitops-compliance.yaml").rooted(
        tmp_path)
    assert list(config.helm.charts) == ["platform/inference"]
    assert config.helm.charts["platform/inference"].values_sets == {
        "dev": ("values-dev.yaml",), "base": ()}
    assert config.helm.namespace == "ml"


def test_rendering_is_offline_with_the_sdks_fixed_kubernetes_version(tmp_path: Path) -> None:
    # Documented in docs/helm.md: lookup finds nothing, .Capabilities.KubeVersion is the SDK's
    # built-in version, and the chart's kubeVersion constraint is not evaluated.
    chart = tmp_path / "kv"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(
        'apiVersion: v2\nname: kv\nversion: 0.1.0\nkubeVersion: "<1.20.0"\n')
    (chart / "templates" / "cm.yaml").write_text(
        'kube: "{{ .Capabilities.KubeVersion }}"\n'
        'secrets: {{ lookup "v1" "Secret" "kube-system" "" | len }}\n')
    with Renderer(RenderLimits(timeout_seconds=60, memory_mb=1024)) as renderer:
        answer = renderer.render(chart, {}, name="kv", namespace="ml")
    assert answer.ok, answer.error
    assert answer.payload["manifests"] == {"kv/templates/cm.yaml":
                                           'kube: "v1.36.0"\nsecrets: 0\n'}


def test_a_worker_that_dies_is_reported_and_replaced(tmp_path: Path) -> None:
    from engine.load.helm import renderer as renderer_module

    chart = tmp_path / "c"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    with Renderer(RenderLimits(timeout_seconds=60, memory_mb=1024)) as renderer:
        assert renderer.render(chart, {}, name="c", namespace="ml").ok
        # A Go fatal error ends the worker the same way a signal does.
        process = renderer._process
        assert process is not None
        process.kill()
        process.wait()
        assert renderer.render(chart, {}, name="c", namespace="ml").ok  # a fresh worker
    assert renderer_module._fatal_line(b"fatal error: runtime: out of memory\nstack") == (
        " (fatal error: runtime: out of memory)")
    assert renderer_module._fatal_line(b"Traceback ...\nModuleNotFoundError: No module x\n") == (
        " (ModuleNotFoundError)")
