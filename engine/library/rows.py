"""The catalog rows (``policies/catalog.yaml``): the ids of POLICIES.md, whichever engine
implements each — a Rego policy, Checkov ids mapped to the row, or a report section."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from engine.library.controls import CONTROL_ID
from engine.library.yamlfile import (
    LibraryFileError,
    check_keys,
    line_of,
    load_yaml,
    string_list,
    text,
)
from engine.model import Severity
from engine.resources import policies_dir

ROW_ID = re.compile(r"^[A-Z]+-\d{2,}$")
ENGINES = ("checkov", "rego", "report")
_ROW_KEYS = {"id", "family", "severity", "engines", "title", "controls"}


@dataclass(frozen=True)
class CatalogRow:
    id: str
    title: str
    family: str
    engines: tuple[str, ...]  # subset of ENGINES, in ENGINES order
    severity: Severity | None  # None for report rows: they raise no findings
    controls: tuple[str, ...] = ()  # only for rows no policy carries metadata for
    line: int = 0


def catalog_path() -> Path:
    return policies_dir() / "catalog.yaml"


def load_catalog_rows(path: Path | None = None) -> tuple[CatalogRow, ...]:
    source = path if path is not None else catalog_path()
    display = source.name if path is None else str(source)
    document = load_yaml(source, display)
    if not isinstance(document, dict):
        raise LibraryFileError("expected a mapping with 'version' and 'rows'", display)
    check_keys(document, {"version", "rows"}, {"version", "rows"}, "catalog", display)
    if document["version"] != 1:
        raise LibraryFileError("'version' must be 1", display, line_of(document))
    if not isinstance(document["rows"], list):
        raise LibraryFileError("'rows' must be a list", display, line_of(document))
    rows: list[CatalogRow] = []
    seen: set[str] = set()
    for raw in document["rows"]:
        row = _row(raw, display)
        if row.id in seen:
            raise LibraryFileError(f"row {row.id}: duplicate id", display, row.line)
        seen.add(row.id)
        rows.append(row)
    return tuple(rows)


def _row(raw: object, display: str) -> CatalogRow:
    if not isinstance(raw, dict):
        raise LibraryFileError("a row must be a mapping", display)
    line = line_of(raw)
    check_keys(raw, _ROW_KEYS, {"id", "family", "engines", "title"}, "row", display)
    row_id = text(raw["id"], "row id", display, line)
    if not ROW_ID.match(row_id):
        raise LibraryFileError(f"row id {row_id!r} is not of the form GXP-01", display, line)
    where = f"row {row_id}"
    engines = string_list(raw["engines"], f"{where}: engines", display, line)
    if not engines or any(e not in ENGINES for e in engines):
        raise LibraryFileError(f"{where}: engines must be a non-empty subset of "
                               f"{', '.join(ENGINES)}", display, line)
    if "report" in engines and len(engines) > 1:
        raise LibraryFileError(f"{where}: a report row has no other engine", display, line)
    severity: Severity | None = None
    if "report" in engines:
        if "severity" in raw:
            raise LibraryFileError(f"{where}: a report row raises no findings and has no "
                                   "severity", display, line)
    else:
        try:
            severity = Severity.parse(text(raw.get("severity"), f"{where}: severity",
                                           display, line))
        except ValueError as exc:
            raise LibraryFileError(f"{where}: {exc}", display, line) from None
    controls = string_list(raw.get("controls", []), f"{where}: controls", display, line)
    if controls and "report" not in engines:
        raise LibraryFileError(f"{where}: controls belong in the METADATA of its Rego policy "
                               "or the Checkov map; only report rows list them here",
                               display, line)
    for control in controls:
        if not CONTROL_ID.match(control):
            raise LibraryFileError(f"{where}: malformed control id {control!r}", display, line)
    family = text(raw["family"], f"{where}: family", display, line)
    return CatalogRow(id=row_id, title=text(raw["title"], f"{where}: title", display, line),
                      family=family, engines=tuple(e for e in ENGINES if e in engines),
                      severity=severity, controls=controls, line=line)
