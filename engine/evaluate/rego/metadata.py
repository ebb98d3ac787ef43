"""The OPA ``# METADATA`` block of a policy package, read into ``PolicyMeta``.

OPA annotations are YAML written in comments directly above the statement they annotate;
the block above ``package`` has package scope. The project's keys live under ``custom:``
(DESIGN.md §6). Metadata is data: a missing or malformed block is a load error naming the
file and line, never a policy silently run without an id or severity.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from typing import Any

import yaml

from engine.evaluate.rego.errors import PolicyLoadError
from engine.model import Engine, PolicyMeta, Severity

_HEADER = re.compile(r"^\s*#\s*METADATA\s*$")
_PACKAGE = re.compile(r"^\s*package\s+\S")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")

# Keys OPA defines for annotations; anything else at the top level is a typo.
_OPA_KEYS = frozenset(
    {"title", "description", "scope", "custom", "authors", "organizations", "related_resources",
     "schemas", "entrypoint"}
)
_CUSTOM_KEYS = frozenset(
    {"id", "severity", "family", "controls", "catalog", "applies_to", "remediation",
     "regulatory"}
)
DEFAULT_FAMILY = "custom"
# libyaml's safe loader where PyYAML has it: every scan parses every policy's METADATA.
_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def metadata_blocks(lines: list[str]) -> list[tuple[int, list[str], int]]:
    """Every METADATA block: (header line, comment bodies, index of the next code line).

    Blank lines between a block and its statement are tolerated, as OPA does.
    """
    found: list[tuple[int, list[str], int]] = []
    i = 0
    while i < len(lines):
        if not _HEADER.match(lines[i]):
            i += 1
            continue
        header = i
        body: list[str] = []
        i += 1
        while i < len(lines) and lines[i].lstrip().startswith("#"):
            body.append(lines[i].lstrip()[1:])
            i += 1
        next_code = i
        while next_code < len(lines) and not lines[next_code].strip():
            next_code += 1
        found.append((header, body, next_code))
    return found


def _package_line(lines: list[str]) -> int:
    for index, line in enumerate(lines):
        if _PACKAGE.match(line):
            return index
    return -1


def find_package_block(source: str, file: str) -> tuple[dict[str, Any], int] | None:
    """The parsed package-scoped METADATA block of ``source`` and its 1-based line.

    ``None`` when the file has none. A block is package-scoped when it sits directly above
    ``package`` (OPA's default there) or says ``scope: package``.
    """
    lines = source.splitlines()
    package_at = _package_line(lines)
    chosen: list[tuple[dict[str, Any], int]] = []
    for header, body, next_code in metadata_blocks(lines):
        annotation = _parse_yaml(body, file, header + 1)
        scope = annotation.get("scope")
        above_package = next_code == package_at
        if scope == "package" or (scope is None and above_package):
            if not above_package:
                raise PolicyLoadError(
                    "a METADATA block with scope: package must sit directly above the "
                    "package statement", file, header + 1)
            chosen.append((annotation, header + 1))
        elif above_package and scope != "subpackages":
            raise PolicyLoadError(
                f"the METADATA block above the package statement has scope {scope!r}; "
                "expected 'package'", file, header + 1)
    if len(chosen) > 1:
        raise PolicyLoadError("more than one package-scoped METADATA block", file, chosen[1][1])
    return chosen[0] if chosen else None


def _parse_yaml(body: list[str], file: str, line: int) -> dict[str, Any]:
    text = textwrap.dedent("\n".join(body))
    try:
        value = yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = line + 1 + mark.line if mark is not None else line
        raise PolicyLoadError(f"METADATA is not valid YAML: {exc}", file, at) from None
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise PolicyLoadError("METADATA must be a YAML mapping", file, line)
    return value


def _string(value: Any, key: str, file: str, line: int, *, required: bool) -> str:
    if value is None:
        if required:
            raise PolicyLoadError(f"METADATA is missing custom.{key}", file, line)
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise PolicyLoadError(f"METADATA {key} must be a string", file, line)
    return str(value).strip()


def _string_list(value: Any, key: str, file: str, line: int) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise PolicyLoadError(f"METADATA {key} must be a list of strings", file, line)
    return tuple(v.strip() for v in value)


def meta_from_annotation(annotation: Mapping[str, Any], file: str, line: int) -> PolicyMeta:
    """Validate one package annotation and build the policy's metadata."""
    unknown = sorted(set(annotation) - _OPA_KEYS)
    if unknown:
        raise PolicyLoadError(f"unknown METADATA key(s): {', '.join(unknown)}", file, line)
    custom = annotation.get("custom")
    if not isinstance(custom, dict):
        raise PolicyLoadError("METADATA has no custom: section with id and severity", file, line)
    unknown = sorted(str(k) for k in set(custom) - _CUSTOM_KEYS)
    if unknown:
        allowed = ", ".join(sorted(_CUSTOM_KEYS))
        raise PolicyLoadError(
            f"unknown METADATA custom key(s): {', '.join(unknown)} (allowed: {allowed})",
            file, line)

    policy_id = _string(custom.get("id"), "id", file, line, required=True)
    if not _ID.match(policy_id):
        raise PolicyLoadError(f"METADATA id {policy_id!r} is not a valid policy id", file, line)
    severity_text = _string(custom.get("severity"), "severity", file, line, required=True)
    try:
        severity = Severity.parse(severity_text)
    except ValueError as exc:
        raise PolicyLoadError(f"METADATA {exc}", file, line) from None

    title = _string(annotation.get("title"), "title", file, line, required=False)
    return PolicyMeta(
        id=policy_id,
        title=title or policy_id,
        severity=severity,
        family=_string(custom.get("family"), "family", file, line, required=False)
        or DEFAULT_FAMILY,
        engine=Engine.REGO,
        controls=_string_list(custom.get("controls"), "controls", file, line),
        catalog=_string_list(custom.get("catalog"), "catalog", file, line),
        applies_to=_string_list(custom.get("applies_to"), "applies_to", file, line),
        remediation=_string(custom.get("remediation"), "remediation", file, line,
                            required=False),
        description=_string(annotation.get("description"), "description", file, line,
                            required=False),
        source=file,
        regulatory=_regulatory(custom.get("regulatory"), file, line),
    )


def _regulatory(value: Any, file: str, line: int) -> bool:
    """``regulatory: false`` marks a policy that evidences no regulatory clause on purpose
    (GPU cost caps); the control catalog test accepts no controls only for those."""
    if value is None:
        return True
    if not isinstance(value, bool):
        raise PolicyLoadError("METADATA regulatory must be true or false", file, line)
    return value


def parse_policy_metadata(source: str, file: str) -> PolicyMeta:
    """The ``PolicyMeta`` of a policy file; ``PolicyLoadError`` when it has none or it is bad."""
    found = find_package_block(source, file)
    if found is None:
        raise PolicyLoadError(
            "no METADATA block (scope: package) above the package statement; every policy "
            "needs one with custom.id and custom.severity", file, 1)
    annotation, line = found
    return meta_from_annotation(annotation, file, line)
