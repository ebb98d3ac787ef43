"""The control catalogs (``policies/controls/*.yaml``): every clause of 21 CFR Part 11
subpart B and of EU GMP Annex 11, its coverage, and the policy ids that evidence it.

A catalog lists catalog row ids (``GXP-02``: whatever implements that row) and Checkov ids
mapped to no row. Validation here is about the file itself (ids well-formed and unique,
coverage consistent with the listed policies, parents known); whether the listed policies
exist and claim the clause is ``engine.library.consistency``'s job, since it needs the
loaded policies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from engine.library.yamlfile import (
    LibraryFileError,
    check_keys,
    line_of,
    load_yaml,
    string_list,
    text,
)
from engine.resources import policies_dir

# docs/policies.md, "Control ids": 21CFR11.<section>[(<paragraph>)[(<item>)]],
# EUANNEX11-<section>[.<subsection>], principles EUANNEX11-P.
CONTROL_ID = re.compile(
    r"^(?:21CFR11\.\d+(?:\([a-z]\)(?:\(\d+\))?)?|EUANNEX11-(?:P|\d+(?:\.\d+)?))$")
COVERAGE = ("automated", "partial", "procedural")
_CONTROL_KEYS = {"id", "title", "description", "coverage", "policies", "parent"}


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    description: str
    coverage: str  # one of COVERAGE
    policies: tuple[str, ...]  # catalog row ids and Checkov ids, as written
    regulation: str  # the catalog's regulation id (21CFR11, EUANNEX11)
    parent: str = ""
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class Regulation:
    id: str
    name: str
    file: str
    controls: tuple[Control, ...]


def controls_dir() -> Path:
    return policies_dir() / "controls"


def load_control_catalogs(directory: Path | None = None) -> tuple[Regulation, ...]:
    """Every ``*.yaml`` catalog of ``directory`` (default: the built-in one), by file name."""
    folder = directory if directory is not None else controls_dir()
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise LibraryFileError("no control catalogs (*.yaml)", str(folder))
    regulations = tuple(_load(path) for path in files)
    seen: dict[str, str] = {}
    for regulation in regulations:
        for control in regulation.controls:
            if control.id in seen:
                raise LibraryFileError(f"control {control.id} is already defined in "
                                       f"{seen[control.id]}", control.file, control.line)
            seen[control.id] = control.file
    return regulations


def all_controls(regulations: tuple[Regulation, ...]) -> dict[str, Control]:
    return {c.id: c for r in regulations for c in r.controls}


def _load(path: Path) -> Regulation:
    display = f"controls/{path.name}"
    document = load_yaml(path, display)
    if not isinstance(document, dict):
        raise LibraryFileError("expected a mapping with version, regulation, controls", display)
    check_keys(document, {"version", "regulation", "controls"},
               {"version", "regulation", "controls"}, "catalog", display)
    if document["version"] != 1:
        raise LibraryFileError("'version' must be 1", display, line_of(document))
    regulation = document["regulation"]
    if not isinstance(regulation, dict):
        raise LibraryFileError("'regulation' must be a mapping with id and name", display)
    check_keys(regulation, {"id", "name"}, {"id", "name"}, "regulation", display)
    reg_id = text(regulation["id"], "regulation id", display, line_of(regulation))
    if not isinstance(document["controls"], list) or not document["controls"]:
        raise LibraryFileError("'controls' must be a non-empty list", display)
    controls = [_control(raw, reg_id, display) for raw in document["controls"]]
    ids = {c.id for c in controls}
    for control in controls:
        if control.parent and control.parent not in ids:
            raise LibraryFileError(f"control {control.id}: parent {control.parent} is not in "
                                   "this catalog", display, control.line)
    for control in controls:
        children = [c for c in controls if c.parent == control.id]
        evidenced = control.policies or any(c.policies for c in children)
        if control.coverage == "procedural" and control.policies:
            raise LibraryFileError(f"control {control.id}: procedural, yet it lists policies; "
                                   "say partial or automated", display, control.line)
        if control.coverage != "procedural" and not evidenced:
            raise LibraryFileError(f"control {control.id}: coverage {control.coverage} needs "
                                   "at least one policy (here or on a sub-clause)",
                                   display, control.line)
    return Regulation(id=reg_id, name=text(regulation["name"], "regulation name", display,
                                           line_of(regulation)),
                      file=display, controls=tuple(controls))


def _control(raw: object, regulation: str, display: str) -> Control:
    if not isinstance(raw, dict):
        raise LibraryFileError("a control must be a mapping", display)
    line = line_of(raw)
    check_keys(raw, _CONTROL_KEYS, {"id", "title", "description", "coverage", "policies"},
               "control", display)
    control_id = text(raw["id"], "control id", display, line)
    if not CONTROL_ID.match(control_id) or not control_id.startswith(regulation):
        raise LibraryFileError(f"control id {control_id!r} does not follow the scheme of "
                               f"docs/policies.md for {regulation}", display, line)
    where = f"control {control_id}"
    coverage = text(raw["coverage"], f"{where}: coverage", display, line)
    if coverage not in COVERAGE:
        raise LibraryFileError(f"{where}: coverage must be one of {', '.join(COVERAGE)}",
                               display, line)
    parent = raw.get("parent", "")
    if parent and (not isinstance(parent, str) or not CONTROL_ID.match(parent)):
        raise LibraryFileError(f"{where}: parent must be a control id", display, line)
    return Control(
        id=control_id,
        title=text(raw["title"], f"{where}: title", display, line),
        description=" ".join(text(raw["description"], f"{where}: description", display,
                                  line).split()),
        coverage=coverage,
        policies=string_list(raw["policies"], f"{where}: policies", display, line),
        regulation=regulation, parent=parent, file=display, line=line)


def control_sort_key(control_id: str) -> tuple[object, ...]:
    """21 CFR before Annex 11; clauses in document order (11.10(a) < 11.10(k)(2) < 11.30;
    Annex 11 principle first, then 1, 3.1, 3.2, ..., 17)."""
    if control_id.startswith("21CFR11."):
        section, _, rest = control_id.removeprefix("21CFR11.").partition("(")
        parts = tuple(p.strip(")") for p in ("(" + rest).split("(") if p.strip(")"))
        return (0, int(section) if section.isdigit() else 0, parts)
    tail = control_id.removeprefix("EUANNEX11-")
    if tail == "P":
        return (1, -1, ())
    numbers = tuple(int(n) for n in tail.split(".") if n.isdigit())
    return (1, numbers[0] if numbers else 0, numbers[1:])
