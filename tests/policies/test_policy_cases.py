"""Every per-policy case file (policies/rego/**/cases/*.yaml), one pytest case per case: the
files go through the real discovery and loaders, the Rego engine evaluates them, and the
policy's findings must equal ``expect``. The same cases run again with real OPA as the
engine (the oracle): both engines must pass them all."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from engine.evaluate.rego import PolicySet, load_policy_set
from engine.library.cases import Case, CaseFile, run_case
from engine.library.testing import coverage_outcomes, load_case_files
from engine.resources import policies_dir
from tests.opa_engine import OpaAsRegorus
from tests.oracle import require_opa

REGO_DIR = policies_dir() / "rego"
POLICY_SET: PolicySet = load_policy_set([REGO_DIR], display_root=REGO_DIR)
CASE_FILES, BROKEN = load_case_files([REGO_DIR], REGO_DIR)
CASES: list[tuple[CaseFile, Case]] = [(f, c) for f in CASE_FILES for c in f.cases]
IDS = [f"{f.file}::{c.name}" for f, c in CASES]


def test_every_case_file_loads() -> None:
    assert [o.message for o in BROKEN] == []
    assert CASES, "no case files found"


@pytest.mark.parametrize(("case_file", "case"), CASES, ids=IDS)
def test_case_on_regorus(case_file: CaseFile, case: Case) -> None:
    result = run_case(POLICY_SET, case_file, case)
    assert result.passed, result.message


@pytest.fixture(scope="module")
def opa_policy_set() -> PolicySet:
    require_opa()
    return load_policy_set([REGO_DIR], display_root=REGO_DIR, engine_factory=OpaAsRegorus)


@pytest.mark.parametrize(("case_file", "case"), CASES, ids=IDS)
def test_case_on_opa(case_file: CaseFile, case: Case, opa_policy_set: PolicySet) -> None:
    result = run_case(opa_policy_set, case_file, case)
    assert result.passed, result.message


def test_the_oracle_really_is_opa(opa_policy_set: PolicySet) -> None:
    """Guards the OPA runs against silently evaluating on regorus."""
    engine: Any = opa_policy_set.new_engine()
    assert isinstance(engine, OpaAsRegorus)
    from opa_bindings import OpaEngine

    assert isinstance(engine._engine(), OpaEngine)


def test_every_policy_has_a_case_file_with_a_failing_and_a_passing_case() -> None:
    problems = {o.name: o.message for o in coverage_outcomes(POLICY_SET, CASE_FILES)
                if o.message}
    assert problems == {}


@pytest.mark.parametrize("case_file", CASE_FILES, ids=lambda f: f.file)
def test_case_file_sits_beside_its_policy(case_file: CaseFile) -> None:
    policy = POLICY_SET.by_id()[case_file.policy]
    expected = PurePosixPath(policy.file).parent / "cases" / (
        case_file.policy.replace("-", "").lower() + ".yaml")
    assert Path(case_file.file).as_posix() == str(expected)
