"""Validation of ``report.json`` against engine/schemas/quarterly-report-v1.json.

The builder validates what it is about to write and ``report verify`` what it reads back;
the renderers trust only a document that passed. Errors name the JSON path of the value
(``$.controls[0].status``) so a broken report says where it is broken.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from engine.resources import schemas_dir

SCHEMA_NAME = "quarterly-report-v1.json"
_SHORT = 60


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((schemas_dir() / SCHEMA_NAME).read_text("utf-8"))
    return loaded


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


def validate_report(data: Any) -> list[str]:
    """Every way ``data`` breaks the schema, as ``"$.path: message"``, in document order
    (empty when it is valid). The order is stable: same document, same list."""
    errors = sorted((_leaf(e) for e in _validator().iter_errors(data)),
                    key=lambda e: (_sort_key(e.absolute_path), str(e.message)))
    return [f"{json_path(error.absolute_path)}: {_message(error)}" for error in errors]


def json_path(path: Iterable[Any]) -> str:
    """``$.a.b[0].c``; a key that is not a plain identifier is quoted:
    ``$.tool["gitops-compliance"]``."""
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).isidentifier():
            out += f".{part}"
        else:
            out += "[" + json.dumps(str(part), ensure_ascii=True) + "]"
    return out


def _sort_key(path: Iterable[Any]) -> tuple[tuple[int, str], ...]:
    return tuple((0, f"{p:012d}") if isinstance(p, int) else (1, str(p)) for p in path)


def _leaf(error: ValidationError) -> ValidationError:
    """For ``oneOf`` (a value or null), the error of the branch that nearly matched, so the
    path goes down to the bad field (``...first_seen.commit``) instead of stopping above it."""
    while error.context:
        candidates = [e for e in error.context if e.validator != "type"] or list(error.context)
        error = max(candidates, key=lambda e: (len(e.absolute_path), -candidates.index(e)))
    return error


def _message(error: ValidationError) -> str:
    """jsonschema's message, with the offending value shortened: a report value can be a long
    commit subject, and the message must stay one readable line."""
    if error.validator in ("pattern", "enum", "const", "type", "oneOf"):
        expected = {"pattern": f"does not match {error.validator_value}",
                    "enum": "is not one of " + json.dumps(error.validator_value),
                    "const": "should be " + json.dumps(error.validator_value),
                    "type": f"is not of type {json.dumps(error.validator_value)}",
                    "oneOf": "is not valid here"}[str(error.validator)]
        return f"{_short(error.instance)} {expected}"
    return str(error.message).replace("\n", " ")


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _SHORT else text[:_SHORT - 1] + "…"


class InvalidReport(ValueError):
    """A document that is not a valid report.json v1; ``problems`` are validate_report's."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more"
                                           if len(problems) > 5 else "")
        super().__init__(f"not a valid quarterly report (schema {SCHEMA_NAME}): {shown}")


def require_valid(data: Any) -> None:
    """Raise InvalidReport unless ``data`` is valid. The renderers call it first: the values
    they place in attributes and class names (statuses, verdicts, commit ids) are then known
    to be from the schema's enums and patterns."""
    problems = validate_report(data)
    if problems:
        raise InvalidReport(problems)
