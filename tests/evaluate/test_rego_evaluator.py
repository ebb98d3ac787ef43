from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.evaluate.rego import PolicySet, RegoEvaluator, load_policy_set, unit_input
from engine.evaluate.rego.evaluator import UnitEvaluation, resource_key
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
    # GXP-10's findings only: whole-scope rules (GXP-01) also speak about a bare bucket.
    [finding] = [f for f in result.findings if f.policy_id == "GXP-10"]
    assert (finding.policy_id, finding.resource, finding.file, finding.line) == (
        "GXP-10", "aws_s3_bucket.logs", "infra/storage/main.tf", 17)
    assert finding.engine is Engine.REGO and finding.status is Status.FAILED
    assert finding.severity is Severity.HIGH and finding.blocking
    assert finding.unit == "infra/storage" and finding.attribute == "tags"
    assert finding.family == "gxp" and "21CFR11.10(a)" in finding.controls
    assert finding.remediation.startswith("Add the missing tags")
    assert result.applicable["GXP-10"] == ("aws_s3_bucket.logs@infra/storage/main.tf",
                                           "aws_s3_bucket.ok@infra/storage/main.tf")
    assert result.applicable["GPU-01"] == ()


def test_item_severity_overrides_metadata(builtin: PolicySet) -> None:
    tags = {"gxp-classification": "non-gxp", "system-owner": "a", "validation-status": "retired",
            "data-classification": "x"}
    result = RegoEvaluator(builtin, DEFAULT_PARAMS, {}).evaluate(TF_UNIT, [bucket("b", 1, tags)])
    assert [f.severity for f in result.findings if f.policy_id == "GXP-10"] == [Severity.MEDIUM]


def test_params_reach_the_policies(builtin: PolicySet) -> None:
    params = {**DEFAULT_PARAMS, "required_tags": {"owner": None}}
    result = RegoEvaluator(builtin, params, {}).evaluate(
        TF_UNIT, [bucket("a", 1, {"owner": "me"}), bucket("b", 2)])
    assert [f.message for f in result.findings if f.policy_id == "GXP-10"] == [
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
    [problem] = result.errors
    assert (problem.code, problem.file, problem.line, problem.unit) == (
        "policy-error", "a.rego", 0, "infra/storage")
    assert "T-A" in problem.message and "unknown severity 'urgent'" in problem.message
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
    # applies_to matches, plus every resource the policy reported, keyed where it was located
    assert result.applicable["T-A"] == ("aws_kms_key.k@infra/keys/main.tf",
                                        "aws_s3_bucket.b@infra/storage/main.tf",
                                        "aws_vpc.ghost@infra/a/main.tf",
                                        "data.aws_iam_policy_document.d@infra/storage/iam.tf")
    assert result.applicable["T-B"] == ("aws_s3_bucket.b@infra/storage/main.tf",
                                        "aws_vpc.v@infra/storage/main.tf",
                                        "data.aws_iam_policy_document.d@infra/storage/iam.tf")


def test_runtime_error_in_one_unit_does_not_stop_another(custom: PolicySet) -> None:
    evaluator = RegoEvaluator(custom, {}, {})
    broken = Unit(UnitKind.TERRAFORM, "broken", "infra/broken", ())
    bad = evaluator.evaluate(broken, [bucket("b", 5)])
    [error] = [e for e in bad.errors if e.code == "engine-error"]
    failing_line = CUSTOM["b.rego"].splitlines().index("  n := 1 / count([])") + 1
    assert (error.code, error.unit, error.file, error.line) == (
        "engine-error", "broken", "b.rego", failing_line)
    assert "policy T-B failed" in error.message and "divide by zero" in error.message
    assert f"b.rego:{failing_line}:" in error.message
    assert "Stack backtrace" not in error.message
    assert "T-B" not in bad.applicable  # not evaluated: nothing may count as passed
    assert {f.policy_id for f in bad.findings} == {"T-A"}  # the healthy policy still reports
    good = evaluator.evaluate(TF_UNIT, [bucket("b", 5)])
    assert {e.code for e in good.errors} == {"policy-error"}  # only T-A's bad severity
    assert "b ran" in {f.message for f in good.findings}


def test_library_failure_names_the_policy_file(tmp_path: Path) -> None:
    write(tmp_path, {
        "lib/m.rego": "package t.lib.m\n\nratio(x) := 1 / x\n",
        "c.rego": policy("t.c", policy_id="T-C", body=(
            "deny contains msg if {\n  input.unit == \"broken\"\n"
            "  msg := sprintf(\"%v\", [data.t.lib.m.ratio(0)])\n}\n")),
    })
    policy_set = load_policy_set([tmp_path], display_root=tmp_path)
    result = RegoEvaluator(policy_set, {}, {}).evaluate(
        Unit(UnitKind.TERRAFORM, "broken", "infra/broken", ()), [])
    [error] = result.errors
    # the failing policy's file; its line is unknown (the failure is in the library,
    # which the message names with its own line)
    assert (error.code, error.file, error.line) == ("engine-error", "c.rego", 0)
    assert "policy T-C failed: lib/m.rego:3:" in error.message


def _manifest(kind: str, name: str, file: str, line: int, **config: Any) -> Resource:
    namespaced = kind != "Namespace"
    return Resource(
        address=f"{kind}/app/{name}" if namespaced else f"{kind}/{name}", kind="kubernetes",
        type=kind, name=name, file=file, line=line,
        config={"apiVersion": "v1", "kind": kind, "metadata": {"name": name}, **config},
        extra={"api_version": "v1", "namespace": "app" if namespaced else None})


REDACTED = {"$redacted": True}
LABELS = {"gxp-classification": "gxp-critical", "system-owner": "qa", "validation-status":
          "validated", "data-classification": "internal", "cost-center": "cc-1"}


def _deployment(file: str, line: int, labels: dict[str, Any], gpus: Any) -> Resource:
    container = {"name": "main", "image": "web:1",
                 "resources": {"limits": {"nvidia.com/gpu": gpus}}}
    return _manifest("Deployment", "web", file, line, spec={"template": {
        "metadata": {"labels": labels}, "spec": {"containers": [container]}}})


def _inventory_of(resources: list[Resource]) -> dict[str, Any]:
    return {"terraform": [], "kubernetes": [r.to_input() for r in resources]}


def _located(result: UnitEvaluation) -> set[tuple[str, str, str, int, str]]:
    return {(f.policy_id, f.resource, f.file, f.line, f.attribute) for f in result.findings}


def _passed(result: UnitEvaluation, policy_id: str) -> set[str]:
    """What the pipeline computes: passed = applicable - failed (UnitEvaluation's docs)."""
    failed = {resource_key(f.resource, f.file) for f in result.findings
              if f.policy_id == policy_id and f.resource}
    return set(result.applicable[policy_id]) - failed


@pytest.mark.parametrize("reverse", [False, True], ids=["good-first", "bad-first"])
def test_finding_lands_on_the_copy_that_fails(builtin: PolicySet, reverse: bool) -> None:
    """envs/dev and envs/prod hold the same objects: the finding is on the bad copy's file
    and line, whichever comes first in the unit or the inventory."""
    good = _manifest("Secret", "s", "k8s/a-good.yaml", 1)
    bad = _manifest("Secret", "s", "k8s/b-bad.yaml", 3, data={"password": REDACTED})
    resources = [bad, good] if reverse else [good, bad]
    result = RegoEvaluator(builtin, DEFAULT_PARAMS, _inventory_of(resources)).evaluate(
        K8S_UNIT, resources)
    assert result.errors == ()
    assert _located(result) == {("ENC-05", "Secret/app/s", "k8s/b-bad.yaml", 3, "data")}
    assert result.applicable["ENC-05"] == ("Secret/app/s@k8s/a-good.yaml",
                                           "Secret/app/s@k8s/b-bad.yaml")
    assert _passed(result, "ENC-05") == {"Secret/app/s@k8s/a-good.yaml"}


def test_two_bad_copies_are_two_findings(builtin: PolicySet) -> None:
    """Identical items about two copies stay two findings, each with its own location."""
    dev = _manifest("Secret", "s", "envs/dev/app.yaml", 4, data={"password": REDACTED})
    prod = _manifest("Secret", "s", "envs/prod/app.yaml", 9, data={"password": REDACTED})
    result = RegoEvaluator(builtin, DEFAULT_PARAMS, _inventory_of([dev, prod])).evaluate(
        K8S_UNIT, [dev, prod])
    assert _located(result) == {
        ("ENC-05", "Secret/app/s", "envs/dev/app.yaml", 4, "data"),
        ("ENC-05", "Secret/app/s", "envs/prod/app.yaml", 9, "data"),
    }
    assert len(result.findings) == 2
    assert result.applicable["ENC-05"] == ("Secret/app/s@envs/dev/app.yaml",
                                           "Secret/app/s@envs/prod/app.yaml")
    assert _passed(result, "ENC-05") == set()


LOCATING = {"l.rego": policy("t.l", policy_id="T-L", applies_to="[Secret]", body=(
    "deny contains {\"msg\": \"by address\", \"resource\": \"Secret/app/s\"} if true\n\n"
    "deny contains {\"msg\": \"by file\", \"resource\": \"Secret/app/s\", "
    "\"file\": \"k8s/b.yaml\"} if true\n\n"
    "deny contains {\"msg\": \"stray file\", \"resource\": \"Secret/app/s\", "
    "\"file\": \"k8s/gone.yaml\"} if true\n\n"
    "deny contains {\"msg\": \"in scope\", \"resource\": \"Secret/other/t\", "
    "\"file\": \"other/z.yaml\"} if true\n\n"
    "deny contains {\"msg\": \"scope by address\", \"resource\": \"Secret/other/t\"} if true\n\n"
    "warn contains {\"msg\": \"odd file\", \"resource\": \"Secret/app/s\", \"file\": 3} if true\n"
))}


@pytest.mark.parametrize("reverse", [False, True], ids=["given-order", "reversed"])
def test_items_are_located_by_address_and_file(tmp_path: Path, reverse: bool) -> None:
    write(tmp_path, LOCATING)
    policy_set = load_policy_set([tmp_path], display_root=tmp_path)
    resources = [_manifest("Secret", "s", "k8s/b.yaml", 7),
                 _manifest("Secret", "s", "k8s/b.yaml", 2),
                 _manifest("Secret", "s", "k8s/a.yaml", 5)]
    others = [{"address": "Secret/other/t", "file": f, "line": n}
              for f, n in (("other/z.yaml", 8), ("other/y.yaml", 6))]
    if reverse:
        resources.reverse()
        others.reverse()
    inventory = {"kubernetes": [*(r.to_input() for r in resources), *others]}
    result = RegoEvaluator(policy_set, {}, inventory).evaluate(
        Unit(UnitKind.KUBERNETES, "kubernetes", "k8s", ()), resources)
    got = {f.message: (f.file, f.line) for f in result.findings}
    assert got == {
        "by address": ("k8s/a.yaml", 5),        # ambiguous, no file: first in (file, line)
        "by file": ("k8s/b.yaml", 2),           # that file; its lowest line
        "stray file": ("k8s/gone.yaml", 0),     # a file the address is not in: line unknown
        "in scope": ("other/z.yaml", 8),        # outside the unit: the inventory's entry
        "scope by address": ("other/y.yaml", 6),
        "odd file": ("k8s/a.yaml", 5),          # not a string: by address, and reported
    }
    [problem] = result.errors
    assert (problem.code, problem.file) == ("policy-error", "l.rego")
    assert "file is not a string (3)" in problem.message
    assert result.applicable["T-L"] == (
        "Secret/app/s@k8s/a.yaml", "Secret/app/s@k8s/b.yaml", "Secret/app/s@k8s/gone.yaml",
        "Secret/other/t@other/y.yaml", "Secret/other/t@other/z.yaml")


def _scope() -> list[Resource]:
    """envs/dev and envs/prod holding the same objects, each copy failing differently."""
    return [
        _manifest("Secret", "s", "envs/dev/app.yaml", 1, data={"password": REDACTED}),
        _manifest("Secret", "s", "envs/prod/app.yaml", 1, data={}),
        _deployment("envs/dev/app.yaml", 10, LABELS, "0.5"),
        _deployment("envs/prod/app.yaml", 10, {"app": "web"}, 1),
        _manifest("Namespace", "app", "envs/dev/ns.yaml", 1,
                  metadata={"name": "app", "labels": LABELS}),
        _manifest("ConfigMap", "c", "envs/dev/app.yaml", 30, data={"k": "v"}),
    ]


EXPECTED = {
    ("ENC-05", "Secret/app/s", "envs/dev/app.yaml", 1, "data"),
    ("GPU-01", "Deployment/app/web", "envs/dev/app.yaml", 10,
     "spec.template.spec.containers[0].resources.limits[\"nvidia.com/gpu\"]"),
    ("GXP-10", "Deployment/app/web", "envs/prod/app.yaml", 10, "spec.template.metadata.labels"),
    # the prod copy asks for a whole GPU: namespace app has no allocation nor GPU quota, and
    # the pod neither tolerates the GPU taint nor selects GPU nodes
    ("GPU-03", "Namespace/app", "envs/dev/ns.yaml", 1, "gpu_namespace_allocations[\"app\"]"),
    ("GPU-03", "Namespace/app", "envs/dev/ns.yaml", 1,
     "ResourceQuota.spec.hard[\"requests.nvidia.com/gpu\"]"),
    ("GPU-04", "Deployment/app/web", "envs/prod/app.yaml", 10, "spec.template.spec.tolerations"),
    ("GPU-04", "Deployment/app/web", "envs/prod/app.yaml", 10,
     "spec.template.spec.nodeSelector"),
}


def test_results_are_deterministic_and_units_isolated(builtin: PolicySet) -> None:
    resources = _scope()
    evaluator = RegoEvaluator(builtin, DEFAULT_PARAMS, _inventory_of(resources))
    first = evaluator.evaluate(K8S_UNIT, resources)
    assert first.errors == ()
    assert _located(first) == EXPECTED
    assert _passed(first, "GXP-10") == {"Deployment/app/web@envs/dev/app.yaml",
                                        "Namespace/app@envs/dev/ns.yaml"}
    assert _passed(first, "GPU-01") == {"Deployment/app/web@envs/prod/app.yaml"}

    # another unit in between leaves nothing behind
    assert evaluator.evaluate(K8S_UNIT, resources[1:2]).findings == ()
    assert evaluator.evaluate(K8S_UNIT, resources) == first
    # a fresh evaluator given the inventory and the unit's resources in another order
    shuffled = resources[::-1]
    again = RegoEvaluator(builtin, DEFAULT_PARAMS, _inventory_of(shuffled)).evaluate(
        K8S_UNIT, shuffled)
    assert again == first
    assert list(first.findings) == sorted(first.findings, key=lambda f: f.sort_key())


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


def test_large_scope_findings_sit_on_their_resources(builtin: PolicySet) -> None:
    """A thousand objects (unique addresses): every finding is at its resource's file and
    line, about a type its policy applies to, and ENC-05 flags exactly the Secrets with
    data. Run time is measured by bench/, not here."""
    resources = kubernetes_resources(1000)
    result = RegoEvaluator(builtin, DEFAULT_PARAMS, _inventory_of(resources)).evaluate(
        K8S_UNIT, resources)
    assert result.errors == ()
    by_address = {r.address: r for r in resources}
    metas = builtin.by_id()
    for finding in result.findings:
        resource = by_address[finding.resource]
        assert (finding.file, finding.line) == (resource.file, resource.line)
        assert resource.type in metas[finding.policy_id].meta.applies_to
    with_data = {r.address for r in resources if r.type == "Secret" and r.config.get("data")}
    assert {f.resource for f in result.findings if f.policy_id == "ENC-05"} == with_data
    assert {f.policy_id for f in result.findings} == {"ENC-05", "GPU-01", "GPU-03", "GPU-04",
                                                      "GPU-05", "GPU-06", "GXP-10"}
