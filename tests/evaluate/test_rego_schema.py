"""engine/schemas/input-v1.json: a valid 2020-12 schema that the fixtures and the
evaluator's input documents satisfy, and that rejects what the contract rules out."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from engine.evaluate.rego import unit_input
from engine.model import Unit, UnitKind
from engine.resources import schemas_dir
from tests.evaluate.synthetic import kubernetes_resources

FIXTURES = sorted((Path(__file__).parent.parent / "fixtures" / "rego").glob("*.json"))
SCHEMA: dict[str, Any] = json.loads((schemas_dir() / "input-v1.json").read_text("utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def test_schema_is_valid_and_versioned() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$id"] == "urn:gitops-compliance:schema:input:1"
    assert SCHEMA["version"] == 1
    assert SCHEMA["properties"]["contract_version"] == {"const": 1}


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixture_inputs_are_valid(path: Path) -> None:
    VALIDATOR.validate(json.loads(path.read_text("utf-8")))


def test_evaluator_input_is_valid() -> None:
    unit = Unit(UnitKind.HELM, "chart:charts/x@values.yaml", "charts/x", ())
    VALIDATOR.validate(unit_input(unit, kubernetes_resources(30)))


def _fixture(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (FIXTURES[0].parent / f"{name}.json").read_text("utf-8"))
    return document


def _storage() -> dict[str, Any]:
    return _fixture("terraform-storage")


def _k8s() -> dict[str, Any]:
    return _fixture("kubernetes-ml")


def _break(document: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    broken = copy.deepcopy(document)
    node: Any = broken
    for step in path[:-1]:
        node = node[step]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return broken


@pytest.mark.parametrize(("make", "path", "value"), [
    (_storage, ["contract_version"], 2),
    (_storage, ["contract_version"], KeyError),
    (_storage, ["kind"], "helm"),
    (_storage, ["extra"], True),
    (_storage, ["resources", 1, "line"], -1),
    (_storage, ["resources", 1, "config"], KeyError),
    (_storage, ["resources", 1, "tags"], ["a"]),
    (_storage, ["resources", 1, "tags"], {"$unknown": "x", "owner": "y"}),
    (_storage, ["resources", 1, "mode"], "resource"),
    (_storage, ["resources", 1, "api_version"], "v1"),  # a Kubernetes key on Terraform
    (_storage, ["resources", 8, "iam_policies", 0, "statements", 0, "Action"], "kms:*"),
    (_storage, ["resources", 8, "iam_policies", 0, "statements", 0, "Effect"], ["Allow"]),
    (_k8s, ["resources", 0, "iam_policies"], []),  # a Terraform key on Kubernetes
    (_k8s, ["resources", 0, "namespace"], 3),
])
def test_contract_violations_are_rejected(make: Any, path: list[Any], value: Any) -> None:
    assert not VALIDATOR.is_valid(_break(make(), path, value))


def test_rendered_chart_input_is_valid(tmp_path: Path) -> None:
    from tests.helm_helpers import render_all, scorer_repo

    root = scorer_repo(tmp_path / "repo", descriptors=True)
    found, helm = render_all(root)
    units = {u.identity: u for u in (*found.units, *helm.units)}
    assert len(helm.resources) == 4
    for identity, resources in helm.resources.items():
        document = unit_input(units[identity], resources)
        assert document["kind"] == "kubernetes" and document["unit"] == identity
        VALIDATOR.validate(document)
