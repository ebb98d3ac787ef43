from __future__ import annotations

import pytest

from engine.decide.verdict import apply_severity_overrides, order_findings
from engine.model import (
    Engine,
    Finding,
    ScanError,
    ScanResult,
    Severity,
    Status,
    Verdict,
    worst_exit_code,
)


def finding(policy: str = "GPU-01", severity: Severity = Severity.HIGH, blocking: bool = True,
            resource: str = "Job/ml/train", line: int = 3) -> Finding:
    return Finding(policy_id=policy, title="t", severity=severity, family="gpu",
                   engine=Engine.REGO, status=Status.FAILED, resource=resource, file="a.yaml",
                   line=line, message="m", unit="kubernetes", blocking=blocking)


def result(findings: tuple[Finding, ...] = (), errors: tuple[ScanError, ...] = (),
           fail_on: Severity | None = Severity.HIGH) -> ScanResult:
    return ScanResult(root="/r", scope=("",), findings=findings, errors=errors, units=(),
                      excluded=(), fail_on=fail_on)


@pytest.mark.parametrize(("findings", "errors", "fail_on", "verdict"), [
    ((), (), Severity.HIGH, Verdict.COMPLIANT),
    ((finding(severity=Severity.MEDIUM),), (), Severity.HIGH, Verdict.COMPLIANT),
    ((finding(severity=Severity.MEDIUM),), (), Severity.MEDIUM, Verdict.BLOCKED),
    ((finding(),), (), None, Verdict.COMPLIANT),
    ((finding(blocking=False, severity=Severity.CRITICAL),), (), Severity.INFO,
     Verdict.COMPLIANT),
    ((finding(),), (ScanError("parse-error", "x"),), Severity.HIGH, Verdict.INCOMPLETE),
    ((), (ScanError("parse-error", "x"),), None, Verdict.INCOMPLETE),
    ((finding(),), (ScanError("parse-error", "x"), ScanError("policy-error", "y", invalid=True)),
     Severity.HIGH, Verdict.INVALID),
])
def test_verdict_and_precedence(findings: tuple[Finding, ...], errors: tuple[ScanError, ...],
                                fail_on: Severity | None, verdict: Verdict) -> None:
    assert result(findings, errors, fail_on).verdict is verdict


def test_exit_codes() -> None:
    assert [v.exit_code for v in Verdict] == [0, 1, 3, 2]


def test_overrides_and_order_are_deterministic() -> None:
    a = finding("IAM-02", Severity.HIGH, resource="b")
    b = finding("GPU-01", Severity.MEDIUM, resource="a")
    c = finding("GXP-10", Severity.HIGH, resource="a")
    ordered = order_findings(apply_severity_overrides([b, a, c, a], {"GPU-01": Severity.CRITICAL}))
    assert [(f.policy_id, f.severity) for f in ordered] == [
        ("GPU-01", Severity.CRITICAL), ("GXP-10", Severity.HIGH), ("IAM-02", Severity.HIGH)]


def test_fingerprint_ignores_file_and_line() -> None:
    moved = finding(line=40)
    assert finding().fingerprint == moved.fingerprint
    assert finding().fingerprint != finding(resource="Job/ml/other").fingerprint


@pytest.mark.parametrize(("codes", "worst"), [((0, 1), 1), ((1, 3), 3), ((3, 2), 2),
                                               ((2, 1, 3, 0), 2), ((0,), 0)])
def test_exit_code_precedence(codes: tuple[int, ...], worst: int) -> None:
    assert worst_exit_code(*codes) == worst
