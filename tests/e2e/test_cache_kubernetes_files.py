"""Checkov's Kubernetes results cached per manifest file (engine/cache/kubernetes_graph.py).

The fixture splits what Checkov's graph checks join across files: a NetworkPolicy
(netpol.yaml) selects the pods of web.yaml but not those of api.yaml (CKV2_K8S_6), and a
RoleBinding (binding.yaml) names a Role that may ``bind`` (role.yaml, CKV2_K8S_1). Every
cached scan is compared, finding by finding and error by error, with a ``--no-cache`` scan of
the same tree; what re-ran is read from the scan's own cache counters.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.cache.kubernetes_graph import NESTED_KIND, graph_dependencies
from tests.conftest import run_cli

pytestmark = pytest.mark.slow


def scan(repo: Path, *extra: str) -> dict[str, Any]:
    run = run_cli("scan", str(repo), "-o", "json", "--fail-on", "none", *extra)
    assert run.code in (0, 3), run.err + run.out
    return run.json()


def assert_same_as_uncached(repo: Path, cached: dict[str, Any]) -> None:
    fresh = scan(repo, "--no-cache")
    assert fresh["scan"]["cache"] == {}
    assert cached["findings"] == fresh["findings"]  # every field, in report order
    assert cached["errors"] == fresh["errors"]
    assert cached["summary"] == fresh["summary"]


def graph_failures(document: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(f["policy_id"], f["resource"], f["file"]) for f in document["findings"]
            if f["policy_id"].startswith("CKV2_K8S") and f["status"] == "failed"}


def misses(document: dict[str, Any]) -> int:
    return int(document["scan"]["cache"]["misses"])


def edit(repo: Path, name: str, old: str, new: str) -> None:
    path = repo / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_cold_per_file_results_equal_one_uncached_run(
        repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory("cache/kubernetes-graph")
    cold = scan(repo)
    # 5 loads, 1 Rego unit, 5 Checkov files.
    assert (cold["scan"]["cache"]["hits"], misses(cold)) == (0, 11)
    assert graph_failures(cold) == {
        ("CKV2_K8S_6", "Deployment/shop/api", "api.yaml"),  # no NetworkPolicy selects it
        ("CKV2_K8S_1", "RoleBinding/shop/ci", "binding.yaml"),  # its Role may bind
    }
    assert_same_as_uncached(repo, cold)
    warm = scan(repo)
    assert (warm["scan"]["cache"]["hits"], misses(warm)) == (11, 0)
    assert warm["findings"] == cold["findings"]


def test_one_changed_manifest_reruns_only_that_file(repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory("cache/kubernetes-graph")
    scan(repo)
    # web.yaml's pods are covered by netpol.yaml: re-run alone, they would fail CKV2_K8S_6.
    edit(repo, "web.yaml", "nginx:1.27", "nginx:1.28")
    changed = scan(repo)
    # Misses: web.yaml's load, the Rego unit (the inventory changed), web.yaml's Checkov
    # results. Every other file's Checkov results are hits.
    assert misses(changed) == 3
    assert ("CKV2_K8S_6", "Deployment/shop/web", "web.yaml") not in graph_failures(changed)
    assert_same_as_uncached(repo, changed)


def test_a_changed_role_reruns_the_bindings_that_read_it(
        repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory("cache/kubernetes-graph")
    scan(repo)
    edit(repo, "role.yaml", '["bind", "get"]', '["get"]')
    changed = scan(repo)
    # role.yaml's load, the Rego unit, Checkov on role.yaml and on binding.yaml.
    assert misses(changed) == 4
    assert ("CKV2_K8S_1", "RoleBinding/shop/ci", "binding.yaml") not in graph_failures(changed)
    assert_same_as_uncached(repo, changed)


def test_a_changed_network_policy_reruns_every_file_with_pods(
        repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory("cache/kubernetes-graph")
    scan(repo)
    edit(repo, "netpol.yaml", "app: web", "app: api")
    changed = scan(repo)
    # Any manifest may hold a pod template: all 5 files' Checkov results, 1 load, 1 Rego.
    assert misses(changed) == 7
    assert graph_failures(changed) == {
        ("CKV2_K8S_6", "Deployment/shop/web", "web.yaml"),
        ("CKV2_K8S_1", "RoleBinding/shop/ci", "binding.yaml"),
    }
    assert_same_as_uncached(repo, changed)


def test_dependencies_follow_checkovs_own_graph_checks() -> None:
    """What the keys rely on, read from the installed Checkov's definitions."""
    from checkov.common.checks_infra.registry import get_graph_checks_registry
    from checkov.kubernetes.kubernetes_utils import DEFAULT_NESTED_RESOURCE_TYPE

    from engine.evaluate.checkov.offline import load_checkov

    load_checkov("kubernetes")
    deps = graph_dependencies()
    assert deps is not None
    registry = get_graph_checks_registry("kubernetes")
    registry.load_checks()
    assert deps.check_ids == tuple(sorted(c.id for c in registry.checks))
    assert NESTED_KIND == DEFAULT_NESTED_RESOURCE_TYPE
    assert deps.reads == {"Pod": {"NetworkPolicy"}, "RoleBinding": {"Role", "ClusterRole"},
                          "ClusterRoleBinding": {"Role", "ClusterRole"}}
