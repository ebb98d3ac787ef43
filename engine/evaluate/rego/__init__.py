"""The embedded Rego engine (regorus): load policies, check the engine, evaluate units.

Typical use, once per scan::

    check_engine()                                   # EngineMismatchError -> exit 2
    policy_set = load_policy_set([policies_dir() / "rego"])   # PolicyLoadError -> exit 2
    evaluator = RegoEvaluator(policy_set, params, inventory)
    result = evaluator.evaluate(unit, resources)     # UnitEvaluation
    # passed per policy: result.applicable[id] minus resource_key(f.resource, f.file) of its
    # findings (see UnitEvaluation)

``regorus`` itself is imported lazily (inside the loader and the check), so importing this
package stays cheap.
"""

from __future__ import annotations

from engine.evaluate.rego.engine_check import check_engine, installed_distribution
from engine.evaluate.rego.errors import EngineMismatchError, PolicyLoadError
from engine.evaluate.rego.evaluator import (
    RegoEvaluator,
    UnitEvaluation,
    resource_key,
    unit_input,
)
from engine.evaluate.rego.loader import PolicySet, RegoPolicy, RegoTestFile, load_policy_set
from engine.evaluate.rego.metadata import parse_policy_metadata
from engine.evaluate.rego.testing import (
    RegoTestCase,
    RegoTestResult,
    rego_test_cases,
    rego_test_engine,
    run_rego_test,
    run_rego_tests,
)

__all__ = [
    "EngineMismatchError",
    "PolicyLoadError",
    "PolicySet",
    "RegoEvaluator",
    "RegoPolicy",
    "RegoTestCase",
    "RegoTestFile",
    "RegoTestResult",
    "UnitEvaluation",
    "check_engine",
    "installed_distribution",
    "load_policy_set",
    "parse_policy_metadata",
    "rego_test_cases",
    "rego_test_engine",
    "resource_key",
    "run_rego_test",
    "run_rego_tests",
    "unit_input",
]
