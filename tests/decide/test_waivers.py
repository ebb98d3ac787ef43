"""Waivers: the file's validation (schema + lifetime) and how they apply to findings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from engine.decide.waiver_file import WaiverState, load_waivers, parse_waivers
from engine.decide.waivers import apply_waivers, inline_reference
from engine.model import Engine, Finding, Severity, Status

AS_OF = date(2026, 11, 27)


def waiver_yaml(waiver_id: str = "W-001", *, policies: str = "[IAM-02]",
                scope: str = '{paths: ["infra/**"]}', approved_on: str = "2026-11-01",
                expires: str = "2027-01-15", extra: str = "") -> str:
    return (f"  - id: {waiver_id}\n"
            f"    policies: {policies}\n"
            f"    scope: {scope}\n"
            f"    reason: the pipeline role is scoped by an SCP\n"
            f"    owner: platform-team\n"
            f"    approver: ciso\n"
            f"    approved_on: {approved_on}\n"
            f"    ticket: SEC-1234\n"
            f"    expires: {expires}\n{extra}")


def waivers_file(*items: str) -> str:
    return "version: 1\nwaivers:\n" + "".join(items)


def finding(policy: str = "IAM-02", resource: str = "aws_iam_policy.pipeline",
            file: str = "infra/main.tf", suppression: str | None = None) -> Finding:
    return Finding(policy_id=policy, title=f"{policy} title", severity=Severity.HIGH,
                   family="iam", engine=Engine.REGO, status=Status.FAILED, resource=resource,
                   file=file, line=13, message=f"{policy} message", unit="infra",
                   suppression=suppression)


def test_a_valid_file_gives_its_waivers() -> None:
    loaded = parse_waivers(waivers_file(waiver_yaml()), "w.yaml")
    assert loaded.valid, loaded.problems
    (waiver,) = loaded.waivers
    assert waiver.id == "W-001"
    assert waiver.policies == ("IAM-02",)
    assert waiver.paths == ("infra/**",)
    assert waiver.expires == date(2027, 1, 15)
    assert waiver.line == 3


def test_schema_errors_name_the_file_line_and_waiver() -> None:
    text = waivers_file(
        waiver_yaml(),
        "  - id: W-002\n    policies: []\n    scope: {}\n    reason: x\n",
    )
    loaded = parse_waivers(text, ".gitops-compliance/waivers.yaml")
    assert not loaded.valid and loaded.waivers == ()
    rendered = [str(p) for p in loaded.problems]
    assert any(r.startswith(".gitops-compliance/waivers.yaml:12: waiver W-002:")
               and "'owner' is a required property" in r for r in rendered), rendered
    assert any(":13: waiver W-002: waivers.1.policies: [] must not be empty" in r
               for r in rendered), rendered
    assert any(":14: waiver W-002: waivers.1.scope" in r and "paths' and/or 'resources" in r
               for r in rendered), rendered


def test_unknown_keys_bad_dates_duplicates_are_problems_with_lines() -> None:
    text = waivers_file(
        waiver_yaml(extra="    severity: low\n"),
        waiver_yaml("W-002", expires="2026-02-30"),
        waiver_yaml("W-002"),
    )
    problems = [str(p) for p in parse_waivers(text, "w.yaml").problems]
    assert any("W-001" in p and "'severity' was unexpected" in p for p in problems), problems
    assert any(p.startswith("w.yaml:21: waiver W-002: expires: '2026-02-30' is not a "
                            "calendar date") for p in problems), problems
    assert any(p.startswith("w.yaml:22: waiver W-002: duplicate id (first defined at line 13)")
               for p in problems), problems


def test_a_repeated_yaml_key_is_an_error_at_its_line() -> None:
    text = waivers_file(waiver_yaml(extra="    owner: someone-else\n"))
    (problem,) = parse_waivers(text, "w.yaml").problems
    assert problem.line == 12
    assert "duplicate key 'owner'" in problem.message


def test_expires_beyond_the_maximum_lifetime_is_invalid() -> None:
    text = waivers_file(waiver_yaml(approved_on="2026-11-01", expires="2027-02-01"))
    (problem,) = parse_waivers(text, "w.yaml").problems
    assert problem.waiver == "W-001" and problem.line == 11
    assert "92 days after approved_on 2026-11-01; the maximum lifetime is 90 days" in \
        problem.message
    # The lifetime is configurable (config waiver_max_days).
    assert parse_waivers(text, "w.yaml", max_days=120).valid
    # Exactly the maximum is allowed; expiring before approval is not.
    assert parse_waivers(waivers_file(waiver_yaml(expires="2027-01-30")), "w.yaml").valid
    backwards = parse_waivers(waivers_file(waiver_yaml(expires="2026-10-01")), "w.yaml")
    assert "is before approved_on" in backwards.problems[0].message


def test_an_unreadable_or_empty_file_is_a_problem(tmp_path: Path) -> None:
    missing = load_waivers(tmp_path / "nope.yaml", display="nope.yaml")
    assert not missing.valid and "cannot read" in missing.problems[0].message
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    assert "empty" in load_waivers(empty).problems[0].message


def test_state_follows_the_as_of_date_inclusive() -> None:
    (waiver,) = parse_waivers(waivers_file(waiver_yaml()), "w.yaml").waivers
    assert waiver.state(date(2026, 10, 31)) is WaiverState.PENDING
    assert waiver.state(date(2026, 11, 1)) is WaiverState.ACTIVE
    assert waiver.state(date(2027, 1, 15)) is WaiverState.ACTIVE
    assert waiver.state(date(2027, 1, 16)) is WaiverState.EXPIRED


def _waivers(*items: str) -> list:  # type: ignore[type-arg]
    loaded = parse_waivers(waivers_file(*items), "w.yaml")
    assert loaded.valid, loaded.problems
    return list(loaded.waivers)


def test_an_active_waiver_in_scope_waives_with_its_id() -> None:
    outcome = apply_waivers([finding()], _waivers(waiver_yaml()), AS_OF)
    (waived,) = outcome.findings
    assert waived.status is Status.WAIVED and waived.waiver == "W-001"
    assert waived.message == "IAM-02 message"
    assert outcome.applied == (("W-001", 1),)
    assert outcome.stale == () and outcome.expired == ()


def test_an_expired_waiver_stops_applying_and_is_reported() -> None:
    outcome = apply_waivers([finding()], _waivers(waiver_yaml(expires="2026-11-26")),
                            AS_OF)
    assert outcome.findings[0].status is Status.FAILED
    assert outcome.expired == (("W-001", "2026-11-26"),)
    assert outcome.stale == ()  # expired is its own report, not also stale


def test_a_waiver_that_matches_nothing_is_stale() -> None:
    outcome = apply_waivers([finding(policy="GXP-10")], _waivers(waiver_yaml()), AS_OF)
    assert outcome.findings[0].status is Status.FAILED
    assert outcome.stale == ("W-001",)


@pytest.mark.parametrize(("scope", "target"), [
    ('{paths: ["infra/**"]}', finding(file="apps/main.tf")),
    ('{resources: ["aws_iam_policy.ci"]}', finding()),
    ('{paths: ["infra/**"], resources: ["aws_iam_policy.ci"]}', finding()),
    ('{paths: ["infra/*.tf"]}', finding(file="infra/sub/main.tf")),
])
def test_out_of_scope_findings_are_not_waived(scope: str, target: Finding) -> None:
    outcome = apply_waivers([target], _waivers(waiver_yaml(scope=scope)), AS_OF)
    assert outcome.findings[0].status is Status.FAILED
    assert outcome.stale == ("W-001",)


def test_resource_patterns_and_path_and_resource_together() -> None:
    waivers = _waivers(waiver_yaml(scope='{paths: ["infra/**"], resources: '
                                         '["aws_iam_policy.*"]}'))
    outcome = apply_waivers([finding(), finding(resource="aws_iam_role.ci")], waivers, AS_OF)
    assert [f.status for f in outcome.findings] == [Status.WAIVED, Status.FAILED]


def test_only_failed_findings_can_be_waived() -> None:
    passed = Finding(policy_id="IAM-02", title="t", severity=Severity.HIGH, family="iam",
                     engine=Engine.CHECKOV, status=Status.PASSED, resource="aws_iam_policy.x",
                     file="infra/main.tf", line=1, message="m", unit="infra")
    outcome = apply_waivers([passed], _waivers(waiver_yaml()), AS_OF)
    assert outcome.findings[0].status is Status.PASSED


def test_inline_skip_without_a_registered_id_stays_failed() -> None:
    hidden = finding(policy="CKV_AWS_27", suppression="encryption handled elsewhere")
    hidden = Finding(**{**hidden.__dict__, "message": "engine's unregistered text"})
    outcome = apply_waivers([hidden], [], AS_OF)
    (result,) = outcome.findings
    assert result.status is Status.FAILED
    assert result.message == "engine's unregistered text"


def test_inline_skip_naming_a_registered_waiver_that_covers_it_is_waived() -> None:
    waivers = _waivers(waiver_yaml(policies="[CKV_AWS_27]", scope='{resources: '
                                   '["aws_iam_policy.pipeline"]}'))
    hidden = finding(policy="CKV_AWS_27", suppression="waiver:W-001 (queue is internal)")
    (result,) = apply_waivers([hidden], waivers, AS_OF).findings
    assert result.status is Status.WAIVED and result.waiver == "W-001"
    assert result.message == "CKV_AWS_27 title"  # the unregistered-suppression text is gone


@pytest.mark.parametrize(("reason", "expires", "why"), [
    ("waiver:W-404", "2027-01-15", "names waiver W-404, which is not in the waivers file"),
    ("waiver:W-001", "2026-11-20", "names waiver W-001, which expired (valid through "
                                   "2026-11-20)"),
])
def test_inline_skip_naming_an_unknown_or_expired_waiver_is_unregistered(
        reason: str, expires: str, why: str) -> None:
    # W-001 would cover the finding: it is out of force (expired) or not the one named (and
    # then its scope is elsewhere), so nothing waives it.
    scope = '{paths: ["infra/**"]}' if reason == "waiver:W-001" else '{paths: ["apps/**"]}'
    waivers = _waivers(waiver_yaml(policies="[CKV_AWS_27]", expires=expires, scope=scope))
    (result,) = apply_waivers([finding(policy="CKV_AWS_27", suppression=reason)], waivers,
                              AS_OF).findings
    assert result.status is Status.FAILED
    assert why in result.message and "unregistered suppression" in result.message


def test_an_inline_reference_cannot_widen_a_waivers_scope() -> None:
    waivers = _waivers(waiver_yaml(policies="[CKV_AWS_27]"))  # infra/** only
    outside = finding(policy="CKV_AWS_27", file="apps/main.tf", suppression="waiver:W-001")
    (result,) = apply_waivers([outside], waivers, AS_OF).findings
    assert result.status is Status.FAILED
    assert "does not cover this policy, path or resource" in result.message


def test_inline_reference_syntax() -> None:
    assert inline_reference("waiver:W-012") == "W-012"
    assert inline_reference("see waiver: W-012.") == "W-012"
    assert inline_reference("accepted risk") is None
