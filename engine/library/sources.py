"""Assemble a ``Library`` from the loaded Rego policies and the shipped data files."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from engine.library.consistency import Library
from engine.library.controls import load_control_catalogs
from engine.library.rows import load_catalog_rows
from engine.model import PolicyMeta


def build_library(metas: Iterable[PolicyMeta], *, severity_map: Path | None = None,
                  catalog: Path | None = None, controls: Path | None = None) -> Library:
    """Raises LibraryFileError or SeverityMapError (both exit 2 upstream) on a bad file."""
    from engine.evaluate.checkov.severity import load_severity_map

    return Library(rego={m.id: m for m in metas},
                   checkov=dict(load_severity_map(severity_map).rows),
                   rows=load_catalog_rows(catalog),
                   regulations=load_control_catalogs(controls))
