"""Fixed scan results every reporter is tested on (golden outputs, escaping, schema checks).

``sample_result()`` is one PR check as it really comes out of ``scan --diff``: a blocking new
finding, a pre-existing one, a waived one, a ``warn``, a Helm finding, a passed check, parse
and engine errors, a waivers summary, an exclusion, a Checkov skip, a governance change and
notes. ``injection_result()`` is the same shape with every piece of text a pull request can
control replaced by something that tries to break out of an output format.
"""

from __future__ import annotations

import dataclasses

from engine.model import (
    Engine,
    Finding,
    GovernanceChange,
    ScanError,
    ScanResult,
    Severity,
    Status,
    Unit,
    UnitKind,
    WaiverSummary,
)

# Every trick a resource name, a message or a file name can play on one of our formats:
# HTML/XML markup and entities, a CDATA end, Markdown table pipes, code spans, links and
# images, GitHub workflow commands (``::`` at a line start, after a newline, and the %0A form
# GitHub decodes), ANSI colour and cursor escapes, a bidi override, and a NUL.
INJECTION = ("<script>alert('x')</script><img src=x onerror=alert(1)>&amp;]]>"
             " | col | `code` ![i](http://evil.example/i.png) [link](javascript:alert(1))"
             "\n::error file=pwned.tf,line=1::forged%0A::warning::also forged"
             " \x1b[31mred\x1b[0m\x1b[2J \u202eevil\x00")

COMMIT = "4f2c1d9a8b7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a"
BASE = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"


def sample_result() -> ScanResult:
    findings = (
        Finding("IAM-05", "iam:PassRole must be scoped to roles and services",
                Severity.CRITICAL, "iam", Engine.REGO, Status.FAILED,
                "aws_iam_policy.pipeline", "infra/iam.tf", 12,
                "aws_iam_policy.pipeline allows iam:PassRole on every role of the account",
                "infra", attribute="policy.Statement[0]",
                remediation="List the role ARNs and add an iam:PassedToService condition.",
                controls=("21 CFR 11.10(d)", "EU GMP Annex 11 §12.1"),
                catalog=("IAM-05",)),
        Finding("ENC-01", "GxP buckets are encrypted with a customer-managed KMS key",
                Severity.HIGH, "encryption", Engine.REGO, Status.FAILED,
                "aws_s3_bucket.batch_records", "infra/s3.tf", 3,
                "aws_s3_bucket.batch_records (data-classification=gxp) has no SSE-KMS "
                "configuration with a customer-managed key", "infra",
                remediation="Add aws_s3_bucket_server_side_encryption_configuration with a CMK.",
                controls=("21 CFR 11.10(c)",), catalog=("ENC-01",), preexisting=True),
        Finding("CKV_K8S_16", "Container should not be privileged", Severity.HIGH,
                "kubernetes", Engine.CHECKOV, Status.FAILED,
                "Deployment.ml-inference.text-embedder",
                "charts/text-embedder/templates/deployment.yaml", 18,
                "Container should not be privileged", "chart:charts/text-embedder@values-prod.yaml",
                chart="charts/text-embedder", values_set="values-prod.yaml",
                template="templates/deployment.yaml"),
        Finding("GXP-06", "GxP record buckets are versioned, locked and private",
                Severity.HIGH, "gxp", Engine.REGO, Status.WAIVED,
                "aws_s3_bucket.scratch", "infra/s3.tf", 40,
                "aws_s3_bucket.scratch has no Object Lock", "infra",
                controls=("21 CFR 11.10(c)",), catalog=("GXP-06",), waiver="W-2026-014"),
        Finding("GXP-10", "Regulated resources carry the required audit tags",
                Severity.MEDIUM, "gxp", Engine.REGO, Status.FAILED,
                "Deployment/ml-inference/text-embedder", "k8s/inference.yaml", 7,
                "Deployment/ml-inference/text-embedder is missing label validation-status",
                "kubernetes", blocking=False, controls=("EU GMP Annex 11 §4.8",)),
        Finding("CKV_AWS_21", "Ensure all data stored in the S3 bucket have versioning enabled",
                Severity.MEDIUM, "encryption", Engine.CHECKOV, Status.PASSED,
                "aws_s3_bucket.batch_records", "infra/s3.tf", 3, "passed", "infra"),
    )
    return ScanResult(
        root="/repo", scope=("",), findings=findings,
        errors=(ScanError("parse-error", "invalid YAML: expected ',' or '}', but got '<stream "
                                         "end>'", "k8s/broken.yaml", 9, "kubernetes"),
                ScanError("render-error", "chart charts/legacy@defaults: template: "
                                          "legacy/templates/cm.yaml:3: function \"oops\" not "
                                          "defined", "charts/legacy/templates/cm.yaml", 3,
                          "chart:charts/legacy@defaults")),
        units=(Unit(UnitKind.TERRAFORM, "infra", "infra", ("infra/iam.tf", "infra/s3.tf")),
               Unit(UnitKind.KUBERNETES, "kubernetes", "", ("k8s/inference.yaml",)),
               Unit(UnitKind.HELM, "chart:charts/text-embedder@values-prod.yaml",
                    "charts/text-embedder", ("charts/text-embedder/Chart.yaml",))),
        excluded=(("legacy/old.yaml", "decommissioned in CHG-1204"),),
        fail_on=Severity.HIGH, commit=COMMIT, policy_digest="sha256:" + "ab" * 32,
        policy_count=29, rego_passed=41, resource_count=57,
        versions={"gitops-compliance": "0.1.0", "checkov": "3.2.0", "regorus": "0.13.0"},
        timings={"total": 4.2},
        skipped_checks=(("CKV_AWS_144", "cross-region replication is done by AWS Backup",
                         ("infra/s3.tf",)),),
        waivers=WaiverSummary(file=".gitops-compliance/waivers.yaml", as_of="2026-11-27",
                              applied=(("W-2026-014", 1),),
                              expired=(("W-2026-002", "2026-10-31"),), stale=("W-2026-011",)),
        notes=("Checkov not run on 1 unit(s) (not cached): charts/legacy; the PR check runs it",),
        cache_stats={"hits": 2, "misses": 1},
        mode="diff", base_commit=BASE, new_only=True,
        changed_files=("charts/text-embedder/values-prod.yaml", "infra/iam.tf", "infra/s3.tf",
                       "k8s/inference.yaml"),
        governance_changes=(GovernanceChange("waivers", "modified",
                                             ".gitops-compliance/waivers.yaml"),),
    )


def compliant_result() -> ScanResult:
    """The same scan once everything is fixed: only the passed check and the waived one."""
    base = sample_result()
    kept = tuple(f for f in base.findings if f.status in (Status.PASSED, Status.WAIVED))
    return dataclasses.replace(base, findings=kept, errors=(), notes=(),
                               governance_changes=())


def injection_result() -> ScanResult:
    """``sample_result()`` with hostile text in everything a pull request controls: resource
    names, messages, file paths, attributes, templates, error messages, notes, waiver ids,
    exclusion reasons and governance paths."""
    base = sample_result()

    def hostile(finding: Finding) -> Finding:
        return dataclasses.replace(
            finding, resource=f"{finding.resource}{INJECTION}",
            message=f"{finding.message} {INJECTION}", file=f"{finding.file}{INJECTION}",
            attribute=finding.attribute + INJECTION if finding.attribute else "",
            template=finding.template + INJECTION if finding.template else "",
            waiver=finding.waiver + INJECTION if finding.waiver else "",
            remediation=finding.remediation + INJECTION if finding.remediation else "")

    return dataclasses.replace(
        base,
        findings=tuple(hostile(f) for f in base.findings),
        errors=tuple(dataclasses.replace(e, message=e.message + INJECTION,
                                         file=e.file + INJECTION) for e in base.errors),
        excluded=((f"legacy/{INJECTION}.yaml", INJECTION),),
        notes=(INJECTION,),
        waivers=dataclasses.replace(base.waivers, applied=((f"W-1{INJECTION}", 1),),
                                    stale=(INJECTION,)) if base.waivers else None,
        governance_changes=(GovernanceChange("config", "modified", INJECTION),),
    )
