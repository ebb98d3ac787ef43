"""Markers for values the loader cannot or must not show, and Terraform's value formatting.

Two markers travel inside otherwise plain JSON values (docs/input-contract.md):

* ``{"$unknown": "<expression text>"}`` — the value depends on something a static read of
  the module cannot know (a resource attribute, a function call, a variable without value);
* ``{"$redacted": true}`` — the value is a secret (engine/load/redact.py).

Both are plain dicts so they serialize as-is; helpers here recognise them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from engine.load.redact import REDACTED

UNKNOWN_KEY = "$unknown"
REDACTED_KEY = "$redacted"


def unknown(text: str) -> dict[str, Any]:
    return {UNKNOWN_KEY: text}


def redacted() -> dict[str, Any]:
    return dict(REDACTED)


def is_unknown(value: Any) -> bool:
    return isinstance(value, Mapping) and len(value) == 1 and UNKNOWN_KEY in value


def is_redacted(value: Any) -> bool:
    return isinstance(value, Mapping) and len(value) == 1 and value.get(REDACTED_KEY) is True


def is_marker(value: Any) -> bool:
    return is_unknown(value) or is_redacted(value)


def contains(value: Any, predicate: Any) -> bool:
    """Whether ``predicate`` holds for ``value`` or anything nested in it."""
    stack = [value]
    while stack:
        item = stack.pop()
        if predicate(item):
            return True
        if isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def fully_known(value: Any) -> bool:
    return not contains(value, is_marker)


def format_scalar(value: Any) -> str | None:
    """How Terraform renders a primitive inside a string template; None if it cannot."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    return None  # null, lists and objects cannot be interpolated


def _integral_floats_to_int(value: Any) -> Any:
    # Terraform numbers have no int/float distinction: 1000.0 encodes as 1000.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: _integral_floats_to_int(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral_floats_to_int(v) for v in value]
    return value


def terraform_jsonencode(value: Any) -> str:
    """``jsonencode`` as Terraform renders it: sorted keys, no spaces, HTML-safe escapes.

    Matching Terraform's bytes keeps HCL-loaded and plan-loaded ``policy`` strings equal.
    """
    text = json.dumps(
        _integral_floats_to_int(value), sort_keys=True, separators=(",", ":"),
        ensure_ascii=False,
    )
    return (
        text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    )
