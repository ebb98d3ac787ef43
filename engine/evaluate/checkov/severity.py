"""The project's map of Checkov check ids to severity, family, catalog ids and controls.

Checkov OSS has no severities offline (they come from the Prisma platform), so the project
ships ``policies/checkov/severity_map.yaml`` (DESIGN.md §6). Unmapped ids are ``medium``,
family ``checkov``, no catalog and no controls. A bad row is a load error naming the row
(exit 2 upstream): an unknown severity, a malformed id or control, an unknown key, a
duplicate id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from engine.model import Severity
from engine.resources import severity_map_path

UNMAPPED_FAMILY = "checkov"


def default_map_path() -> Path:
    return severity_map_path()


class SeverityMapError(ValueError):
    """The severity map is invalid; the message names the file and the row."""


@dataclass(frozen=True)
class CheckMapping:
    severity: Severity
    family: str
    catalog: tuple[str, ...] = ()
    controls: tuple[str, ...] = ()


UNMAPPED = CheckMapping(severity=Severity.MEDIUM, family=UNMAPPED_FAMILY)


@dataclass(frozen=True)
class SeverityMap:
    rows: Mapping[str, CheckMapping]
    source: str = ""

    def lookup(self, check_id: str) -> CheckMapping:
        return self.rows.get(check_id, UNMAPPED)

    def __contains__(self, check_id: object) -> bool:
        return check_id in self.rows


_CHECK_ID = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_FAMILY = re.compile(r"^[a-z][a-z0-9-]*$")
_CATALOG_ID = re.compile(r"^[A-Z]+-\d+$")
# The clause-id scheme shared with the Rego policies' METADATA ``controls``:
# 21 CFR Part 11 -> 21CFR11.10(a), 21CFR11.10(k)(2), 21CFR11.30; EU GMP Annex 11 ->
# EUANNEX11-9, EUANNEX11-7.1, EUANNEX11-P (principles).
_CONTROL_ID = re.compile(r"^(?:21CFR11\.\d+(?:\([a-z0-9]+\))*|EUANNEX11-(?:P|\d+(?:\.\d+)*))$")
_ROW_KEYS = frozenset({"id", "severity", "family", "catalog", "controls"})
_SUPPORTED_VERSION = 1


def load_severity_map(path: Path | None = None) -> SeverityMap:
    source = path if path is not None else default_map_path()
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise SeverityMapError(
            f"{source}: cannot read the Checkov severity map ({exc.strerror})"
        ) from None
    return _parsed(text, str(source))


@lru_cache(maxsize=4)
def _parsed(text: str, source: str) -> SeverityMap:
    """The map parsed once per content and path: a long-lived process (the quarterly report
    scans a hundred commits) reads the same map on every scan; the result is immutable."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise SeverityMapError(f"{source}: invalid YAML{where}") from None
    return parse_severity_map(document, str(source))


def parse_severity_map(document: Any, source: str = "severity_map.yaml") -> SeverityMap:
    if not isinstance(document, dict):
        raise SeverityMapError(f"{source}: expected a mapping with 'version' and 'checks'")
    unknown = sorted(set(document) - {"version", "checks"})
    if unknown:
        raise SeverityMapError(f"{source}: unknown top-level key {unknown[0]!r}")
    if document.get("version") != _SUPPORTED_VERSION:
        raise SeverityMapError(f"{source}: 'version' must be {_SUPPORTED_VERSION}")
    checks = document.get("checks")
    if not isinstance(checks, list):
        raise SeverityMapError(f"{source}: 'checks' must be a list of rows")

    rows: dict[str, CheckMapping] = {}
    first_row: dict[str, int] = {}
    for index, raw in enumerate(checks, start=1):
        check_id, mapping = _parse_row(raw, f"{source}: row {index}")
        if check_id in rows:
            raise SeverityMapError(
                f"{source}: row {index} ({check_id}): duplicate id, already mapped in row "
                f"{first_row[check_id]}"
            )
        rows[check_id] = mapping
        first_row[check_id] = index
    return SeverityMap(rows=rows, source=source)


def _parse_row(raw: Any, where: str) -> tuple[str, CheckMapping]:
    if not isinstance(raw, dict):
        raise SeverityMapError(f"{where}: expected a mapping")
    check_id = raw.get("id")
    if not isinstance(check_id, str) or not _CHECK_ID.match(check_id):
        raise SeverityMapError(f"{where}: 'id' must be a Checkov check id such as CKV_AWS_36")
    where = f"{where} ({check_id})"
    unknown = sorted(set(raw) - _ROW_KEYS)
    if unknown:
        raise SeverityMapError(f"{where}: unknown key {unknown[0]!r}")
    missing = sorted({"severity", "family"} - set(raw))
    if missing:
        raise SeverityMapError(f"{where}: missing {missing[0]!r}")

    severity_text = raw["severity"]
    if not isinstance(severity_text, str):
        raise SeverityMapError(f"{where}: 'severity' must be a string")
    try:
        severity = Severity.parse(severity_text)
    except ValueError as exc:
        raise SeverityMapError(f"{where}: {exc}") from None

    family = raw["family"]
    if not isinstance(family, str) or not _FAMILY.match(family):
        raise SeverityMapError(f"{where}: 'family' must be a lower-case name such as 'iam'")

    catalog = _string_list(raw.get("catalog", []), "catalog", _CATALOG_ID, where)
    controls = _string_list(raw.get("controls", []), "controls", _CONTROL_ID, where)
    return check_id, CheckMapping(severity, family, catalog, controls)


def _string_list(value: Any, key: str, pattern: re.Pattern[str], where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SeverityMapError(f"{where}: {key!r} must be a list of strings")
    for item in value:
        if not pattern.match(item):
            raise SeverityMapError(f"{where}: {key!r} has a malformed id {item!r}")
    if len(set(value)) != len(value):
        raise SeverityMapError(f"{where}: {key!r} lists an id twice")
    return tuple(value)
