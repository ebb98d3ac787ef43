from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.evaluate.rego import PolicySet, RegoEvaluator, load_policy_set, unit_input
from engine.model import Engine, Resource, Severity, Status, Unit, UnitKind
from engine.params import DEFAULT_PARAMS
from engine.resources import policies_dir
from tests.evaluate.rego_helpers import policy, write
from tests.evaluate.synthetic import kubernetes_resources

TF_UNIT = Unit(UnitKind.TERRAFORM, "infra/storage", "infra/storage", ("infra/storage/main.tf",))
K8S_UNIT = Unit(UnitKind.KUBERNETES, "kubernetes", ".", ("k8s/app.yaml",))


def bucket(name: str, line: int, tags: dict[str, Any] | None = None, **extra: Any) -> Resource:
    return Resource(address=f"aws_s3_bucket.{name}", kind="terraform", type="aws_s3_bucket",
                    name=name, file="infra/storage/main.tf", line=line, config={"bucket": name},
                    extra={"mode": "managed", "module": "infra/storage", "provider": "aws",
                           "tags": tags if tags is not None else {}, **extra})


@pytest.fixture(scope="module")
def builtin() -> PolicySet:
    rego = policies_dir() / "rego"
    return load_policy_set([rego], display_root=rego)


def test_findings_carry_policy_resource_file_and_line(builtin: PolicySet) -> None:
    evaluator = RegoEvaluator(builtin, DEFAULT_PARAMS, {})
    result = evaluator.evaluate(TF_UNIT, [bucket("ok", 3, {
        "gxp-classification": "non-gxp", "system-owner": "a", "validation-status": "retired",
        "data-classification": "x", "cost-center": "y"}), bucket("logs", 17)])
    assert result.errors == ()
    [finding] = result.findings
    assert (finding.policy_id, finding.resource, finding.file, finding.line) == (
        "GXP-10", "aws_s3_bucket.logs", "infra/storage/main.tf", 17)
    assert finding.engine is Engine.REGO and finding.status is Status.FAILED
    assert finding.severity is Severity.HIGH and finding.blocking
    assert finding.unit == "infra/storage" and finding.attribute == "tags"
    assert finding.family == "gxp" and "21CFR11.10(a)" in finding.controls
    assert finding.remediation.startswith("Add the missing tags")
    assert result.applicable["GXP-10"] == ("aws_s3_bucket.logs", "aws_s3_bucket.ok")
    assert result.applicable["GPU-01"] == ()


def test_item_severity_overrides_metadata(builtin: PolicySet) -> None:
    tags = {"gxp-classification": "non-gxp", "system-owner": "a", "validation-status": "retired",
            "data-classification": "x"}
    result = RegoEvaluator(builtin, DEFAULT_PARAMS, {}).evaluate(TF_UNIT, [bucket("b", 1, tags)])
    assert [f.severity for f in result.findings] == [Severity.MEDIUM]


def test_params_reach_the_policies(builtin: PolicySet) -> None:
    params = {**DEFAULT_PARAMS, "required_tags": {"owner": None}}
    result = RegoEvaluator(builtin, params, {}).evaluate(
        TF_UNIT, [bucket("a", 1, {"owner": "me"}), bucket("b", 2)])
    assert [f.message for f in result.findings] == [
        "aws_s3_bucket.b is missing the required tag(s): owner"]


CUSTOM = {
    "a.rego": policy("t.a", policy_id="T-A",
                     applies_to="[aws_s3_bucket, data.aws_iam_policy_document]", body=(
                         "deny contains \"unit-level problem\" if input.kind == \"terraform\"\n\n"
                         "deny contains {\"msg\": \"named\", \"resource\": \"aws_s3_bucket.b\", "
                         "\"attribute\": \"acl\"} if true\n\n"
                         "violation contains {\"msg\": \"elsewhere\", "
                         "\"resource\": \"aws_kms_key.k\"} if true\n\n"
                         "warn contains {\"msg\": \"ghost\", \"resource\": \"aws_vpc.ghost\", "
                         "\"severity\": \"urgent\"} if true\n\n"
                         "warn contains {\"msg\": \"low\", \"resource\": \"aws_s3_bucket.b\", "
                         "\"severity\": \"low\"} if true\n\n"
                         "warn contains msg if {\n  count(data.inventory.terraform) == 2\n"
                         "  msg := sprintf(\"inventory has %d, gxp tag %s\", "
                         "[count(data.inventory.terraform), "
                         "data.gitops_compliance.params.gxp_tag])\n}\n")),
    "b.rego": policy("t.b", policy_id="T-B", applies_to="[\"*\"]", body=(
        "deny contains msg if {\n  input.unit == \"broken\"\n  n := 1 / count([])\n"
        "  msg := sprintf(\"%v\", [n])\n}\n\n"
        "deny contains \"b ran\" if input.unit != \"broken\"\n")),
}


@pytest.fixture
def custom(tmp_path: Path) -> PolicySet:
    write(tmp_path, CUSTOM)
    return load_policy_set([tmp_path], display_root=tmp_path)


def _inventory() -> dict[str, Any]:
    return {"terraform": [
        {"address": "aws_kms_key.k", "file": "infra/keys/main.tf", "line": 9},
        {"address": "aws_vpc.ghost", "file": "infra/a/main.tf", "line": 1},
    ]}


def test_item_shapes_and_locations(custom: PolicySet) -> None:
    evaluator = RegoEvaluator(custom, {"gxp_tag": "gxp-classification"}, _inventory())
    result = evaluator.evaluate(TF_UNIT, [bucket("b", 5)])
    got = {(f.policy_id, f.message): f for f in result.findings}
    unit_level = got[("T-A", "unit-level problem")]
    assert (unit_level.resource, unit_level.file, unit_level.line) == ("", "infra/storage", 0)
    named = got[("T-A", "named")]
    assert (named.resource, named.attribute, named.file, named.line) == (
        "aws_s3_bucket.b", "acl", "infra/storage/main.tf", 5)
    elsewhere = got[("T-A", "elsewhere")]  # not in the unit: found through the inventory
    assert (elsewhere.file, elsewhere.line, elsewhere.blocking) == ("infra/keys/main.tf", 9, True)
    low = got[("T-A", "low")]
    assert (low.severity, low.blocking) == (Severity.LOW, False)
    ghost = got[("T-A", "ghost")]  # bad severity: metadata severity, and a policy error
    assert ghost.severity is Severity.HIGH
    assert [e.code for e in result.errors] == ["policy-error"]
    assert "unknown severity 'urgent'" in result.errors[0].message
    assert ("T-A", "inventory has 2, gxp tag gxp-classification") in got


def test_unknown_resource_falls_back_to_unit_directory(custom: PolicySet) -> None:
    result = RegoEvaluator(custom, {}, {}).evaluate(TF_UNIT, [bucket("b", 5)])
    elsewhere = next(f for f in result.findings if f.message == "elsewhere")
    assert (elsewhere.resource, elsewhere.file, elsewhere.line) == (
        "aws_kms_key.k", "infra/storage", 0)


def test_applicable_resources(custom: PolicySet) -> None:
    document = Resource(address="data.aws_iam_policy_document.d", kind="terraform",
                        type="aws_iam_policy_document", name="d", file="infra/storage/iam.tf",
                        line=1, config={}, extra={"mode": "data"})
    other = Resource(address="aws_vpc.v", kind="terraform", type="aws_vpc", name="v",
                     file="infra/storage/main.tf", line=30, config={}, extra={"mode": "managed"})
    result = RegoEvaluator(custom, {}, _inventory()).evaluate(
        TF_UNIT, [bucket("b", 5), document, other])
    # applies_to matches, plus every resource the policy reported
    assert result.applicable["T-A"] == ("aws_kms_key.k", "aws_s3_bucket.b", "aws_vpc.ghost",
                                        "data.aws_iam_policy_document.d")
    assert result.applicable["T-B"] == ("aws_s3_bucket.b", "aws_vpc.v",
                                        "data.aws_iam_policy_document.d")


def test_runtime_error_in_one_unit_does_not_stop_another(custom: PolicySet) -> None:
    evaluator = RegoEvaluator(custom, {}, {})
    broken = Unit(UnitKind.TERRAFORM, "broken", "infra/broken", ())
    bad = evaluator.evaluate(broken, [bucket("b", 5)])
    [error] = [e for e in bad.errors if e.code == "engine-error"]
    assert (error.code, error.unit) == ("engine-error", "broken")
    assert "policy T-B failed" in error.message and "divide by zero" in error.message
    assert "b.rego:" in error.message and "Stack backtrace" not in error.message
    assert "T-B" not in bad.applicable  # not evaluated: nothing may count as passed
    assert {f.policy_id for f in bad.findings} == {"T-A"}  # the healthy policy still reports
    good = evaluator.evaluate(TF_UNIT, [bucket("b", 5)])
    assert {e.code for e in good.errors} == {"policy-error"}  # only T-A's bad severity
    assert "b ran" in {f.message for f in good.findings}


def test_results_are_deterministic_and_units_isolated(builtin: PolicySet) -> None:
    resources = kubernetes_resources(60)
    evaluator = RegoEvaluator(builtin, DEFAULT_PARAMS, {})
    first = evaluator.evaluate(K8S_UNIT, resources)
    evaluator.evaluate(K8S_UNIT, resources[:5])
    again = evaluator.evaluate(K8S_UNIT, resources)
    fresh = RegoEvaluator(builtin, DEFAULT_PARAMS, {}).evaluate(K8S_UNIT, resources)
    assert first == again == fresh
    assert list(first.findings) == sorted(first.findings, key=lambda f: f.sort_key())
    assert len(first.findings) > 20


def test_unconvertible_input_is_an_engine_error(builtin: PolicySet) -> None:
    weird = Resource(address="ConfigMap/a/b", kind="kubernetes", type="ConfigMap", name="b",
                     file="k8s/app.yaml", line=1, config={"data": {"when": object()}})
    result = RegoEvaluator(builtin, DEFAULT_PARAMS, {}).evaluate(K8S_UNIT, [weird])
    assert [e.code for e in result.errors] == ["engine-error"]
    assert result.findings == ()


@pytest.mark.parametrize(("kind", "expected"), [
    (UnitKind.TERRAFORM_PLAN, "terraform"), (UnitKind.HELM, "kubernetes"),
    (UnitKind.KUSTOMIZE, "kubernetes"), (UnitKind.KUBERNETES, "kubernetes"),
])
def test_unit_input_kind(kind: UnitKind, expected: str) -> None:
    document = unit_input(Unit(kind, "u", "d", ()), [])
    assert document == {"contract_version": 1, "kind": expected, "unit": "u", "resources": []}


def test_throughput_on_a_thousand_objects(builtin: PolicySet) -> None:
    """~0.2 s here; the bound only catches pathological regressions (e.g. a policy that
    references a whole data subtree and so evaluates every package)."""
    import time

    resources = kubernetes_resources(1000)
    evaluator = RegoEvaluator(builtin, DEFAULT_PARAMS, {"kubernetes": [
        r.to_input() for r in resources]})
    started = time.perf_counter()
    result = evaluator.evaluate(K8S_UNIT, resources)
    elapsed = time.perf_counter() - started
    assert result.errors == () and len(result.findings) > 500
    assert elapsed < 3.0, f"{len(resources) / elapsed:.0f} resources/s"
