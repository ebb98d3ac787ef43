from __future__ import annotations

import json
from typing import Any

import pytest

from engine.evaluate.rego import EngineMismatchError, check_engine, installed_distribution
from engine.evaluate.rego.engine_check import SELFTEST_ANSWER


class _FakeEngine:
    """Answers the known-answer query with whatever it was told to."""

    answer: Any = SELFTEST_ANSWER

    def add_policy(self, path: str, rego: str) -> str:
        return "data.gitops_compliance_selftest"

    def add_data(self, data: Any) -> None: ...
    def set_input(self, value: Any) -> None: ...
    def eval_query_as_json(self, query: str) -> str: return "{}"
    def clone(self) -> _FakeEngine: return self
    def get_ast_as_json(self) -> str: return "[]"

    def eval_rule_as_json(self, rule: str) -> str:
        return json.dumps(self.answer)


def test_installed_engine_passes() -> None:
    assert check_engine().startswith("gordon-to-regorus 0.13")


def test_installed_distribution_is_found() -> None:
    assert installed_distribution().startswith("gordon-to-regorus ")


def test_fake_engine_with_the_right_answer_passes() -> None:
    assert check_engine(_FakeEngine, distribution="local-build 1.0") == "local-build 1.0"


def test_wrong_answer_is_a_mismatch() -> None:
    class Wrong(_FakeEngine):
        answer = {**SELFTEST_ANSWER, "untagged": ["aws_s3_bucket.data"]}  # missed one

    with pytest.raises(EngineMismatchError) as caught:
        check_engine(Wrong, distribution="celine-like 0.9.1")
    assert "different answer than OPA" in caught.value.reason
    assert caught.value.distribution == "celine-like 0.9.1"
    assert "celine-like 0.9.1" in str(caught.value)


def test_undefined_answer_is_a_mismatch() -> None:
    class Undefined(_FakeEngine):
        def eval_rule_as_json(self, rule: str) -> str:
            return '"<undefined>"'

    with pytest.raises(EngineMismatchError, match="different answer"):
        check_engine(Undefined, distribution="x 1")


def test_parse_failure_is_a_mismatch() -> None:
    class CannotParseEvery(_FakeEngine):
        def add_policy(self, path: str, rego: str) -> str:
            raise RuntimeError("selftest.rego:8:2: error: unexpected keyword `every`\n"
                               "Stack backtrace:\n  0: <unknown>")

    with pytest.raises(EngineMismatchError, match="cannot evaluate the known-answer") as caught:
        check_engine(CannotParseEvery, distribution="regopy 1.5.2")
    assert "Stack backtrace" not in str(caught.value)


def test_missing_api_is_a_mismatch() -> None:
    class NoJson:
        def add_policy(self, path: str, rego: str) -> None: ...
        def set_input(self, value: Any) -> None: ...
        def eval_rule(self, rule: str) -> Any: ...

    with pytest.raises(EngineMismatchError, match="lacks add_data, eval_rule_as_json"):
        check_engine(NoJson, distribution="other 1")


def test_known_divergent_distribution_is_refused_even_if_the_probe_passes() -> None:
    with pytest.raises(EngineMismatchError, match=r"0\.9\.1 disagrees with OPA"):
        check_engine(_FakeEngine, distribution="celine-regorus 0.9.1")
