"""engine/schemas/quarterly-report-v1.json and ``validate_report``: the sample is valid, every
kind of breakage is reported at its JSON path, and the schema is closed where we own it."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from engine.audit.report_schema import json_path, schema, validate_report
from tests.audit.report_sample import hostile_report, sample_report


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(schema())
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_sample_and_hostile_sample_are_valid() -> None:
    assert validate_report(sample_report()) == []
    # Hostile text is still text: the schema constrains shape, not content.
    assert validate_report(hostile_report()) == []


@pytest.mark.parametrize(("path", "value", "expected"), [
    (("controls", 0, "status"), "ok",
     '$.controls[0].status: "ok" is not one of ["passed", "failed", "waived", '
     '"not-evaluated", "procedural"]'),
    (("controls", 0, "first_seen", "commit"), "3333333",
     '$.controls[0].first_seen.commit: "3333333" does not match ^[0-9a-f]{40}$'),
    (("scope", "end_commit"), "2" * 39 + "G",
     '$.scope.end_commit: "' + "2" * 39 + 'G" does not match ^[0-9a-f]{40}$'),
    (("scope", "period", "since"), "2026-13-01",
     '$.scope.period.since: "2026-13-01" does not match '
     "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"),
    (("waivers", "register", 0, "state"), "revoked",
     '$.waivers.register[0].state: "revoked" is not one of ["active", "expired", "stale", '
     '"pending", "removed"]'),
    (("findings", "introduced", 0, "resolved", "date"), "2026-07-20",
     '$.findings.introduced[0].resolved.date: "2026-07-20" does not match '
     "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:"
     "[0-5][0-9]Z$"),
    (("verdict", "end_snapshot"), "red",
     '$.verdict.end_snapshot: "red" is not one of ["compliant", "blocked", "incomplete", '
     '"invalid"]'),
    (("summary", "totals", "failed"), -1,
     "$.summary.totals.failed: -1 is less than the minimum of 0"),
    (("red_merges", 0, "verdict"), "compliant",
     '$.red_merges[0].verdict: "compliant" is not one of ["blocked", "incomplete", '
     '"invalid"]'),
    (("schema_version",), 2, "$.schema_version: 2 should be 1"),
    (("tool", "checkov"), 3, '$.tool.checkov: 3 is not of type "string"'),
])
def test_a_broken_value_is_reported_at_its_path(path: tuple[Any, ...], value: Any,
                                                expected: str) -> None:
    report = sample_report()
    parent = report
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    assert validate_report(report) == [expected]


def test_an_unknown_key_and_a_missing_key_are_named() -> None:
    report = sample_report()
    report["controls"][1]["owner"] = "qa"
    del report["waivers"]["register"][0]["approver"]
    report["surprise"] = True
    assert validate_report(report) == [
        "$: Additional properties are not allowed ('surprise' was unexpected)",
        "$.controls[1]: Additional properties are not allowed ('owner' was unexpected)",
        "$.waivers.register[0]: 'approver' is a required property",
    ]


def test_a_long_bad_value_is_shortened_in_the_message() -> None:
    report = sample_report()
    report["commits"][0]["verdict"] = "x" * 500
    (message,) = validate_report(report)
    assert message.startswith('$.commits[0].verdict: "' + "x" * 58 + "… is not one of")
    assert len(message) < 200


def test_json_path_quotes_keys_that_are_not_identifiers() -> None:
    assert json_path(["tool", "gitops-compliance"]) == '$.tool["gitops-compliance"]'
    assert json_path(["controls", 3, "status"]) == "$.controls[3].status"
    assert json_path([]) == "$"

