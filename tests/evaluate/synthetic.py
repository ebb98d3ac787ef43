"""A deterministic synthetic Kubernetes scope for throughput and differential tests."""

from __future__ import annotations

import random
from typing import Any

from engine.model import Resource

_KINDS = ("Deployment", "StatefulSet", "Job", "CronJob", "Namespace", "Secret", "Service",
          "ConfigMap", "Pod", "DaemonSet")


def _labels(rnd: random.Random, i: int) -> dict[str, Any]:
    labels: dict[str, Any] = {
        "app": f"app{i}",
        "gxp-classification": rnd.choice(["gxp-critical", "non-gxp", "bogus"]),
        "system-owner": "ml-platform",
        "validation-status": rnd.choice(["validated", "in-validation", "draft"]),
        "data-classification": "internal",
        "cost-center": "cc-1",
    }
    if rnd.random() < 0.3:
        del labels["cost-center"]
    return labels


def _container(rnd: random.Random, name: str) -> dict[str, Any]:
    limits: dict[str, Any] = {"cpu": "1", "memory": "1Gi"}
    resources: dict[str, Any] = {"limits": limits}
    if rnd.random() < 0.4:
        limits[rnd.choice(["nvidia.com/gpu", "nvidia.com/mig-1g.5gb", "amd.com/gpu"])] = (
            rnd.choice([1, "2", "0.5", 2.0]))
        if rnd.random() < 0.5:
            resources["requests"] = {"nvidia.com/gpu": rnd.choice([1, 2, "1"])}
    return {"name": name, "image": "registry.example/app:1", "resources": resources}


def kubernetes_resources(count: int, seed: int = 7) -> list[Resource]:
    rnd = random.Random(seed)
    out: list[Resource] = []
    for i in range(count):
        kind = _KINDS[i % len(_KINDS)]
        namespace = f"team{i % 7}"
        name = f"obj{i}"
        pod: dict[str, Any] = {
            "metadata": {"labels": _labels(rnd, i)},
            "spec": {"containers": [_container(rnd, "main"), {"name": "side", "image": "s"}],
                     "initContainers": [_container(rnd, "init")]},
        }
        config: dict[str, Any] = {"apiVersion": "apps/v1", "kind": kind,
                                  "metadata": {"name": name, "namespace": namespace}}
        address = f"{kind}/{namespace}/{name}"
        if kind == "Namespace":
            config = {"apiVersion": "v1", "kind": kind,
                      "metadata": {"name": name, "labels": _labels(rnd, i)}}
            address = f"Namespace/{name}"
        elif kind in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
            config["spec"] = {"replicas": 2, "template": pod}
        elif kind == "CronJob":
            config["spec"] = {"schedule": "0 * * * *", "jobTemplate": {"spec": {"template": pod}}}
        elif kind == "Pod":
            config = {**config, **pod, "metadata": {**config["metadata"], **pod["metadata"]}}
        elif kind == "Secret":
            config["data"] = {"password": {"$redacted": True}} if i % 20 else {}
        else:
            config["data"] = {"key": "value"}
        out.append(Resource(
            address=address, kind="kubernetes", type=kind, name=name,
            file=f"k8s/file{i // 10}.yaml", line=(i % 10) * 30 + 1, config=config,
            extra={"api_version": config["apiVersion"],
                   "namespace": None if kind == "Namespace" else namespace},
        ))
    return out
