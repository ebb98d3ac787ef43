"""Values files: read safely, merged the way Helm merges ``-f`` files.

Files are read by the scanner (not by Helm) so that a broken file is reported with its line,
and a path that leaves the repository — ``../../etc/x``, a symlink pointing outside — is
refused before anything opens it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from engine.limits import BINARY_CODE, LimitExceeded, NotReadable, binary_problem, read_limited
from engine.load.kubernetes import yaml_loader
from engine.mappings import deep_merge
from engine.source.paths import resolve_inside


class ValuesProblem(Exception):
    def __init__(self, message: str, file: str, line: int = 0, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.code = code  # "" : the chart's render error code


def inside_root(root: Path, relative: str) -> str | None:
    """``relative`` normalized (POSIX, relative to ``root``), or None when it escapes it."""
    return resolve_inside(root, "", relative)


def read_values_file(root: Path, name: str) -> dict[str, Any]:
    """A values file as a mapping (empty file: {}); ``ValuesProblem`` names file and line."""
    safe = inside_root(root, name)
    if safe is None:
        raise ValuesProblem("values file path leaves the repository; it was not read", name)
    path = root / safe
    try:
        raw = read_limited(path)
    except FileNotFoundError:
        raise ValuesProblem("values file not found", safe) from None
    except (LimitExceeded, NotReadable) as exc:
        raise ValuesProblem(f"values file: {exc.message}", safe, 0, exc.code) from None
    except OSError as exc:
        raise ValuesProblem(f"values file cannot be read ({exc.strerror})", safe) from None
    problem = binary_problem(raw)
    if problem:
        raise ValuesProblem(f"values file: {problem}: not parsed as text", safe, 0, BINARY_CODE)
    text = raw.decode("utf-8")
    try:
        loaded = yaml.load(text, Loader=yaml_loader())  # a safe loader (SafeLoader subclass)
    except LimitExceeded as exc:
        raise ValuesProblem(f"values file: {exc.message}", safe, exc.line, exc.code) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ValuesProblem(f"invalid YAML in values file: {exc.problem or 'syntax error'}",
                            safe, mark.line + 1 if mark is not None else 0) from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise ValuesProblem(f"invalid YAML in values file ({type(exc).__name__})", safe) from None
    if loaded is None:
        return {}
    if not isinstance(loaded, Mapping):
        raise ValuesProblem("values file must hold a mapping at the top level", safe, 1)
    return dict(loaded)


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's merge of successive values files: maps merge key by key, anything else is
    replaced by the later file (a ``null`` is kept: Helm's coalescing then drops the key)."""
    return deep_merge(base, override)
