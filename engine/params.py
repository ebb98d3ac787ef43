"""Default policy parameters, handed to Rego as ``data.gitops_compliance.params``.

Each key given under ``params:`` in ``.gitops-compliance.yaml`` replaces its default whole
(so a team can also drop a required tag). Keys are validated here: a typo must not switch a
policy off silently. ``custom`` is free-form, for the team's own policies.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
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
    # GXP-04, GXP-06, GXP-09: the values of gxp_tag that put a resource in GxP scope ("a GxP
    # bucket"). gxp_critical_values picks the GxP *record* stores among them (GXP-06 Object
    # Lock). A resource classified with another valid value (non-gxp) is also outside the
    # baseline of GXP-05 / GXP-07 (see policies/rego/lib/gxp.rego).
    "gxp_values": ["gxp-critical", "gxp-supporting"],
    # GPU-02: caps on GPUs per container and per workload.
    "gpu_max_per_container": 8,
    "gpu_max_per_workload": 8,
    # GPU-03: namespace -> allowed GPUs (requests.nvidia.com/gpu).
    "gpu_namespace_allocations": {},
    # GXP-05 / GXP-07: retention minimums.
    "log_retention_days": 365,
    "backup_retention_days": 7,
    "object_lock_days": 365,
    # IAM-08: the organisation's own AWS account ids (12 digits). A trust policy principal
    # in any other account is cross-account and must require sts:ExternalId.
    "aws_account_ids": [],
    # ENC-01: S3 buckets whose effective tags match one of these (tag key -> values) hold
    # GxP or confidential data and must use SSE-KMS with a customer-managed key.
    "cmk_required_tags": {
        "gxp-classification": ["gxp-critical", "gxp-supporting"],
        "data-classification": ["confidential", "restricted"],
    },
    # Free-form parameters for a team's own policies.
    "custom": {},
}


def _string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


_VALIDATORS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "required_tags": ("a mapping of tag key -> null or a list of allowed values",
                      lambda v: isinstance(v, Mapping) and all(
                          isinstance(k, str) and (x is None or _string_list(x))
                          for k, x in v.items())),
    "gxp_tag": ("a non-empty string", lambda v: isinstance(v, str) and bool(v)),
    "gxp_critical_values": ("a list of strings", _string_list),
    "gxp_values": ("a list of strings", _string_list),
    "gpu_max_per_container": ("a whole number >= 0", _count),
    "gpu_max_per_workload": ("a whole number >= 0", _count),
    "gpu_namespace_allocations": ("a mapping of namespace -> whole number >= 0",
                                  lambda v: isinstance(v, Mapping) and all(
                                      isinstance(k, str) and _count(x) for k, x in v.items())),
    "log_retention_days": ("a whole number >= 0 (0 = forever)", _count),
    "backup_retention_days": ("a whole number >= 0", _count),
    "object_lock_days": ("a whole number >= 0", _count),
    "aws_account_ids": ("a list of 12-digit AWS account ids (strings)",
                        lambda v: isinstance(v, list) and all(
                            isinstance(x, str) and len(x) == 12 and x.isdigit() for x in v)),
    "cmk_required_tags": ("a mapping of tag key -> non-empty list of values",
                          lambda v: isinstance(v, Mapping) and all(
                              isinstance(k, str) and k and _string_list(x) and x
                              for k, x in v.items())),
    "custom": ("a mapping", lambda v: isinstance(v, Mapping)),
}


def params_problem(overrides: Mapping[str, Any]) -> str | None:
    """Why ``overrides`` is not a valid ``params:`` mapping (naming the key), or None."""
    for key, value in overrides.items():
        if key not in _VALIDATORS:
            known = ", ".join(sorted(_VALIDATORS))
            return f"params: unknown key {key!r} (known keys: {known})"
        expected, valid = _VALIDATORS[key]
        if not valid(value):
            return f"params.{key}: expected {expected}, got {value!r}"
    return None


def merge_params(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Defaults with each key of ``overrides`` replacing its default."""
    merged = copy.deepcopy(DEFAULT_PARAMS)
    merged.update(copy.deepcopy(dict(overrides or {})))
    return merged
