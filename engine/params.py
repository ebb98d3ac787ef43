"""Default policy parameters, handed to Rego as ``data.gitops_compliance.params``.

Each key given under ``params:`` in ``.gitops-compliance.yaml`` replaces its default whole
(so a team can also drop a required tag). Keys are validated here: a typo must not switch a
policy off silently. ``custom`` is free-form, for the team's own policies.
"""

from __future__ import annotations

import copy
import re
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
    # GPU-03: namespace -> allowed GPUs. A number is the allocation of whole NVIDIA GPUs
    # (requests.nvidia.com/gpu); a mapping gives one per GPU resource, for MIG slices and AMD
    # ({"nvidia.com/gpu": 8, "nvidia.com/mig-1g.10gb": 14}). Namespaces are matched by name
    # across the scan scope; an unset metadata.namespace counts as "default".
    "gpu_namespace_allocations": {},
    # GPU-02 .. GPU-07 (GPU quota family; see docs/policies.md "GPU policies").
    # GPU-02: cap on a pod's effective GPU request (per GPU resource name).
    "gpu_max_per_pod": 8,
    # GPU-04 / GPU-07: the taints GPU nodes carry. A GPU pod must tolerate one of them, a
    # non-GPU pod none; a GPU node group must carry one (NoSchedule or NoExecute). "value"
    # is optional (absent: any value). sku=gpu is AKS's documented GPU node pool taint.
    "gpu_taints": [
        {"key": "nvidia.com/gpu", "effect": "NoSchedule"},
        {"key": "amd.com/gpu", "effect": "NoSchedule"},
        {"key": "sku", "value": "gpu", "effect": "NoSchedule"},
    ],
    # GPU-04: node labels that select accelerator nodes (nodeSelector or required node
    # affinity with In/Exists): NVIDIA GPU feature discovery, AMD, NFD PCI vendor ids
    # (10de NVIDIA, 1002 AMD), the clouds' accelerator labels and Karpenter's.
    "gpu_node_label_keys": [
        "nvidia.com/gpu.present", "nvidia.com/gpu.product", "nvidia.com/gpu.family",
        "nvidia.com/gpu.count", "nvidia.com/gpu.machine", "nvidia.com/mig.config",
        "amd.com/gpu.present", "amd.com/gpu.product-name", "amd.com/gpu.family",
        "feature.node.kubernetes.io/pci-10de.present",
        "feature.node.kubernetes.io/pci-1002.present",
        "cloud.google.com/gke-accelerator", "k8s.amazonaws.com/accelerator",
        "kubernetes.azure.com/accelerator", "karpenter.k8s.aws/instance-gpu-name",
        "karpenter.k8s.aws/instance-gpu-count", "karpenter.k8s.aws/instance-gpu-manufacturer",
        "accelerator",
    ],
    # GPU-04: workloads allowed to tolerate the GPU taints without asking for a GPU (node
    # agents that tolerate every taint: GPU operator, exporters, log shippers, CNI and CSI
    # node plugins). Globs over addresses ("Kind/namespace/name"; `*` does not cross "/").
    "gpu_toleration_exempt": [
        "DaemonSet/kube-system/*",
        "DaemonSet/gpu-operator/*",
        "DaemonSet/*/*node-exporter*",
        "DaemonSet/*/*dcgm-exporter*",
        "DaemonSet/*/*nvidia-device-plugin*",
        # node agents that must run on every node, GPU nodes included
        "DaemonSet/*/*fluent-bit*", "DaemonSet/*/*fluentd*", "DaemonSet/*/*promtail*",
        "DaemonSet/*/*datadog*", "DaemonSet/*/*opentelemetry*", "DaemonSet/*/*otel-collector*",
        "DaemonSet/*/*csi-node*", "DaemonSet/*/*cilium*", "DaemonSet/*/*calico-node*",
        "DaemonSet/*/*falco*",
    ],
    # GPU-07: GPU node groups. Instance types (regular expressions, whole-name match) and the
    # cap on a group's max_size / max_count; tags every GPU node group carries.
    "gpu_instance_types": [
        r"(p2|p3|p3dn|p4d|p4de|p5|p5e|p5en|p6-b200|p6e-gb200|g3|g3s|g4dn|g4ad|g5|g5g|g6|g6e|g6f|gr6|gr6f)\..+",
        r"(?i)standard_n[cdgv].+",
    ],
    "gpu_node_group_max_nodes": 8,
    "gpu_node_group_required_tags": ["cost-center", "system-owner"],
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


def _allocation(value: Any) -> bool:
    if isinstance(value, Mapping):
        return bool(value) and all(isinstance(k, str) and k and _count(x)
                                   for k, x in value.items())
    return _count(value)


_EFFECTS = ("NoSchedule", "NoExecute", "PreferNoSchedule")


def _taints(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(
        isinstance(t, Mapping) and set(t) <= {"key", "value", "effect"}
        and isinstance(t.get("key"), str) and bool(t["key"]) and t.get("effect") in _EFFECTS
        and isinstance(t.get("value", ""), str) for t in value)


def _regexes(value: Any) -> bool:
    if not _string_list(value):
        return False
    try:
        for pattern in value:
            re.compile(pattern)
    except re.error:
        return False
    return True


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
    "gpu_namespace_allocations": ("a mapping of namespace -> whole number >= 0, or -> a "
                                  "mapping of GPU resource name -> whole number >= 0",
                                  lambda v: isinstance(v, Mapping) and all(
                                      isinstance(k, str) and _allocation(x)
                                      for k, x in v.items())),
    "gpu_max_per_pod": ("a whole number >= 0", _count),
    "gpu_taints": ("a list of {key, effect, optional value} mappings", _taints),
    "gpu_node_label_keys": ("a list of strings", _string_list),
    "gpu_toleration_exempt": ("a list of address globs", _string_list),
    "gpu_instance_types": ("a list of regular expressions", _regexes),
    "gpu_node_group_max_nodes": ("a whole number >= 0", _count),
    "gpu_node_group_required_tags": ("a list of strings", _string_list),
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
