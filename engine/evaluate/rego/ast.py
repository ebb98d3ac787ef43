"""Rule names from regorus's AST (``Engine.get_ast_as_json``).

The loader needs two facts the engine already parsed: which ``test_*`` rules a test file
defines, and whether a library package defines ``deny``/``violation``/``warn`` (rules that
would be silently ignored there). Reading regorus's AST avoids a second, weaker parser.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def _head_name(head: Any) -> str | None:
    """The leading name of a rule head (``deny`` in ``deny contains x``, ``a`` in ``a.b``)."""
    if not isinstance(head, Mapping):
        return None
    for value in head.values():
        if not isinstance(value, Mapping):
            continue
        ref = value.get("refr")
        while isinstance(ref, Mapping):
            if "Var" in ref:
                name = ref["Var"].get("value")
                return name if isinstance(name, str) else None
            inner = next(iter(ref.values()), None)
            ref = inner.get("refr") if isinstance(inner, Mapping) else None
    return None


def _rule_entries(rule: Any) -> tuple[str | None, int]:
    if not isinstance(rule, Mapping):
        return None, 0
    for variant in rule.values():  # "Spec" or "Default"
        if not isinstance(variant, Mapping):
            continue
        span = variant.get("span", {})
        line = span.get("line", 0) if isinstance(span, Mapping) else 0
        if "head" in variant:
            return _head_name(variant["head"]), int(line)
        ref = variant.get("refr")
        if isinstance(ref, Mapping) and "Var" in ref:
            return str(ref["Var"].get("value")), int(line)
    return None, 0


def rule_names_by_file(ast_json: str) -> dict[str, dict[str, int]]:
    """For each policy file: rule name -> line of its first definition."""
    out: dict[str, dict[str, int]] = {}
    for module in json.loads(ast_json):
        file = str(module.get("source", {}).get("file", ""))
        names = out.setdefault(file, {})
        for rule in module.get("ast", {}).get("rules", []):
            name, line = _rule_entries(rule)
            if name is not None and name not in names:
                names[name] = line
    return out


def rule_entries(rule: Any) -> tuple[str | None, int]:
    """(leading name, line) of one rule of the AST (None when it has no plain name)."""
    return _rule_entries(rule)
