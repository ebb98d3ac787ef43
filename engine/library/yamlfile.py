"""YAML library files read with the line of every mapping, for errors that point at a row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

LINE_KEY = "__line__"


class LibraryFileError(ValueError):
    """A library data file (catalog, control catalog, case file) is invalid.

    The message starts with ``file:line:`` (line omitted when unknown)."""

    def __init__(self, message: str, file: str, line: int = 0) -> None:
        self.file = file
        self.line = line
        self.reason = message
        super().__init__(f"{file}:{line}: {message}" if line else f"{file}: {message}")


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records each mapping's 1-based line under ``__line__`` and refuses
    duplicate keys (a silently overwritten case or expectation would hide a typo)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping


def load_yaml(path: Path, display: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LibraryFileError(f"cannot read: {getattr(exc, 'strerror', None) or exc}",
                               display) from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise LibraryFileError(problem, display, mark.line + 1 if mark else 0) from None


def line_of(value: Any) -> int:
    return int(value.get(LINE_KEY, 0)) if isinstance(value, dict) else 0


def keys_of(value: dict[Any, Any]) -> set[Any]:
    return {k for k in value if k != LINE_KEY}


def check_keys(value: dict[Any, Any], allowed: set[str], required: set[str], what: str,
               display: str) -> None:
    line = line_of(value)
    unknown = sorted(str(k) for k in keys_of(value) - allowed)
    if unknown:
        raise LibraryFileError(f"{what}: unknown key {unknown[0]!r} (allowed: "
                               f"{', '.join(sorted(allowed))})", display, line)
    missing = sorted(required - keys_of(value))
    if missing:
        raise LibraryFileError(f"{what}: missing {missing[0]!r}", display, line)


def string_list(value: Any, what: str, display: str, line: int) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise LibraryFileError(f"{what}: expected a list of non-empty strings", display, line)
    if len(set(value)) != len(value):
        raise LibraryFileError(f"{what}: lists an id twice", display, line)
    return tuple(value)


def text(value: Any, what: str, display: str, line: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise LibraryFileError(f"{what}: expected a non-empty string", display, line)
    return value.strip()
