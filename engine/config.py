"""``.gitops-compliance.yaml``: find it, read it, validate it (DESIGN.md §4).

Every key has a default; an unknown key or a bad value is a ``ConfigError`` naming the key
path (exit 2). The file reference lives in docs/configuration.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from engine.model import Severity
from engine.params import params_problem

CONFIG_NAME = ".gitops-compliance.yaml"
FAIL_ON_CHOICES = ("critical", "high", "medium", "low", "info", "none")


class ConfigError(Exception):
    """A configuration problem; the message names the file and the key."""


@dataclass(frozen=True)
class Exclusion:
    path: str  # a glob relative to the scan root (``dir/**`` style) or a directory prefix
    reason: str


@dataclass(frozen=True)
class CheckovSkipConfig:
    id: str
    reason: str
    paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    source: Path | None = None
    policies: tuple[Path, ...] = ()
    builtin_policies: bool = True
    fail_on: str = "high"
    exclude: tuple[Exclusion, ...] = ()
    checkov_enabled: bool = True
    checkov_skip: tuple[CheckovSkipConfig, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    severity: Mapping[str, Severity] = field(default_factory=dict)
    waivers: Path | None = None  # None: .gitops-compliance/waivers.yaml at the scan root
    waiver_max_days: int = 90
    checkov_cache_miss: str = "skip"  # --checkov cached on a cache miss: skip | run

    def rooted(self, root: Path) -> Config:
        """Paths in the file are relative to the file's folder (like .gitignore); the
        pipeline matches paths relative to the scan root. Re-anchor them once, here."""
        if self.source is None:
            return self
        try:
            base = self.source.resolve().parent.relative_to(root.resolve()).as_posix()
        except ValueError:  # a --config outside the repository: its paths mean the root
            return self
        if base in ("", "."):
            return self
        return dataclasses.replace(
            self,
            exclude=tuple(dataclasses.replace(e, path=f"{base}/{e.path}") for e in self.exclude),
            checkov_skip=tuple(dataclasses.replace(s, paths=tuple(f"{base}/{p}" for p in s.paths))
                               for s in self.checkov_skip),
        )


_TOP_KEYS = {
    "policies": "list of extra Rego policy directories (relative to this file)",
    "builtin_policies": "true/false: load the built-in policy library",
    "fail_on": "severity threshold that blocks: " + "|".join(FAIL_ON_CHOICES),
    "exclude": "list of {path, reason}",
    "checkov": "mapping with 'enabled', 'skip' and 'cache_miss'",
    "params": "mapping of policy parameters",
    "severity": "mapping of policy id -> severity override",
    "waivers": "path of the waivers file (relative to this file)",
    "waiver_max_days": "maximum days between a waiver's approved_on and expires",
}
CACHE_MISS_CHOICES = ("skip", "run")


def find_config(start: Path, stop: Path) -> Path | None:
    """The nearest config file walking up from ``start`` to ``stop`` (inclusive)."""
    current = start if start.is_dir() else start.parent
    current = current.resolve()
    stop = stop.resolve()
    while True:
        candidate = current / CONFIG_NAME
        if candidate.is_file():
            return candidate
        if current == stop or current.parent == current or stop not in current.parents:
            return None
        current = current.parent


def load_config(path: Path | None) -> Config:
    if path is None:
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{path}{where}: {problem}") from None
    return parse_config(raw, path)


def parse_config(raw: Any, path: Path) -> Config:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    for key in raw:
        if key not in _TOP_KEYS:
            known = ", ".join(sorted(_TOP_KEYS))
            raise ConfigError(f"{path}: unknown key {key!r} (known keys: {known})")
    base = path.parent
    fail_on = raw.get("fail_on", "high")
    if fail_on not in FAIL_ON_CHOICES:
        raise ConfigError(
            f"{path}: fail_on: {fail_on!r} is not one of {', '.join(FAIL_ON_CHOICES)}"
        )
    return Config(
        source=path,
        policies=tuple(base / p for p in _str_list(raw, "policies", path)),
        builtin_policies=_bool(raw, "builtin_policies", True, path),
        fail_on=fail_on,
        exclude=_exclusions(raw.get("exclude"), path),
        checkov_enabled=_checkov_enabled(raw.get("checkov"), path),
        checkov_skip=_checkov_skips(raw.get("checkov"), path),
        params=_params(raw, path),
        severity=_severities(raw.get("severity"), path),
        waivers=_waivers_path(raw.get("waivers"), path),
        waiver_max_days=_max_days(raw.get("waiver_max_days", 90), path),
        checkov_cache_miss=_cache_miss(raw.get("checkov"), path),
    )


def _waivers_path(value: Any, path: Path) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{path}: waivers: expected the path of the waivers file")
    return path.parent / value


def _max_days(value: Any, path: Path) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3650:
        raise ConfigError(f"{path}: waiver_max_days: expected a whole number of days "
                          f"from 1 to 3650, got {value!r}")
    return value


def _cache_miss(value: Any, path: Path) -> str:
    section = _checkov_section(value, path)
    choice = section.get("cache_miss", "skip")
    if choice not in CACHE_MISS_CHOICES:
        raise ConfigError(f"{path}: checkov.cache_miss: {choice!r} is not one of "
                          f"{', '.join(CACHE_MISS_CHOICES)}")
    return str(choice)


def _params(raw: Mapping[str, Any], path: Path) -> dict[str, Any]:
    params = _mapping(raw, "params", path)
    problem = params_problem(params)
    if problem:
        raise ConfigError(f"{path}: {problem}")
    return params


def _str_list(raw: Mapping[str, Any], key: str, path: Path) -> list[str]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{path}: {key}: expected a list of non-empty strings")
    return value


def _bool(raw: Mapping[str, Any], key: str, default: bool, path: Path, label: str = "") -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{path}: {label or key}: expected true or false, got {value!r}")
    return value


def _mapping(raw: Mapping[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = raw.get(key, {})
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{path}: {key}: expected a mapping")
    return dict(value)


def _reasoned_items(value: Any, key: str, required: tuple[str, ...], optional: tuple[str, ...],
                    path: Path) -> list[Mapping[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError(f"{path}: {key}: expected a list")
    items = []
    for index, item in enumerate(value):
        where = f"{key}[{index}]"
        if not isinstance(item, Mapping):
            raise ConfigError(f"{path}: {where}: expected a mapping with {', '.join(required)}")
        for name in item:
            if name not in required + optional:
                raise ConfigError(f"{path}: {where}: unknown key {name!r}")
        for name in required:
            if not isinstance(item.get(name), str) or not item[name].strip():
                raise ConfigError(f"{path}: {where}.{name}: required, a non-empty string")
        items.append(item)
    return items


def _exclusions(value: Any, path: Path) -> tuple[Exclusion, ...]:
    items = _reasoned_items(value, "exclude", ("path", "reason"), (), path)
    return tuple(Exclusion(str(i["path"]).strip("/"), str(i["reason"])) for i in items)


def _checkov_section(value: Any, path: Path) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{path}: checkov: expected a mapping with 'enabled' and 'skip'")
    for name in value:
        if name not in ("enabled", "skip", "cache_miss"):
            raise ConfigError(f"{path}: checkov: unknown key {name!r} "
                              "(known keys: enabled, skip, cache_miss)")
    return value


def _checkov_enabled(value: Any, path: Path) -> bool:
    section = _checkov_section(value, path)
    return _bool(section, "enabled", True, path, label="checkov.enabled")


def _checkov_skips(value: Any, path: Path) -> tuple[CheckovSkipConfig, ...]:
    section = _checkov_section(value, path)
    items = _reasoned_items(section.get("skip"), "checkov.skip", ("id", "reason"), ("paths",),
                            path)
    skips = []
    for index, item in enumerate(items):
        paths = item.get("paths", [])
        if not isinstance(paths, list) or not all(isinstance(p, str) and p for p in paths):
            raise ConfigError(f"{path}: checkov.skip[{index}].paths: expected a list of globs")
        skips.append(CheckovSkipConfig(item["id"], item["reason"], tuple(paths)))
    return tuple(skips)


def _severities(value: Any, path: Path) -> dict[str, Severity]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{path}: severity: expected a mapping of policy id -> severity")
    out = {}
    for policy_id, text in value.items():
        try:
            out[str(policy_id)] = Severity.parse(str(text))
        except ValueError as exc:
            raise ConfigError(f"{path}: severity.{policy_id}: {exc}") from None
    return out
