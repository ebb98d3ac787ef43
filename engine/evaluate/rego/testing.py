"""Run the ``test_*`` rules of the ``*_test.rego`` files (``policy test``, the pytest runner).

OPA semantics: a test passes when its rule evaluates to ``true``; undefined, ``false`` or
an evaluation error fail it. Tests run against the policy set's data files and the given
parameters (the defaults unless a caller says otherwise), with an empty inventory; they
override any of it with ``with``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.evaluate.rego.errors import clean_engine_message
from engine.evaluate.rego.loader import PolicySet


@dataclass(frozen=True)
class RegoTestCase:
    file: str
    package: str
    name: str

    @property
    def rule(self) -> str:
        return f"data.{self.package}.{self.name}"

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"


@dataclass(frozen=True)
class RegoTestResult:
    case: RegoTestCase
    passed: bool
    message: str  # why it failed; "" when it passed
    seconds: float


def rego_test_cases(policy_set: PolicySet) -> tuple[RegoTestCase, ...]:
    """Every test rule, in file then name order."""
    return tuple(RegoTestCase(f.file, f.package, name)
                 for f in policy_set.test_files for name in f.tests)


def rego_test_engine(policy_set: PolicySet, params: Mapping[str, Any]) -> Any:
    """An engine with the policies, the tests, the data files and ``params``."""
    engine = policy_set.new_test_engine()
    engine.add_data({"inventory": {"terraform": [], "kubernetes": []},
                     "gitops_compliance": {"params": dict(params)}})
    engine.set_input({})
    return engine


def run_rego_test(engine: Any, case: RegoTestCase) -> RegoTestResult:
    started = time.perf_counter()
    try:
        value = json.loads(engine.eval_rule_as_json(case.rule))
    except Exception as exc:  # an evaluation error fails the test, it does not crash the run
        lines = clean_engine_message(str(exc)).splitlines()
        message = " ".join(line.strip() for line in lines if line.strip().startswith(
            ("-->", "error:"))) or (lines[-1] if lines else type(exc).__name__)
        return RegoTestResult(case, False, f"error: {message}", time.perf_counter() - started)
    elapsed = time.perf_counter() - started
    if value is True:
        return RegoTestResult(case, True, "", elapsed)
    shown = "undefined" if value == "<undefined>" else json.dumps(value)
    return RegoTestResult(case, False, f"evaluated to {shown}, expected true", elapsed)


def run_rego_tests(policy_set: PolicySet, params: Mapping[str, Any]) -> list[RegoTestResult]:
    engine = rego_test_engine(policy_set, params)
    return [run_rego_test(engine, case) for case in rego_test_cases(policy_set)]
