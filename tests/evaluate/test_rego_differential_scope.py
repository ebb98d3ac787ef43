"""Whole-scope rules under real OPA (DESIGN.md §9): the differential test of
test_rego_differential.py runs each input alone with an empty inventory; the GxP existence
and join rules (GXP-01's trail, GXP-04's data events, GXP-09's Activity Log, split resources
joined across files) read ``data.inventory``. Here every Terraform unit of a scope is
evaluated with that scope as the inventory, in regorus and in OPA, and must agree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.evaluate.rego import load_policy_set
from engine.evaluate.rego.loader import AGGREGATE_RULE, PolicySet
from engine.load.terraform import load_module
from engine.params import DEFAULT_PARAMS
from engine.resources import policies_dir
from tests.oracle import require_opa

REPO = Path(__file__).parents[2]
REGO_DIR = policies_dir() / "rego"
POLICY_SET: PolicySet = load_policy_set([REGO_DIR], display_root=REGO_DIR)
SCOPES = {
    "violations-gxp": REPO / "tests" / "fixtures" / "e2e" / "violations" / "gxp",
    "manifests-terraform": REPO / "manifests" / "terraform",
}


def _units(root: Path) -> list[dict[str, Any]]:
    modules: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*.tf")):
        modules.setdefault(path.parent.relative_to(root).as_posix(), []).append(
            path.relative_to(root).as_posix())
    documents = []
    for module_dir, files in modules.items():
        result = load_module(root, module_dir, files)
        assert result.errors == ()
        documents.append({"contract_version": 1, "kind": "terraform", "unit": module_dir,
                          "resources": [r.to_input() for r in result.resources]})
    return documents


def _normalized(results: list[Any]) -> list[list[list[str]]]:
    return [[sorted(json.dumps(item, sort_keys=True) for item in rule) for rule in policy]
            for policy in results]


@pytest.mark.parametrize("scope", sorted(SCOPES))
def test_scope_results_equal_opa(scope: str) -> None:
    units = _units(SCOPES[scope])
    inventory = [r for unit in units for r in unit["resources"]]
    data = {"inventory": {"terraform": inventory, "kubernetes": []},
            "gitops_compliance": {"params": DEFAULT_PARAMS}}
    opa = require_opa()()
    for name, text in POLICY_SET.modules:
        opa.add_policy(name, text)
    opa.add_data(dict(POLICY_SET.data))
    opa.add_data(data)
    regorus = POLICY_SET.new_engine()
    regorus.add_data(data)
    fired: set[str] = set()
    for unit in units:
        expected = opa.eval_document(AGGREGATE_RULE.removeprefix("data."), input=unit)
        regorus.set_input(unit)
        actual = json.loads(regorus.eval_rule_as_json(AGGREGATE_RULE))
        assert _normalized(actual) == _normalized(expected), unit["unit"]
        fired |= {p.meta.id for p, rules in zip(POLICY_SET.policies, actual, strict=True)
                  if any(rules)}
    if scope == "violations-gxp":  # not an empty comparison: each GxP policy reports here
        assert {"GXP-01", "GXP-04", "GXP-05", "GXP-06", "GXP-07", "GXP-09", "GXP-10"} <= fired
    else:
        assert fired == set()  # the sample scans clean
