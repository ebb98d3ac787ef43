"""Default policy parameters, handed to Rego as ``data.gitops_compliance.params``.

The config's ``params:`` mapping is merged over these (one level deep per key), so a team
overrides only what differs. Every key is documented in docs/parameters.md.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

DEFAULT_PARAMS: dict[str, Any] = {
    # GXP-10: required tags on taggable Terraform resources, labels on Kubernetes namespaces
    # and workload pod templates. A value of null means "any non-empty value".
    "required_tags": {
        "gxp-classification": ["gxp-critical", "gxp-supporting", "non-gxp"],
        "system-owner": None,
        "validation-status": ["validated", "in-validation", "not-validated", "retired"],
        "data-classification": None,
        "cost-center": None,
    },
    # The tag whose value scopes GxP strictness (GXP-06, ENC-01, severity of GXP-10).
    "gxp_tag": "gxp-classification",
    "gxp_critical_values": ["gxp-critical"],
    # GPU-02: caps on GPUs per container and per workload.
    "gpu_max_per_container": 8,
    "gpu_max_per_workload": 8,
    # GPU-03: namespace -> allowed GPUs (requests.nvidia.com/gpu).
    "gpu_namespace_allocations": {},
    # GXP-05 / GXP-07: retention minimums.
    "log_retention_days": 365,
    "backup_retention_days": 7,
    "object_lock_days": 365,
}


def merge_params(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Defaults with ``overrides`` laid over them; mappings merge one level deep."""
    merged = copy.deepcopy(DEFAULT_PARAMS)
    for key, value in (overrides or {}).items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = copy.deepcopy(value)
    return merged
