"""Inputs the scan command resolves before the pipeline runs: the ``--as-of`` date, the
waivers file and the result cache folder (kept out of ``scan.py`` so other commands and
sources — the merge-base in diff mode — resolve them the same way)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from engine.config import Config, ConfigError
from engine.decide.waiver_file import display_path, resolve_waivers_path


class DateError(ValueError):
    pass


def parse_as_of(text: str | None) -> date:
    """``--as-of YYYY-MM-DD``; default today in UTC (the only place the real date is read)."""
    if text is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DateError(f"--as-of {text}: expected a date as YYYY-MM-DD") from None


def waivers_file(config: Config, root: Path) -> Path | None:
    """The waivers file for a scan of ``root``: the config's ``waivers:`` (must exist), else
    ``.gitops-compliance/waivers.yaml`` when present, else None."""
    path, explicit = resolve_waivers_path(config.waivers, root)
    if path.is_file():
        return path
    if explicit:
        raise ConfigError(f"{config.source}: waivers: {display_path(path, root)}: no such file")
    return None


def cache_dir(no_cache: bool, root: Path, in_git: bool) -> Path | None:
    if no_cache:
        return None
    from engine.cache.store import default_cache_dir

    return default_cache_dir(root, in_git)
