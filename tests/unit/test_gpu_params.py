"""The GPU family's parameters (engine/params.py): defaults valid, typos and bad shapes named."""

from __future__ import annotations

from typing import Any

import pytest

from engine.params import DEFAULT_PARAMS, params_problem

GPU_KEYS = sorted(k for k in DEFAULT_PARAMS if k.startswith("gpu_"))


def test_gpu_defaults_are_valid() -> None:
    assert params_problem({k: DEFAULT_PARAMS[k] for k in GPU_KEYS}) is None
    assert {"gpu_max_per_pod", "gpu_taints", "gpu_node_label_keys", "gpu_toleration_exempt",
            "gpu_instance_types", "gpu_node_group_max_nodes",
            "gpu_node_group_required_tags"} <= set(GPU_KEYS)


@pytest.mark.parametrize("overrides", [
    {"gpu_namespace_allocations": {"ml": 8, "ml-serving": {"nvidia.com/gpu": 4,
                                                           "nvidia.com/mig-1g.10gb": 14}}},
    {"gpu_taints": [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoExecute"}]},
    {"gpu_instance_types": [r"p5\..+", r"(?i)standard_nc.+"]},
    {"gpu_toleration_exempt": ["DaemonSet/observability/*"]},
], ids=["allocations", "taints", "instance-types", "exempt"])
def test_valid_gpu_overrides(overrides: dict[str, Any]) -> None:
    assert params_problem(overrides) is None


@pytest.mark.parametrize(("overrides", "named"), [
    ({"gpu_namespace_allocations": {"ml": {"nvidia.com/gpu": -1}}}, "gpu_namespace_allocations"),
    ({"gpu_namespace_allocations": {"ml": {}}}, "gpu_namespace_allocations"),
    ({"gpu_namespace_allocations": {"ml": 1.5}}, "gpu_namespace_allocations"),
    ({"gpu_max_per_pod": True}, "gpu_max_per_pod"),
    ({"gpu_taints": [{"key": "nvidia.com/gpu", "effect": "NO_SCHEDULE"}]}, "gpu_taints"),
    ({"gpu_taints": [{"key": "nvidia.com/gpu", "effect": "NoSchedule", "valeu": "x"}]},
     "gpu_taints"),
    ({"gpu_taints": []}, "gpu_taints"),
    ({"gpu_instance_types": ["p4d.(24xlarge"]}, "gpu_instance_types"),
    ({"gpu_node_group_max_nodes": "8"}, "gpu_node_group_max_nodes"),
    ({"gpu_node_group_required_tags": "cost-center"}, "gpu_node_group_required_tags"),
])
def test_invalid_gpu_overrides_name_the_key(overrides: dict[str, Any], named: str) -> None:
    problem = params_problem(overrides)
    assert problem is not None and problem.startswith(f"params.{named}:")
