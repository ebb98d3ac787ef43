"""The library's four sources agree: Rego METADATA, the Checkov map, the catalog rows and
the control catalogs (both directions), and every shipped policy maps to a clause or says
it is not regulatory."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from engine.evaluate.checkov.severity import CheckMapping, load_severity_map
from engine.evaluate.rego import load_policy_set
from engine.library.consistency import Library, library_problems, missing_rego_rows
from engine.library.controls import all_controls
from engine.library.rows import load_catalog_rows
from engine.library.sources import build_library
from engine.library.yamlfile import LibraryFileError
from engine.model import PolicyMeta, Severity
from engine.resources import policies_dir

REGO_DIR = policies_dir() / "rego"
POLICY_SET = load_policy_set([REGO_DIR], display_root=REGO_DIR)
LIBRARY = build_library(POLICY_SET.metas)
# POLICIES.md, every row id.
POLICIES_ROWS = ([f"GXP-{n:02d}" for n in range(1, 12)] + [f"IAM-{n:02d}" for n in range(1, 13)]
                 + [f"ENC-{n:02d}" for n in range(1, 8)] + [f"GPU-{n:02d}" for n in range(1, 8)])


def test_the_catalog_rows_are_the_rows_of_policies_md() -> None:
    assert [r.id for r in LIBRARY.rows] == POLICIES_ROWS


def test_the_built_in_library_is_consistent() -> None:
    assert library_problems(LIBRARY, regulatory=[m.id for m in POLICY_SET.metas]) == []


def test_every_rego_row_is_implemented() -> None:
    assert missing_rego_rows(LIBRARY) == []


@pytest.mark.parametrize("meta", POLICY_SET.metas, ids=lambda m: m.id)
def test_every_shipped_rego_policy_maps_to_a_control_or_is_not_regulatory(
        meta: PolicyMeta) -> None:
    assert bool(meta.controls) == meta.regulatory
    known = all_controls(LIBRARY.regulations)
    assert all(c in known for c in meta.controls)


def test_gpu_policies_are_operational_not_regulatory() -> None:
    gpu = [m for m in POLICY_SET.metas if m.family == "gpu"]
    assert gpu and all(not m.regulatory and not m.controls for m in gpu)


def test_every_checkov_map_row_maps_to_a_known_control() -> None:
    known = all_controls(LIBRARY.regulations)
    for check_id, mapping in load_severity_map().rows.items():
        assert mapping.controls, check_id
        assert set(mapping.controls) <= set(known), check_id


def test_every_policy_id_a_catalog_references_exists() -> None:
    """Rows resolve through the catalog rows (a Checkov row through the map's catalog);
    other ids must be mapped Checkov ids."""
    for control in all_controls(LIBRARY.regulations).values():
        for policy_id in control.policies:
            assert policy_id in POLICIES_ROWS or policy_id in LIBRARY.checkov, (control.id,
                                                                               policy_id)
    for row in LIBRARY.rows:
        if "checkov" in row.engines:
            assert LIBRARY.checkov_ids_of(row.id), row.id


def _with(**changes: object) -> Library:
    return dataclasses.replace(LIBRARY, **changes)  # type: ignore[arg-type]


def test_a_claim_the_catalog_does_not_list_is_a_problem() -> None:
    gxp10 = LIBRARY.rego["GXP-10"]
    claiming = dataclasses.replace(gxp10, controls=(*gxp10.controls, "EUANNEX11-13"))
    problems = library_problems(_with(rego={**LIBRARY.rego, "GXP-10": claiming}))
    assert problems == ["EUANNEX11-13: GXP-10 claims it, but the control catalog does not "
                        "list GXP-10"]


def test_a_listing_the_policy_does_not_claim_is_a_problem() -> None:
    gxp10 = LIBRARY.rego["GXP-10"]
    dropped = dataclasses.replace(gxp10, controls=tuple(c for c in gxp10.controls
                                                        if c != "EUANNEX11-1"))
    problems = library_problems(_with(rego={**LIBRARY.rego, "GXP-10": dropped}))
    assert problems == ["EUANNEX11-1: lists GXP-10, which does not claim it"]


def test_unknown_rows_controls_and_missing_controls_are_problems() -> None:
    checkov = dict(LIBRARY.checkov)
    checkov["CKV_AWS_36"] = CheckMapping(Severity.HIGH, "gxp", ("GXP-99",), ("21CFR11.99",))
    checkov["CKV_AWS_999"] = CheckMapping(Severity.MEDIUM, "gxp")
    gpu01 = dataclasses.replace(LIBRARY.rego["GPU-01"], regulatory=True)
    problems = library_problems(_with(checkov=checkov, rego={**LIBRARY.rego, "GPU-01": gpu01}),
                                regulatory=["GPU-01"])
    assert "GPU-01: maps to no control; add controls or mark it regulatory: false" in problems
    assert "CKV_AWS_36: catalog row GXP-99 does not exist" in problems
    assert "CKV_AWS_36: control 21CFR11.99 is in no control catalog" in problems
    assert "CKV_AWS_999: the Checkov map gives it no control" in problems
    assert "GXP-02: the checkov engine is listed, but no Checkov id is mapped to the row" in \
        problems


def test_severity_of_a_row_and_its_checkov_ids_agree() -> None:
    checkov = dict(LIBRARY.checkov)
    checkov["CKV_AWS_36"] = dataclasses.replace(checkov["CKV_AWS_36"], severity=Severity.LOW)
    assert library_problems(_with(checkov=checkov)) == [
        "CKV_AWS_36: severity/family low/gxp differ from row GXP-02 (high/gxp)"]


@pytest.mark.parametrize(("row", "message"), [
    ("{id: GXP-1, family: gxp, severity: high, engines: [rego], title: T}",
     "row id 'GXP-1' is not of the form GXP-01"),
    ("{id: GXP-01, family: gxp, severity: high, engines: [opa], title: T}",
     "row GXP-01: engines must be a non-empty subset of checkov, rego, report"),
    ("{id: GXP-11, family: gxp, severity: info, engines: [report], title: T}",
     "row GXP-11: a report row raises no findings and has no severity"),
    ("{id: GXP-01, family: gxp, severity: high, engines: [rego], title: T, "
     "controls: [\"21CFR11.10(e)\"]}", "row GXP-01: controls belong in the METADATA"),
    ("{id: GXP-01, family: gxp, severity: urgent, engines: [rego], title: T}",
     "row GXP-01: unknown severity 'urgent'"),
])
def test_bad_catalog_rows_are_errors_naming_the_line(tmp_path: Path, row: str,
                                                     message: str) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(f"version: 1\nrows:\n  - {row}\n", encoding="utf-8")
    with pytest.raises(LibraryFileError) as raised:
        load_catalog_rows(path)
    assert f"{path}:3: {message}" in str(raised.value)
