"""Where the bundled policies, report templates and schemas are.

A source checkout (or an editable install) has ``policies/`` and ``reports/`` at the top of
the repository; a wheel carries them inside the package as ``engine/policies`` and
``engine/reports`` (see setup.py). Both layouts are supported here and nowhere else.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    inside = _PACKAGE / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / name


def policies_dir() -> Path:
    return _bundled("policies")


def reports_dir() -> Path:
    return _bundled("reports")


def schemas_dir() -> Path:
    return _PACKAGE / "schemas"


def severity_map_path() -> Path:
    """Checkov IDs -> severity, family, catalog ids and controls (policies/checkov/)."""
    return policies_dir() / "checkov" / "severity_map.yaml"
