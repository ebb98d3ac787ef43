"""The Rego test runner reports passes, failures, undefined tests and errors."""

from __future__ import annotations

from pathlib import Path

from engine.evaluate.rego import load_policy_set, rego_test_cases, run_rego_tests
from tests.evaluate.rego_helpers import policy, write


def test_runner_outcomes(tmp_path: Path) -> None:
    write(tmp_path, {
        "p/a.rego": policy("p.a", body=(
            "deny contains r.address if {\n  some r in input.resources\n"
            "  r.type == \"bad\"\n}\n")),
        "p/a_test.rego": (
            "package p.a_test\n\nimport data.p.a\n\n"
            "test_passes if {\n  a.deny == {\"x\"} with input as "
            "{\"resources\": [{\"address\": \"x\", \"type\": \"bad\"}]}\n}\n\n"
            "test_false if {\n  count(a.deny) == 1 with input as {\"resources\": []}\n}\n\n"
            "test_error if {\n  x := 1 / 0\n  x > 0\n}\n\n"
            "test_param if data.gitops_compliance.params.k == 1\n\n"
            "helper := 1\n"),
    })
    policy_set = load_policy_set([tmp_path], display_root=tmp_path)
    cases = rego_test_cases(policy_set)
    assert [c.id for c in cases] == ["p/a_test.rego::test_error", "p/a_test.rego::test_false",
                                     "p/a_test.rego::test_param", "p/a_test.rego::test_passes"]
    results = {r.case.name: r for r in run_rego_tests(policy_set, {"k": 1})}
    assert results["test_passes"].passed and results["test_param"].passed
    assert not results["test_false"].passed
    assert results["test_false"].message == "evaluated to undefined, expected true"
    assert not results["test_error"].passed
    assert "divide by zero" in results["test_error"].message
    assert "Stack backtrace" not in results["test_error"].message
