"""The Checkov severity map: the shipped file, and what the loader refuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.evaluate.checkov.severity import (
    SeverityMapError,
    default_map_path,
    load_severity_map,
    parse_severity_map,
)
from engine.model import Severity

# POLICIES.md's Checkov column, verified against the pinned Checkov.
POLICIES_IDS = {
    "CKV_AWS_67": "GXP-01", "CKV_AWS_251": "GXP-01", "CKV_AWS_36": "GXP-02",
    "CKV_AWS_35": "GXP-03", "CKV_AWS_338": "GXP-05", "CKV_AWS_21": "GXP-06",
    "CKV_AWS_133": "GXP-07", "CKV_AWS_28": "GXP-07", "CKV_AWS_293": "GXP-08",
    "CKV_AWS_62": "IAM-01", "CKV_AWS_274": "IAM-01", "CKV2_AWS_40": "IAM-02",
    "CKV_AWS_355": "IAM-03", "CKV_AWS_356": "IAM-03", "CKV_AWS_286": "IAM-04",
    "CKV_AWS_60": "IAM-08", "CKV_AWS_61": "IAM-08", "CKV_K8S_49": "IAM-10",
    "CKV2_K8S_5": "IAM-12", "CKV_AWS_3": "ENC-02", "CKV_AWS_16": "ENC-02",
    "CKV_AWS_42": "ENC-02", "CKV_AWS_119": "ENC-02", "CKV_AWS_27": "ENC-02",
    "CKV_AWS_26": "ENC-02", "CKV_AWS_29": "ENC-02", "CKV_AWS_7": "ENC-02",
    "CKV_AWS_2": "ENC-03", "CKV_AWS_103": "ENC-03", "CKV_AWS_379": "ENC-03",
    "CKV_AZURE_44": "ENC-04", "CKV_AZURE_3": "ENC-04", "CKV_AWS_58": "ENC-07",
    "CKV_AWS_22": "ENC-07",
}
CRITICAL_ROWS = {"IAM-01", "IAM-08"}
MEDIUM_ROWS = {"GXP-08", "GXP-09", "ENC-02", "ENC-03", "ENC-04", "ENC-06", "ENC-07"}


def test_shipped_map_covers_the_policies_table() -> None:
    shipped = load_severity_map()
    for check_id, row in POLICIES_IDS.items():
        mapping = shipped.lookup(check_id)
        assert row in mapping.catalog, check_id
        expected = (Severity.CRITICAL if row in CRITICAL_ROWS
                    else Severity.MEDIUM if row in MEDIUM_ROWS else Severity.HIGH)
        assert mapping.severity is expected, check_id
        assert mapping.controls, check_id


def test_shipped_map_families_are_the_shipped_families() -> None:
    assert {m.family for m in load_severity_map().rows.values()} <= {"iam", "encryption", "gxp"}


def test_shipped_map_states_the_control_scheme() -> None:
    head = default_map_path().read_text(encoding="utf-8").splitlines()[:25]
    assert any("21CFR11.10(a)" in line for line in head)
    assert any("EUANNEX11-9" in line for line in head)


@pytest.mark.slow
def test_every_mapped_id_exists_in_the_installed_checkov() -> None:
    from engine.evaluate.checkov.offline import load_checkov

    load_checkov("terraform", "kubernetes")
    from checkov.common.checks_infra.registry import get_graph_checks_registry
    from checkov.kubernetes.checks.resource.registry import registry as kubernetes_registry
    from checkov.terraform.checks.data.registry import data_registry
    from checkov.terraform.checks.module.registry import module_registry
    from checkov.terraform.checks.provider.registry import provider_registry
    from checkov.terraform.checks.resource.registry import resource_registry

    known: set[str] = set()
    for registry in (resource_registry, data_registry, provider_registry, module_registry,
                     kubernetes_registry):
        for checks in registry.checks.values():
            known.update(check.id for check in checks)
    for framework in ("terraform", "kubernetes"):
        graph = get_graph_checks_registry(framework)
        graph.load_checks()
        known.update(check.id for check in graph.checks)
    missing = sorted(set(load_severity_map().rows) - known)
    assert missing == []


def test_unmapped_ids_default_to_medium() -> None:
    mapping = load_severity_map().lookup("CKV_NOT_A_CHECK_1")
    assert (mapping.severity, mapping.family, mapping.catalog, mapping.controls) == (
        Severity.MEDIUM, "checkov", (), ())


def row(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"id": "CKV_AWS_36", "severity": "high", "family": "gxp",
                              "catalog": ["GXP-02"], "controls": ["21CFR11.10(a)"]}
    values.update(changes)
    return values


@pytest.mark.parametrize(("rows", "message"), [
    ([row(severity="hgh")], "row 1 (CKV_AWS_36): unknown severity 'hgh'"),
    ([row(), row(id="CKV_AWS_35"), row()],
     "row 3 (CKV_AWS_36): duplicate id, already mapped in row 1"),
    ([row(id="aws-36")], "row 1: 'id' must be a Checkov check id"),
    ([row(colour="red")], "row 1 (CKV_AWS_36): unknown key 'colour'"),
    ([row(controls=["11.10(a)"])], "row 1 (CKV_AWS_36): 'controls' has a malformed id '11.10(a)'"),
    ([row(catalog=["gxp2"])], "row 1 (CKV_AWS_36): 'catalog' has a malformed id 'gxp2'"),
    ([row(family="GxP")], "row 1 (CKV_AWS_36): 'family' must be a lower-case name"),
    ([{"id": "CKV_AWS_36", "family": "gxp"}], "row 1 (CKV_AWS_36): missing 'severity'"),
    (["CKV_AWS_36"], "row 1: expected a mapping"),
])
def test_bad_rows_are_errors_naming_the_row(rows: list[Any], message: str) -> None:
    with pytest.raises(SeverityMapError) as raised:
        parse_severity_map({"version": 1, "checks": rows}, "map.yaml")
    assert message in str(raised.value)
    assert str(raised.value).startswith("map.yaml: ")


@pytest.mark.parametrize("document", [None, [], {"checks": []}, {"version": 2, "checks": []},
                                      {"version": 1, "checks": {}}, {"version": 1, "extra": 1}])
def test_bad_documents_are_errors(document: Any) -> None:
    with pytest.raises(SeverityMapError):
        parse_severity_map(document)


def test_unreadable_and_invalid_files_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(SeverityMapError, match=r"missing\.yaml: cannot read"):
        load_severity_map(missing)
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nchecks: [\n", encoding="utf-8")
    with pytest.raises(SeverityMapError, match=r"broken\.yaml: invalid YAML at line \d+"):
        load_severity_map(broken)


def test_engine_refuses_a_bad_map_at_construction(tmp_path: Path) -> None:
    from engine.evaluate.checkov import CheckovEngine

    bad = tmp_path / "map.yaml"
    bad.write_text("version: 1\nchecks:\n  - {id: CKV_AWS_36, severity: urgent, family: gxp}\n",
                   encoding="utf-8")
    with pytest.raises(SeverityMapError, match="unknown severity 'urgent'"):
        CheckovEngine(severity_map_path=bad)
