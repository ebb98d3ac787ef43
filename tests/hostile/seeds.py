"""A small repository with one finding per kind of unit, for the hostile-input tests.

Every test adds a hostile file (or a limit) to it and asserts that the seed's findings are
still reported: hitting a limit stops one file, never the scan.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import make_repo, run_cli

JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: train
  namespace: ml
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: trainer
          image: registry.example.com/ml/trainer:1.4.2
          resources:
            requests:
              nvidia.com/gpu: 1
            limits:
              nvidia.com/gpu: 2
"""

CHART_YAML = "apiVersion: v2\nname: web\nversion: 0.1.0\n"
VALUES = "replicas: 1\nimage: nginx:1.25\nprivileged: true\n"
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: {{ .Values.image }}
          securityContext:
            privileged: {{ .Values.privileged }}
"""
BUCKET = 'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n'

SEED: dict[str, str] = {
    "k8s/job.yaml": JOB,
    "web/Chart.yaml": CHART_YAML,
    "web/values.yaml": VALUES,
    "web/templates/deployment.yaml": DEPLOYMENT,
    "infra/main.tf": BUCKET,
}

# (policy, resource, file) the seed always yields, whatever else the repository holds.
SEED_FINDINGS = {
    ("GPU-01", "Job/ml/train", "k8s/job.yaml"),
    ("GXP-01", "aws_s3_bucket.logs", "infra/main.tf"),
    ("GXP-10", "Deployment/release-namespace/web-web", "web/templates/deployment.yaml"),
}


def seed_repo(path: Path, files: dict[str, str] | None = None, *,
              seed: bool = True) -> Path:
    make_repo(path, {**(SEED if seed else {}), **(files or {})})
    return path


def scan(repo: Path, *args: str) -> tuple[int, dict[str, Any]]:
    import json

    run = run_cli("scan", str(repo), "--no-checkov", "-o", "json", *args)
    assert run.out, run.err
    document: dict[str, Any] = json.loads(run.out)
    return run.code, document


def failed(document: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(f["policy_id"], f["resource"], f["file"]) for f in document["findings"]
            if f["status"] == "failed"}


def errors_by(document: dict[str, Any]) -> set[tuple[str, str, int]]:
    return {(e["code"], e["file"], e["line"]) for e in document["errors"]}


def error_for(document: dict[str, Any], file: str) -> dict[str, Any]:
    found = [e for e in document["errors"] if e["file"] == file]
    assert len(found) == 1, document["errors"]
    return found[0]


Check = Callable[[dict[str, Any]], None]
