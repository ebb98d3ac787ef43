"""The control catalogs: every clause of 21 CFR Part 11 subpart B and EU GMP Annex 11, with
well-formed ids, a coverage that agrees with the listed policies, and clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.library.controls import (
    all_controls,
    control_sort_key,
    controls_dir,
    load_control_catalogs,
)
from engine.library.yamlfile import LibraryFileError

REGULATIONS = load_control_catalogs()
CONTROLS = all_controls(REGULATIONS)
# docs/policies.md: 21CFR11.<section>[(<paragraph>)[(<item>)]], EUANNEX11-<section>[.<sub>]
SCHEME = re.compile(r"^(21CFR11\.(10|30|50|70)(\([a-k]\)(\(\d\))?)?|EUANNEX11-(P|\d+(\.\d+)?))$")
CFR_CLAUSES = {f"21CFR11.10({p})" for p in "abcdefghijk"} | {
    "21CFR11.10(k)(1)", "21CFR11.10(k)(2)", "21CFR11.30", "21CFR11.50", "21CFR11.70"}
ANNEX_CLAUSES = ({"EUANNEX11-P"} | {f"EUANNEX11-{n}" for n in range(1, 18)}
                 | {f"EUANNEX11-3.{n}" for n in range(1, 5)}
                 | {f"EUANNEX11-4.{n}" for n in range(1, 9)}
                 | {"EUANNEX11-7.1", "EUANNEX11-7.2", "EUANNEX11-8.1", "EUANNEX11-8.2"}
                 | {f"EUANNEX11-12.{n}" for n in range(1, 5)})


def test_every_clause_of_both_regulations_is_in_a_catalog() -> None:
    by_regulation = {r.id: {c.id for c in r.controls} for r in REGULATIONS}
    assert by_regulation == {"21CFR11": CFR_CLAUSES, "EUANNEX11": ANNEX_CLAUSES}


@pytest.mark.parametrize("control_id", sorted(CONTROLS))
def test_control_is_well_formed(control_id: str) -> None:
    control = CONTROLS[control_id]
    assert SCHEME.match(control.id)
    assert control.title and control.description and "\n" not in control.description
    assert control.coverage in ("automated", "partial", "procedural")
    assert (control.coverage == "procedural") == (
        not control.policies and not any(c.policies for c in CONTROLS.values()
                                         if c.parent == control.id))


def test_catalogs_are_in_document_order() -> None:
    for regulation in REGULATIONS:
        ids = [c.id for c in regulation.controls]
        assert ids == sorted(ids, key=control_sort_key)
    assert control_sort_key("21CFR11.10(k)(2)") < control_sort_key("21CFR11.30")
    assert control_sort_key("EUANNEX11-P") < control_sort_key("EUANNEX11-1")
    assert control_sort_key("EUANNEX11-9") < control_sort_key("EUANNEX11-12.4")


def test_procedural_clauses_are_the_ones_iac_cannot_evidence() -> None:
    procedural = {c.id for c in CONTROLS.values() if c.coverage == "procedural"}
    assert {"21CFR11.10(i)", "21CFR11.10(j)", "21CFR11.50", "21CFR11.70",
            "EUANNEX11-2", "EUANNEX11-14", "EUANNEX11-15"} <= procedural
    assert CONTROLS["21CFR11.10(e)"].coverage == "automated"
    assert "GXP-01" in CONTROLS["21CFR11.10(e)"].policies


def _catalog(tmp_path: Path, body: str, name: str = "reg.yaml") -> Path:
    folder = tmp_path / "controls"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(
        "version: 1\nregulation: {id: 21CFR11, name: Part 11}\ncontrols:\n" + body,
        encoding="utf-8")
    return folder


GOOD = ("  - {id: \"21CFR11.10(a)\", title: Validation, description: Validated., "
        "coverage: partial, policies: [GXP-10]}\n")


@pytest.mark.parametrize(("body", "message"), [
    ("  - {id: \"11.10(a)\", title: T, description: D, coverage: partial, policies: [X-1]}\n",
     "reg.yaml:4: control id '11.10(a)' does not follow the scheme"),
    ("  - {id: EUANNEX11-9, title: T, description: D, coverage: partial, policies: [X-1]}\n",
     "reg.yaml:4: control id 'EUANNEX11-9' does not follow the scheme"),
    ("  - {id: \"21CFR11.50\", title: T, description: D, coverage: procedural, "
     "policies: [GXP-10]}\n", "reg.yaml:4: control 21CFR11.50: procedural, yet it lists"),
    ("  - {id: \"21CFR11.50\", title: T, description: D, coverage: automated, policies: []}\n",
     "reg.yaml:4: control 21CFR11.50: coverage automated needs at least one policy"),
    ("  - {id: \"21CFR11.50\", title: T, description: D, coverage: sometimes, policies: []}\n",
     "coverage must be one of automated, partial, procedural"),
    ("  - {id: \"21CFR11.50\", title: T, description: D, coverage: partial, policies: [],\n"
     "     colour: red}\n", "reg.yaml:4: control: unknown key 'colour'"),
    (GOOD + "  - {id: \"21CFR11.70\", parent: \"21CFR11.10(k)\", title: T, description: D,\n"
     "     coverage: procedural, policies: []}\n", "parent 21CFR11.10(k) is not in"),
    ("  - id: \"21CFR11.50\"\n    id: \"21CFR11.70\"\n", "reg.yaml:5: duplicate key 'id'"),
])
def test_bad_catalogs_are_errors_naming_file_and_line(tmp_path: Path, body: str,
                                                      message: str) -> None:
    with pytest.raises(LibraryFileError) as raised:
        load_control_catalogs(_catalog(tmp_path, body))
    assert message in str(raised.value)


def test_a_clause_defined_in_two_catalogs_is_an_error(tmp_path: Path) -> None:
    folder = _catalog(tmp_path, GOOD, "a.yaml")
    _catalog(tmp_path, GOOD, "b.yaml")
    with pytest.raises(LibraryFileError, match=r"controls/b.yaml:4: control 21CFR11.10\(a\) is "
                                               r"already defined in controls/a.yaml"):
        load_control_catalogs(folder)


def test_the_shipped_catalogs_are_found_in_the_package() -> None:
    assert sorted(p.name for p in controls_dir().glob("*.yaml")) == ["21cfr11.yaml",
                                                                    "eu-annex11.yaml"]
