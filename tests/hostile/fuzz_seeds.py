"""Realistic seed files for the pipeline fuzz test, one small repository per kind of unit."""

from __future__ import annotations

import json

from tests.hostile.seeds import CHART_YAML, DEPLOYMENT, JOB, VALUES

MAIN_TF = """\
terraform {
  required_version = ">= 1.5"
}

provider "aws" {
  region = var.region
  default_tags {
    tags = { team = "ml" }
  }
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "db_password" {
  type      = string
  sensitive = true
}

locals {
  name = "artifacts-${var.region}"
  ports = [for p in [80, 443] : p * 1]
}

resource "aws_s3_bucket" "artifacts" {
  bucket = local.name
  tags   = merge({ app = "ml" }, { owner = "me" })
}

resource "aws_iam_policy" "pipeline" {
  name = "pipeline"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:*"]
      Resource = "*"
    }]
  })
}

resource "aws_security_group" "web" {
  name = "web"
  dynamic "ingress" {
    for_each = local.ports
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}

resource "aws_db_instance" "records" {
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  password          = var.db_password
  storage_encrypted = false
  count             = 1
}

module "inner" {
  source = "./modules/inner"
}

data "aws_iam_policy_document" "doc" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
}

output "policy" {
  value = <<-EOT
    {"a": 1}
  EOT
}
"""
TFVARS = 'region = "us-east-1"\ndb_password = "Sup3rS3cret"\n'
INNER_TF = 'resource "aws_s3_bucket" "inner" {\n  bucket = "inner"\n}\n'
PLAN = json.dumps({
    "format_version": "1.2", "terraform_version": "1.7.0",
    "planned_values": {"root_module": {"resources": [{
        "address": "aws_s3_bucket.planned", "mode": "managed", "type": "aws_s3_bucket",
        "name": "planned", "provider_name": "registry.terraform.io/hashicorp/aws",
        "values": {"bucket": "planned", "tags": {"a": "b"}},
        "sensitive_values": {"tags": {}}}]}},
    "resource_changes": [], "configuration": {"root_module": {}},
}, indent=2) + "\n"

ANCHORS = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: anchored
  namespace: ml
  labels: &labels
    app: anchored
spec:
  selector:
    matchLabels: *labels
  template:
    metadata:
      labels:
        <<: *labels
        tier: web
    spec:
      hostNetwork: true
      containers:
        - &container
          name: app
          image: "registry.example.com/app:1.0"
          env:
            - name: API_TOKEN
              value: "tok-123"
          securityContext: {privileged: true, runAsUser: 0}
        - <<: *container
          name: sidecar
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: ml}
stringData:
  password: hunter2
"""
LIST_JSON = json.dumps({"apiVersion": "v1", "kind": "List", "items": [
    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ml"},
     "spec": {"containers": [{"name": "c", "image": "busybox:latest",
                              "resources": {"limits": {"nvidia.com/gpu": 1}}}]}}]},
                       indent=2) + "\n"

HELPERS = """\
{{- define "web.labels" -}}
app: {{ .Chart.Name }}
release: {{ .Release.Name | quote }}
{{- end -}}
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}-svc
  labels:
    {{- include "web.labels" . | nindent 4 }}
spec:
  type: {{ .Values.serviceType | default "ClusterIP" }}
  ports:
    {{- range .Values.ports }}
    - port: {{ . }}
    {{- end }}
"""
CHART_VALUES = VALUES + "serviceType: LoadBalancer\nports: [80, 443]\n"
ARGO = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  namespace: argocd
spec:
  destination: {namespace: web}
  source:
    path: web
    helm:
      valueFiles: [values.yaml]
      values: |
        replicas: 3
"""

KINDS: dict[str, dict[str, str]] = {
    "terraform": {"infra/main.tf": MAIN_TF, "infra/terraform.tfvars": TFVARS,
                  "infra/modules/inner/main.tf": INNER_TF, "plan/tfplan.json": PLAN},
    "kubernetes": {"k8s/job.yaml": JOB, "k8s/anchors.yaml": ANCHORS, "k8s/list.json": LIST_JSON},
    "helm": {"web/Chart.yaml": CHART_YAML, "web/values.yaml": CHART_VALUES,
             "web/templates/deployment.yaml": DEPLOYMENT, "web/templates/service.yaml": SERVICE,
             "web/templates/_helpers.tpl": HELPERS, "deploy/argo.yaml": ARGO},
}
