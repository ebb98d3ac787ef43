"""Differential tests: regorus must agree with real OPA (DESIGN.md §9).

Same policies (the built-in library plus the generated aggregate rule), same data, same
inputs — the JSON fixtures under tests/fixtures/rego/, a synthetic scope of 1,000
Kubernetes objects and a parameter variant — must give identical deny/violation/warn
results in both engines. The Rego unit tests must pass under OPA too, and the start-up
known answer must be OPA's answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from engine.evaluate.rego import load_policy_set, rego_test_cases, unit_input
from engine.evaluate.rego.engine_check import (
    SELFTEST_ANSWER,
    SELFTEST_INPUT,
    SELFTEST_POLICY,
    SELFTEST_RULE,
)
from engine.evaluate.rego.loader import AGGREGATE_RULE, PolicySet
from engine.model import Unit, UnitKind
from engine.params import DEFAULT_PARAMS, merge_params
from engine.resources import policies_dir
from tests.evaluate.synthetic import kubernetes_resources
from tests.oracle import require_opa

FIXTURES = Path(__file__).parent.parent / "fixtures" / "rego"
REGO_DIR = policies_dir() / "rego"
POLICY_SET: PolicySet = load_policy_set([REGO_DIR], display_root=REGO_DIR)
EMPTY_INVENTORY: dict[str, list[Any]] = {"terraform": [], "kubernetes": []}
CUSTOM_PARAMS = merge_params({"required_tags": {"owner": None, "gxp-classification": ["gxp"]},
                              "gxp_critical_values": ["gxp"]})


def _scan_data(params: Mapping[str, Any], inventory: Mapping[str, Any]) -> dict[str, Any]:
    return {"inventory": dict(inventory), "gitops_compliance": {"params": dict(params)}}


def _opa(params: Mapping[str, Any], inventory: Mapping[str, Any], *, tests: bool = False) -> Any:
    engine = require_opa()()
    for name, text in (*POLICY_SET.modules, *(POLICY_SET.test_sources if tests else ())):
        engine.add_policy(name, text)
    engine.add_data(dict(POLICY_SET.data))
    engine.add_data(_scan_data(params, inventory))
    return engine


def _regorus(params: Mapping[str, Any], inventory: Mapping[str, Any]) -> Any:
    engine = POLICY_SET.new_engine()
    engine.add_data(_scan_data(params, inventory))
    return engine


def _normalized(results: list[Any]) -> list[list[list[str]]]:
    """Sets serialize as arrays in both engines, but their orders may differ for objects."""
    return [[sorted(json.dumps(item, sort_keys=True) for item in rule) for rule in policy]
            for policy in results]


def _both(document: dict[str, Any], params: Mapping[str, Any],
          inventory: Mapping[str, Any]) -> tuple[list[Any], list[Any]]:
    opa_result = _opa(params, inventory).eval_document(AGGREGATE_RULE.removeprefix("data."),
                                                       input=document)
    engine = _regorus(params, inventory)
    engine.set_input(document)
    regorus_result = json.loads(engine.eval_rule_as_json(AGGREGATE_RULE))
    return opa_result, regorus_result


def _fixture_inputs() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(FIXTURES.glob("*.json")):
        yield path.stem, json.loads(path.read_text(encoding="utf-8"))


FIXTURE_INPUTS = dict(_fixture_inputs())


@pytest.mark.parametrize("name", sorted(FIXTURE_INPUTS))
@pytest.mark.parametrize("params", [DEFAULT_PARAMS, CUSTOM_PARAMS], ids=["defaults", "custom"])
def test_fixture_results_equal_opa(name: str, params: Mapping[str, Any]) -> None:
    opa_result, regorus_result = _both(FIXTURE_INPUTS[name], params, EMPTY_INVENTORY)
    assert _normalized(regorus_result) == _normalized(opa_result)


def test_same_objects_in_several_files_equal_opa() -> None:
    """kubernetes-envs: envs/dev and envs/staging hold identical bad copies of the same
    objects (envs/prod a good one); both engines keep one item per copy, named by file."""
    opa_result, regorus_result = _both(FIXTURE_INPUTS["kubernetes-envs"], DEFAULT_PARAMS,
                                       EMPTY_INVENTORY)
    assert _normalized(regorus_result) == _normalized(opa_result)
    enc05 = regorus_result[[p.meta.id for p in POLICY_SET.policies].index("ENC-05")][0]
    assert sorted((item["resource"], item["file"]) for item in enc05) == [
        ("Secret/app/db", "envs/dev/app.yaml"), ("Secret/app/db", "envs/staging/app.yaml")]


def test_fixtures_exercise_every_policy() -> None:
    """Guards the differential test against comparing empty results."""
    fired: set[str] = set()
    engine = _regorus(DEFAULT_PARAMS, EMPTY_INVENTORY)
    for document in FIXTURE_INPUTS.values():
        engine.set_input(document)
        results = json.loads(engine.eval_rule_as_json(AGGREGATE_RULE))
        for policy, rules in zip(POLICY_SET.policies, results, strict=True):
            if any(rules):
                fired.add(policy.meta.id)
    assert fired == {p.meta.id for p in POLICY_SET.policies}


def test_synthetic_scope_equals_opa() -> None:
    resources = kubernetes_resources(1000)
    unit = Unit(UnitKind.KUBERNETES, "kubernetes", ".", ())
    document = unit_input(unit, resources)
    inventory = {"terraform": [], "kubernetes": document["resources"]}
    opa_result, regorus_result = _both(document, DEFAULT_PARAMS, inventory)
    # not an empty comparison: every policy that judges Kubernetes objects reports here
    fired = {policy.meta.id for policy, rules in zip(POLICY_SET.policies, regorus_result,
                                                     strict=True) if any(rules)}
    assert fired == {"ENC-05", "GPU-01", "GPU-03", "GPU-04", "GPU-05", "GPU-06", "GXP-10"}
    assert _normalized(regorus_result) == _normalized(opa_result)


CASES = rego_test_cases(POLICY_SET)


@pytest.fixture(scope="module")
def opa_test_values() -> dict[str, list[Any]]:
    """Every test rule's value under OPA, in one query: OPA prepares each distinct query
    (~0.1 s), so one query per test would dominate the suite's run time. A rule's slot is
    ``[]`` when it is undefined."""
    engine = _opa(DEFAULT_PARAMS, EMPTY_INVENTORY, tests=True)
    slots = ", ".join(f"[v | v := {case.rule}]" for case in CASES)
    bindings = engine.eval_query(f"values := [{slots}]", input={})
    return dict(zip((c.id for c in CASES), bindings[0]["values"], strict=True))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rego_unit_test_passes_under_opa(case: Any, opa_test_values: dict[str, list[Any]]
                                         ) -> None:
    assert opa_test_values[case.id] == [True]


def test_known_answer_is_opas_answer() -> None:
    engine = require_opa()()
    engine.add_policy("selftest.rego", SELFTEST_POLICY)
    answer = engine.eval_document(SELFTEST_RULE.removeprefix("data."), input=SELFTEST_INPUT)
    assert answer == SELFTEST_ANSWER
