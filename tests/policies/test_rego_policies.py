"""The built-in Rego library: its unit tests (one pytest case per ``test_*`` rule, run by
regorus — how Rego tests run in CI) and the metadata every built-in policy must carry."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from engine.evaluate.rego import (
    PolicySet,
    RegoTestCase,
    load_policy_set,
    rego_test_cases,
    rego_test_engine,
    run_rego_test,
)
from engine.evaluate.rego.loader import AGGREGATE_RULE
from engine.params import DEFAULT_PARAMS
from engine.resources import policies_dir

REGO_DIR = policies_dir() / "rego"
POLICY_SET: PolicySet = load_policy_set([REGO_DIR], display_root=REGO_DIR)
CASES: tuple[RegoTestCase, ...] = rego_test_cases(POLICY_SET)
FIXTURES = sorted((Path(__file__).parent.parent / "fixtures" / "rego").glob("*.json"))
# docs/policies.md: 21CFR11.<section>[(<paragraph>)[(<item>)]], EUANNEX11-<section>[.<sub>]
CONTROL_ID = re.compile(
    r"^(21CFR11\.(10|30|50|70)(\([a-k]\)(\(\d\))?)?|EUANNEX11-(P|\d+(\.\d+)?))$")


@pytest.fixture(scope="module")
def regorus_engine() -> Any:
    return rego_test_engine(POLICY_SET, DEFAULT_PARAMS)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rego(case: RegoTestCase, regorus_engine: Any) -> None:
    result = run_rego_test(regorus_engine, case)
    assert result.passed, f"{case.id}: {result.message}"


def test_library_is_tested() -> None:
    tested = {f.package.removesuffix("_test"): len(f.tests) for f in POLICY_SET.test_files}
    for policy in POLICY_SET.policies:
        # at least one failing and one passing case per policy
        assert tested.get(policy.package, 0) >= 2, f"{policy.meta.id} has too few Rego tests"


@pytest.mark.parametrize("policy", POLICY_SET.policies, ids=lambda p: p.meta.id)
def test_builtin_metadata_is_complete(policy: Any) -> None:
    meta = policy.meta
    assert Path(policy.file).parts[0] == meta.family, "a policy lives in its family folder"
    assert policy.package == f"gitops_compliance.{meta.family}.{meta.id.replace('-', '').lower()}"
    assert meta.title != meta.id and meta.description and meta.remediation
    assert meta.applies_to, "applies_to makes passed countable"
    for control in meta.controls:
        assert CONTROL_ID.match(control), f"{control} does not follow docs/policies.md"


def test_taggable_types_are_data() -> None:
    taggable = POLICY_SET.data["gitops_compliance"]["taggable"]
    types = {t for group in taggable.values() for t in group}
    assert "aws_s3_bucket" in types and "aws_s3_bucket_versioning" not in types
    gxp10 = POLICY_SET.by_id()["GXP-10"].meta
    assert types <= set(gxp10.applies_to) and "Namespace" in gxp10.applies_to


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_builtin_items_name_their_resource_and_file(path: Path) -> None:
    """docs/policies.md: every built-in item is built by lib.util.item, so it carries the
    address and the file of an input resource — the engine locates findings by both."""
    document = json.loads(path.read_text("utf-8"))
    where = {(r["address"], r["file"]) for r in document["resources"]}
    engine = POLICY_SET.new_engine()
    engine.add_data({"inventory": {"terraform": [], "kubernetes": []},
                     "gitops_compliance": {"params": DEFAULT_PARAMS}})
    engine.set_input(document)
    results = json.loads(engine.eval_rule_as_json(AGGREGATE_RULE))
    for policy, rules in zip(POLICY_SET.policies, results, strict=True):
        for item in (item for rule in rules for item in rule):
            assert isinstance(item, dict), f"{policy.meta.id}: {item!r}"
            assert (item["resource"], item["file"]) in where, f"{policy.meta.id}: {item!r}"
