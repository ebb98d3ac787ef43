"""GPU quota family end to end: the CLI on a real git repository, the real loaders, regorus,
the config's parameters and the whole-scope inventory (no Checkov: these are Rego rows)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from tests.conftest import findings_by, run_cli

FOLDER = "e2e/violations/gpu"
EXPECTED = Path(__file__).parent.parent / "fixtures" / FOLDER / "expected.yaml"
NAMESPACE = ("Namespace/ml-research", "kubernetes/ml-research/namespace.yaml", 3)


def _gpu_findings(document: dict[str, object]) -> list[tuple[str, str, str, int, str]]:
    return sorted((f["policy_id"], f["resource"], f["file"], f["line"], f.get("attribute") or "")
                  for f in document["findings"]  # type: ignore[attr-defined]
                  if f["policy_id"].startswith("GPU-"))


def test_each_gpu_policy_fires_where_expected(repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory(FOLDER)
    result = run_cli("scan", str(repo), "--no-checkov", "-o", "json")
    assert result.code == 1, result.err
    expected = {(e["policy"], e["resource"], e["file"], e["line"])
                for e in yaml.safe_load(EXPECTED.read_text(encoding="utf-8"))}
    assert findings_by(result.json()) == expected
    assert {p for p, *_ in expected} == {f"GPU-0{i}" for i in range(1, 8)}


def test_allocation_in_config_and_a_requests_quota_settle_the_namespace(
        repo_factory: Callable[..., Path]) -> None:
    """What the team does about GPU-03: agree the allocation (config params) and write the
    quota with the requests. prefix. The Namespace findings go; nothing else changes."""
    repo = repo_factory(FOLDER)
    before = _gpu_findings(run_cli("scan", str(repo), "--no-checkov", "-o", "json").json())
    quota = repo / "kubernetes/ml-research/namespace.yaml"
    quota.write_text(quota.read_text(encoding="utf-8").replace(
        "limits.nvidia.com/gpu", "requests.nvidia.com/gpu"), encoding="utf-8")
    (repo / ".gitops-compliance.yaml").write_text(
        "params:\n  gpu_namespace_allocations:\n    ml-research:\n      nvidia.com/gpu: 8\n"
        "      nvidia.com/mig-1g.10gb: 7\n      nvidia.com/mig-2g.20gb: 3\n", encoding="utf-8")
    after = _gpu_findings(run_cli("scan", str(repo), "--no-checkov", "-o", "json").json())
    gone = sorted(set(before) - set(after))
    assert gone == [
        ("GPU-03", *NAMESPACE, 'ResourceQuota.spec.hard["requests.nvidia.com/gpu"]'),
        ("GPU-03", *NAMESPACE, 'gpu_namespace_allocations["ml-research"]'),
        ("GPU-03", "ResourceQuota/ml-research/gpu-quota", "kubernetes/ml-research/namespace.yaml",
         16, 'spec.hard["limits.nvidia.com/gpu"]'),
    ]
    assert set(after) <= set(before)
    # an allocation below the quota brings GPU-03 back, now on the quota itself
    (repo / ".gitops-compliance.yaml").write_text(
        "params:\n  gpu_namespace_allocations:\n    ml-research:\n      nvidia.com/gpu: 4\n"
        "      nvidia.com/mig-1g.10gb: 7\n      nvidia.com/mig-2g.20gb: 3\n", encoding="utf-8")
    tight = _gpu_findings(run_cli("scan", str(repo), "--no-checkov", "-o", "json").json())
    assert sorted(set(tight) - set(after)) == [
        ("GPU-03", "ResourceQuota/ml-research/gpu-quota", "kubernetes/ml-research/namespace.yaml",
         16, 'spec.hard["requests.nvidia.com/gpu"]')]
