"""The built-in Rego library: its unit tests (one pytest case per ``test_*`` rule, run by
regorus — how Rego tests run in CI) and the metadata every built-in policy must carry."""

from __future__ import annotations

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
from engine.params import DEFAULT_PARAMS
from engine.resources import policies_dir

REGO_DIR = policies_dir() / "rego"
POLICY_SET: PolicySet = load_policy_set([REGO_DIR], display_root=REGO_DIR)
CASES: tuple[RegoTestCase, ...] = rego_test_cases(POLICY_SET)
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
