"""Turn an hcl2 block body into attributes and nested blocks.

hcl2 (Checkov's fork) returns every body as ``{key: [entry, ...]}``: an attribute
``a = 1`` is ``{"a": [1]}`` and a nested block ``versioning { ... }`` is
``{"versioning": [{...}]}``. **The rule that tells them apart:** an entry that is a plain
``dict`` is a block body; an object *expression* is an :class:`~.hcl.HclObject` (our parser
marks it, see :mod:`.hcl`); anything else (string, number, bool, null, list) is an attribute
value. So a key whose entries are all plain dicts is a nested block and becomes a list of
objects, even when it appears once; otherwise it is an attribute and its single entry is the
value. A labelled nested block (``provisioner "local-exec" {}``) arrives as
``{"local-exec": {...}}`` and is kept as ``{"local-exec": [<body>]}``.

``dynamic "x" { for_each = ...; content {...} }`` becomes a :class:`Dynamic` placeholder
under ``x``; the resolver decides what it stands for (nothing when ``for_each`` is
statically empty, otherwise ``$unknown``: content is not expanded). hcl2's bookkeeping keys
(``__start_line__``, ``__end_line__``) are dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hcl2 import END_LINE, START_LINE

from engine.load.terraform.hcl import HclObject

BOOKKEEPING = frozenset({START_LINE, END_LINE})


@dataclass(frozen=True)
class Dynamic:
    """``dynamic "<label>"`` blocks (possibly beside static ``<label>`` blocks)."""

    label: str
    for_each: tuple[Any, ...]  # the raw for_each of each dynamic block
    static: tuple[dict[str, Any], ...]  # static blocks of the same name, normalized


def is_block_body(entry: Any) -> bool:
    return isinstance(entry, dict) and not isinstance(entry, HclObject)


def _is_label_level(entry: Mapping[str, Any]) -> bool:
    # A body's values are lists (or hcl2's int line numbers); a label level maps exactly
    # one label to the next level down.
    if len(entry) != 1:
        return False
    return isinstance(next(iter(entry.values())), dict)


def normalize_block(entry: Mapping[str, Any]) -> dict[str, Any]:
    if _is_label_level(entry):
        label, inner = next(iter(entry.items()))
        return {str(label): [normalize_block(inner)]}
    return normalize_body(entry)


def normalize_body(body: Mapping[str, Any]) -> dict[str, Any]:
    """Attributes (raw values) and nested blocks (lists of normalized bodies)."""
    out: dict[str, Any] = {}
    dynamics: dict[str, list[Any]] = {}
    for key, entries in body.items():
        if key in BOOKKEEPING:
            continue
        if not isinstance(entries, list):
            out[key] = entries
            continue
        if key == "dynamic" and entries and all(is_block_body(e) for e in entries):
            for entry in entries:
                for label, inner in entry.items():
                    if isinstance(inner, Mapping):
                        raw_for_each = inner.get("for_each", [None])
                        dynamics.setdefault(str(label), []).append(
                            raw_for_each[0] if isinstance(raw_for_each, list) and raw_for_each
                            else raw_for_each
                        )
            continue
        if entries and all(is_block_body(e) for e in entries):
            out[key] = [normalize_block(e) for e in entries]
        elif len(entries) == 1:
            out[key] = entries[0]
        else:
            out[key] = entries  # a repeated attribute (invalid HCL): keep every value
    for label, for_each in dynamics.items():
        static = out.get(label)
        static_blocks = tuple(static) if isinstance(static, list) and all(
            is_block_body(b) for b in static) else ()
        out[label] = Dynamic(label, tuple(for_each), static_blocks)
    return out


def start_line(body: Mapping[str, Any]) -> int:
    value = body.get(START_LINE, 0)
    return value if isinstance(value, int) else 0


def end_line(body: Mapping[str, Any]) -> int:
    value = body.get(END_LINE, 0)
    return value if isinstance(value, int) else 0
