"""``.gitops-compliance.yaml``: find it, read it, validate it (DESIGN.md §4).

Every key has a default; an unknown key or a bad value is a ``ConfigError`` naming the key
path (exit 2). The file reference lives in docs/configuration.md.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from engine.limits import LimitExceeded, Limits, parse_limits
from engine.model import Severity
from engine.params import params_problem

CONFIG_NAME = ".gitops-compliance.yaml"
FAIL_ON_CHOICES = ("critical", "high", "medium", "low", "info", "none")
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?")


class ConfigError(Exception):
    """A configuration problem; the message names the file and the key."""


@dataclass(frozen=True)
class HelmChartConfig:
    """Per-chart Helm settings; ``None`` falls back to the ``helm:`` defaults."""

    release_name: str | None = None
    namespace: str | None = None
    # values set name -> values files relative to the chart folder (in merge order); when
    # any set is listed, only these are rendered (no defaults, no values-*.yaml).
    values_sets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


# Documented defaults (README "Configuration"): a render that takes longer or grows
# larger than this is killed and reported (exit 3).
HELM_TIMEOUT_SECONDS = 30.0
HELM_MEMORY_MB = 1024
# When nobody says which namespace a release goes to, objects are rendered into this
# placeholder rather than Helm's "default", which would be a finding of our own making.
HELM_PLACEHOLDER_NAMESPACE = "release-namespace"


@dataclass(frozen=True)
class HelmConfig:
    release_name: str | None = None  # None: the chart's name
    namespace: str = HELM_PLACEHOLDER_NAMESPACE
    timeout_seconds: float = HELM_TIMEOUT_SECONDS
    memory_mb: int = HELM_MEMORY_MB
    charts: Mapping[str, HelmChartConfig] = field(default_factory=dict)  # chart dir -> ...


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
class OpaSettings:
    """A remote OPA server as the Rego engine (docs/remote-opa.md)."""

    url: str  # base URL, path prefix included (https://opa.example.com/opa)
    mode: str = "query"  # "query": policies already on the server; "push": upload ours
    token_env: str = ""  # environment variable holding a bearer token (never the token)
    ca_bundle: str = ""  # PEM file of the CAs to trust; empty: the system store
    timeout: float = 10.0  # seconds per request
    retries: int = 3  # extra attempts on connection errors and 502/503/504


OPA_MODES = ("query", "push")


@dataclass(frozen=True)
class ConftestConfig:
    """conftest-style policy directories (docs/conftest.md), evaluated per file."""

    policies: tuple[Path, ...] = ()
    namespaces: tuple[str, ...] = ("main",)
    all_namespaces: bool = False
    rego_version: str = "v1"
    data: tuple[Path, ...] = ()
    default_severity: Severity = Severity.HIGH


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
    opa: OpaSettings | None = None
    conftest: ConftestConfig = field(default_factory=ConftestConfig)
    helm: HelmConfig = field(default_factory=HelmConfig)
    waivers: Path | None = None  # None: .gitops-compliance/waivers.yaml at the scan root
    waiver_max_days: int = 90
    checkov_cache_miss: str = "skip"  # --checkov cached on a cache miss: skip | run
    limits: Limits = field(default_factory=Limits)  # docs/limits.md

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
            helm=dataclasses.replace(self.helm, charts={
                _join(base, chart): settings for chart, settings in self.helm.charts.items()}),
        )


def _join(base: str, path: str) -> str:
    joined = f"{base}/{path}" if path not in ("", ".") else base
    return joined.strip("/")


_TOP_KEYS = {
    "policies": "list of extra Rego policy directories (relative to this file)",
    "builtin_policies": "true/false: load the built-in policy library",
    "fail_on": "severity threshold that blocks: " + "|".join(FAIL_ON_CHOICES),
    "exclude": "list of {path, reason}",
    "checkov": "mapping with 'enabled', 'skip' and 'cache_miss'",
    "params": "mapping of policy parameters",
    "severity": "mapping of policy id -> severity override",
    "opa": "remote OPA server: mapping with url, mode, token_env, ca_bundle, timeout, retries",
    "conftest": "mapping with 'policies', 'namespaces', 'all_namespaces', 'rego_version', "
                "'data', 'default_severity' (conftest-style policies)",
    "helm": "mapping with release_name, namespace, timeout_seconds, memory_mb and charts",
    "waivers": "path of the waivers file (relative to this file)",
    "waiver_max_days": "maximum days between a waiver's approved_on and expires",
    "limits": "mapping with file_bytes, yaml_documents, nesting_depth, yaml_alias_nodes, "
              "helm_output_bytes, scan_seconds (docs/limits.md)",
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
    from engine.limits import NotReadable, read_limited

    try:
        text = read_limited(path).decode("utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    except (LimitExceeded, NotReadable) as exc:
        raise ConfigError(f"{path}: {exc.message}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    from engine.load.yaml_loader import BoundedSafeLoader

    try:
        raw = yaml.load(text, Loader=BoundedSafeLoader)  # the default limits: a safe load
    except LimitExceeded as exc:
        raise ConfigError(f"{path}:{exc.line}: {exc.message}") from None
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
        opa=_opa(raw.get("opa"), path),
        conftest=_conftest(raw.get("conftest"), path),
        helm=parse_helm(raw.get("helm"), path),
        waivers=_waivers_path(raw.get("waivers"), path),
        waiver_max_days=_max_days(raw.get("waiver_max_days", 90), path),
        checkov_cache_miss=_cache_miss(raw.get("checkov"), path),
        limits=_limits(raw.get("limits"), path),
    )


def _limits(value: Any, path: Path) -> Limits:
    parsed = parse_limits(value, "limits")
    if isinstance(parsed, str):
        raise ConfigError(f"{path}: {parsed}")
    return parsed


_CONFTEST_KEYS = ("policies", "namespaces", "all_namespaces", "rego_version", "data",
                  "default_severity")


def _conftest(value: Any, path: Path) -> ConftestConfig:
    if value is None:
        return ConftestConfig()
    if not isinstance(value, Mapping):
        raise ConfigError(f"{path}: conftest: expected a mapping with "
                          f"{', '.join(_CONFTEST_KEYS)}")
    for name in value:
        if name not in _CONFTEST_KEYS:
            raise ConfigError(f"{path}: conftest: unknown key {name!r} (known keys: "
                              f"{', '.join(_CONFTEST_KEYS)})")
    base = path.parent
    policies = _str_list(value, "policies", path, label="conftest.policies")
    namespaces = _str_list(value, "namespaces", path, label="conftest.namespaces")
    version = value.get("rego_version", "v1")
    if version not in ("v0", "v1"):
        raise ConfigError(f"{path}: conftest.rego_version: {version!r} is not v0 or v1")
    try:
        default = Severity.parse(str(value.get("default_severity", "high")))
    except ValueError as exc:
        raise ConfigError(f"{path}: conftest.default_severity: {exc}") from None
    return ConftestConfig(
        policies=tuple(base / p for p in policies),
        namespaces=tuple(namespaces) or ("main",),
        all_namespaces=_bool(value, "all_namespaces", False, path,
                             label="conftest.all_namespaces"),
        rego_version=version,
        data=tuple(base / p for p in _str_list(value, "data", path, label="conftest.data")),
        default_severity=default,
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


def _str_list(raw: Mapping[str, Any], key: str, path: Path, label: str = "") -> list[str]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{path}: {label or key}: expected a list of non-empty strings")
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


_OPA_KEYS = ("url", "mode", "token_env", "ca_bundle", "timeout", "retries")


def _opa(value: Any, path: Path) -> OpaSettings | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ConfigError(f"{path}: opa: expected a mapping with {', '.join(_OPA_KEYS)}")
    for name in value:
        if name not in _OPA_KEYS:
            raise ConfigError(f"{path}: opa: unknown key {name!r} (known keys: "
                              f"{', '.join(_OPA_KEYS)})")
    url = value.get("url")
    problem = opa_url_problem(url)
    if problem:
        raise ConfigError(f"{path}: opa.url: {problem}")
    mode = value.get("mode", "query")
    if mode not in OPA_MODES:
        raise ConfigError(f"{path}: opa.mode: {mode!r} is not one of {', '.join(OPA_MODES)}")
    token_env = value.get("token_env", "")
    if not isinstance(token_env, str) or (token_env and not token_env.isidentifier()):
        raise ConfigError(f"{path}: opa.token_env: the name of an environment variable "
                          "(the token itself never goes in the config)")
    ca_bundle = value.get("ca_bundle", "")
    if not isinstance(ca_bundle, str):
        raise ConfigError(f"{path}: opa.ca_bundle: expected a file path")
    timeout = value.get("timeout", 10)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError(f"{path}: opa.timeout: expected a number of seconds > 0")
    retries = value.get("retries", 3)
    if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 10:
        raise ConfigError(f"{path}: opa.retries: expected a whole number from 0 to 10")
    return OpaSettings(url=str(url), mode=mode, token_env=token_env,
                       ca_bundle=str(path.parent / ca_bundle) if ca_bundle else "",
                       timeout=float(timeout), retries=retries)


def opa_url_problem(url: Any) -> str:
    """Why ``url`` cannot be an OPA base URL, or "" when it can."""
    from urllib.parse import urlsplit

    if not isinstance(url, str) or not url:
        return "required, an http:// or https:// URL"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"{url!r} is not an http:// or https:// URL"
    if parts.username or parts.password:
        return "credentials do not belong in the URL (use token_env)"
    if parts.query or parts.fragment:
        return "a base URL has no query or fragment"
    return ""
_HELM_KEYS = ("release_name", "namespace", "timeout_seconds", "memory_mb", "charts")
_HELM_CHART_KEYS = ("release_name", "namespace", "values_sets")


def parse_helm(value: Any, path: Path) -> HelmConfig:
    if value is None:
        return HelmConfig()
    if not isinstance(value, Mapping):
        raise ConfigError(f"{path}: helm: expected a mapping ({', '.join(_HELM_KEYS)})")
    _known_keys(value, _HELM_KEYS, "helm", path)
    timeout = value.get("timeout_seconds", HELM_TIMEOUT_SECONDS)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ConfigError(f"{path}: helm.timeout_seconds: expected a positive number")
    memory = value.get("memory_mb", HELM_MEMORY_MB)
    if isinstance(memory, bool) or not isinstance(memory, int) or memory < 64:
        raise ConfigError(f"{path}: helm.memory_mb: expected a whole number >= 64")
    charts = value.get("charts") or {}
    if not isinstance(charts, Mapping):
        raise ConfigError(f"{path}: helm.charts: expected a mapping of chart folder -> settings")
    return HelmConfig(
        release_name=_optional_name(value, "release_name", "helm", path),
        namespace=_optional_name(value, "namespace", "helm", path) or HELM_PLACEHOLDER_NAMESPACE,
        timeout_seconds=float(timeout),
        memory_mb=memory,
        charts={_chart_key(str(k)): _helm_chart(v, f"helm.charts.{k}", path)
                for k, v in charts.items()},
    )


def _chart_key(text: str) -> str:
    text = text.strip().strip("/")
    while text.startswith("./"):
        text = text[2:]
    return "" if text == "." else text


def _helm_chart(value: Any, where: str, path: Path) -> HelmChartConfig:
    if value is None:
        return HelmChartConfig()
    if not isinstance(value, Mapping):
        raise ConfigError(f"{path}: {where}: expected a mapping ({', '.join(_HELM_CHART_KEYS)})")
    _known_keys(value, _HELM_CHART_KEYS, where, path)
    sets = value.get("values_sets") or {}
    if not isinstance(sets, Mapping):
        raise ConfigError(f"{path}: {where}.values_sets: expected a mapping of set name -> "
                          "list of values files (relative to the chart folder)")
    parsed: dict[str, tuple[str, ...]] = {}
    for name, files in sets.items():
        if not isinstance(name, str) or not name or "@" in name:
            raise ConfigError(f"{path}: {where}.values_sets: a set name must be a non-empty "
                              "string without '@'")
        if files is None:
            files = []
        if not isinstance(files, list) or not all(isinstance(f, str) and f for f in files):
            raise ConfigError(f"{path}: {where}.values_sets.{name}: expected a list of values "
                              "files ([] = the chart's defaults only)")
        parsed[name] = tuple(files)
    return HelmChartConfig(
        release_name=_optional_name(value, "release_name", where, path),
        namespace=_optional_name(value, "namespace", where, path),
        values_sets=parsed,
    )


def _optional_name(raw: Mapping[str, Any], key: str, where: str, path: Path) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not _DNS_LABEL.fullmatch(value):
        raise ConfigError(f"{path}: {where}.{key}: expected a DNS label (lowercase letters, "
                          f"digits and '-', at most 53 characters), got {value!r}")
    return value


def _known_keys(raw: Mapping[str, Any], known: tuple[str, ...], where: str, path: Path) -> None:
    for name in raw:
        if name not in known:
            raise ConfigError(f"{path}: {where}: unknown key {name!r} (known keys: "
                              f"{', '.join(known)})")
