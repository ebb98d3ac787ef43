"""OPA ``# METADATA`` blocks of conftest-style policies, read leniently.

conftest policies rarely carry metadata, and when they do it is for their own tooling: any
OPA key is accepted, and only ``title``, ``description`` and ``custom.severity`` /
``custom.remediation`` are used. A block directly above ``package`` (or with
``scope: package``) applies to every rule of that file; a block directly above a rule
applies to that rule and wins. What OPA itself would refuse — a block that is not YAML, a
severity we cannot map — is a load error naming the file and line (exit 2).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from typing import Any

import yaml

from engine.evaluate.rego.errors import PolicyLoadError
from engine.evaluate.rego.metadata import metadata_blocks
from engine.model import Severity

_PACKAGE = re.compile(r"^\s*package\s+\S")
_RULE = re.compile(r"^\s*(?:default\s+)?([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class RuleMeta:
    title: str = ""
    description: str = ""
    severity: Severity | None = None
    remediation: str = ""


@dataclass(frozen=True)
class FileMeta:
    package: RuleMeta
    rules: dict[str, RuleMeta]  # rule name -> metadata of the block above (first) definition


def read_metadata(source: str, file: str) -> FileMeta:
    lines = source.splitlines()
    package = RuleMeta()
    rules: dict[str, RuleMeta] = {}
    for header, body, target in metadata_blocks(lines):
        annotation = _parse(body, file, header + 1)
        meta = _meta(annotation, file, header + 1)
        code = lines[target] if target < len(lines) else ""
        if annotation.get("scope") in ("package", "subpackages") or _PACKAGE.match(code):
            package = meta
            continue
        found = _RULE.match(code)
        if found and found.group(1) not in rules:
            rules[found.group(1)] = meta
    return FileMeta(package, rules)


def _parse(body: list[str], file: str, line: int) -> dict[str, Any]:
    try:
        value = yaml.safe_load(textwrap.dedent("\n".join(body)))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = line + 1 + mark.line if mark is not None else line
        raise PolicyLoadError("METADATA is not valid YAML", file, at) from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PolicyLoadError("METADATA must be a YAML mapping", file, line)
    return value


def _text(value: Any) -> str:
    return str(value).strip() if isinstance(value, str | int | float) else ""


def _meta(annotation: dict[str, Any], file: str, line: int) -> RuleMeta:
    custom = annotation.get("custom")
    custom = custom if isinstance(custom, dict) else {}
    severity = None
    if custom.get("severity") is not None:
        try:
            severity = Severity.parse(str(custom["severity"]))
        except ValueError as exc:
            raise PolicyLoadError(f"METADATA custom.severity: {exc}", file, line) from None
    return RuleMeta(title=_text(annotation.get("title")),
                    description=_text(annotation.get("description")),
                    severity=severity, remediation=_text(custom.get("remediation")))
