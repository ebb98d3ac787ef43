"""The acceptance story: a platform repository across 2026-Q2 and 2026-Q3 (and one commit
in Q4, which a Q3 report must not see). Every commit is back-dated.

Q2  c1 05-04 initial platform: the legacy bucket lacks its GxP tags (GXP-10, high)
    c2 06-10 waiver W-001 for it, expiring 08-15
Q3  c3 07-06 an admin policy (IAM-01, critical): merged red
    c4 07-20 a manifest that does not parse: merged red (new error)
    c5 07-21 the manifest removed
    c6 08-03 the admin policy narrowed: IAM-01 resolved after 28 days
    c7 08-12 the validated audit log group's retention raised: change control
    (08-15 W-001 expires: the legacy bucket fails again, and is not new)
    c7b 08-17 a runbook (no IaC): the legacy bucket fails here; W-002, approved on 08-20,
       does not excuse it retroactively
    c8 08-20 waiver W-002 for the legacy bucket, expiring 11-10 (next quarter)
    c9 09-01 merge of feature/trainer (two commits, 08-25 and 08-28, not on the
       first-parent chain): the trainer Deployment lacks its labels (GXP-10): red
    c10 09-15 config: an exclusion and a severity override (governance change), and the
       vendored module the exclusion hides: the gate (the parent's config) saw it: red
Q4  c11 10-05 after the period
"""

from __future__ import annotations

from pathlib import Path

from tests.audit.history import commit, git, init, tags

ANA = "Ana Lima <ana@example.com>"
BO = "Bo Chen <bo@example.com>"
CY = "Cy Diaz <cy@example.com>"

LABELS = """
    gxp-classification: non-gxp
    system-owner: ml-team
    validation-status: not-validated
    data-classification: internal
    cost-center: cc-200
"""
NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ml\n  labels:" + LABELS
PROVIDER = ('provider "aws" {\n  region = "eu-west-1"\n}\n'
            'resource "aws_cloudtrail" "org" {\n  name = "org"\n  s3_bucket_name = "trail"\n'
            '  is_multi_region_trail = true\n  enable_logging = true\n'
            '  enable_log_file_validation = true\n' + tags() + "}\n")


def log_group(days: int) -> str:
    return ('resource "aws_cloudwatch_log_group" "audit" {\n  name = "audit"\n'
            f'  retention_in_days = {days}\n' + tags("validated") + "}\n")


def iam(action: str, resource: str) -> str:
    return ('resource "aws_iam_policy" "ops" {\n  name = "ops"\n  policy = jsonencode({\n'
            '    Version = "2012-10-17"\n    Statement = [{\n      Effect = "Allow"\n'
            f'      Action = "{action}"\n      Resource = "{resource}"\n    }}]\n  }})\n'
            + tags() + "}\n")


def waiver(wid: str, approved: str, expires: str, ticket: str) -> str:
    return (f"  - id: {wid}\n    policies: [GXP-10]\n    scope:\n      paths: [tf/legacy.tf]\n"
            f"    reason: legacy bucket, tags land with the migration\n"
            f"    owner: ana@example.com\n    approver: qa-lead@example.com\n"
            f"    approved_on: {approved}\n    ticket: {ticket}\n    expires: {expires}\n")


TRAINER = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: trainer
  namespace: ml
spec:
  selector:
    matchLabels: {app: trainer}
  template:
    metadata:
      labels: {app: trainer}
    spec:
      containers:
        - name: trainer
          image: registry.example.com/trainer:1.0
"""


def build(path: Path) -> dict[str, str]:
    repo = init(path)
    c: dict[str, str] = {}
    c["c1"] = commit(repo, "2026-05-04T09:00:00Z", "initial platform", {
        ".gitops-compliance.yaml": "fail_on: high\n",
        "tf/provider.tf": PROVIDER,
        "tf/logs.tf": log_group(400),
        "tf/legacy.tf": 'resource "aws_s3_bucket" "legacy" {\n  bucket = "legacy"\n}\n',
        "k8s/app.yaml": NAMESPACE,
    }, author=ANA)
    c["c2"] = commit(repo, "2026-06-10T10:00:00Z", "waive the legacy bucket's tags", {
        ".gitops-compliance/waivers.yaml": "version: 1\nwaivers:\n"
        + waiver("W-001", "2026-06-10", "2026-08-15", "CHG-1001"),
    }, author=ANA)
    c["c3"] = commit(repo, "2026-07-06T09:00:00Z", "ops admin policy",
                     {"tf/iam.tf": iam("*", "*")}, author=BO)
    c["c4"] = commit(repo, "2026-07-20T09:00:00Z", "add worker manifest",
                     {"k8s/broken.yaml": "kind: [unclosed\n"}, author=CY)
    c["c5"] = commit(repo, "2026-07-21T09:00:00Z", "remove worker manifest",
                     delete=["k8s/broken.yaml"], author=CY)
    c["c6"] = commit(repo, "2026-08-03T09:00:00Z", "least privilege for ops", {
        "tf/iam.tf": iam("s3:GetObject", "arn:aws:s3:::trail/*")}, author=BO)
    c["c7"] = commit(repo, "2026-08-12T09:00:00Z", "raise audit log retention",
                     {"tf/logs.tf": log_group(730)}, author=ANA)
    c["c7b"] = commit(repo, "2026-08-17T09:00:00Z", "runbook for the audit logs",
                      {"docs/runbook.md": "# Audit logs\n"}, author=BO)
    c["c8"] = commit(repo, "2026-08-20T09:00:00Z", "renew the legacy bucket's waiver", {
        ".gitops-compliance/waivers.yaml": "version: 1\nwaivers:\n"
        + waiver("W-001", "2026-06-10", "2026-08-15", "CHG-1001")
        + waiver("W-002", "2026-08-20", "2026-11-10", "CHG-1002"),
    }, author=ANA)
    git(repo, "checkout", "-q", "-b", "feature/trainer")
    c["f1"] = commit(repo, "2026-08-25T09:00:00Z", "trainer deployment",
                     {"k8s/trainer.yaml": TRAINER}, author=CY)
    c["f2"] = commit(repo, "2026-08-28T09:00:00Z", "trainer image 1.1",
                     {"k8s/trainer.yaml": TRAINER.replace(":1.0", ":1.1")}, author=CY)
    git(repo, "checkout", "-q", "main")
    env = {"GIT_AUTHOR_DATE": "2026-09-01T09:00:00Z", "GIT_COMMITTER_DATE":
           "2026-09-01T09:00:00Z", "GIT_AUTHOR_NAME": "Cy Diaz", "GIT_AUTHOR_EMAIL":
           "cy@example.com", "GIT_COMMITTER_NAME": "Cy Diaz",
           "GIT_COMMITTER_EMAIL": "cy@example.com"}
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge feature/trainer", "feature/trainer",
        env=env)
    c["c9"] = git(repo, "rev-parse", "HEAD").strip()
    c["c10"] = commit(repo, "2026-09-15T09:00:00Z", "exclude vendored modules", {
        ".gitops-compliance.yaml": "fail_on: high\nexclude:\n  - path: vendor/**\n"
        "    reason: third-party modules, scanned upstream\nseverity:\n  IAM-02: critical\n",
        "vendor/mod/main.tf": 'resource "aws_s3_bucket" "vendored" {\n  bucket = "v"\n}\n',
    }, author=ANA)
    c["c11"] = commit(repo, "2026-10-05T09:00:00Z", "after the quarter", {
        "tf/iam.tf": iam("*", "*")}, author=BO)
    return c
