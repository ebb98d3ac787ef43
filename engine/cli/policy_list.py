"""``gitops-compliance policy list``: every policy — each catalog row (GXP-01 … GPU-07),
the loaded Rego policies that are no row, and the Checkov ids mapped to no row — with
engine, severity, family, controls and the Checkov ids that implement a row."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from engine.cli.outputs import write_output
from engine.cli.policy import outputs_and_policies
from engine.library.listing import PolicyEntry, policy_entries
from engine.model import worst_exit_code

FORMATS = ("text", "json")
_HEADERS = ("ID", "ENGINE", "SEVERITY", "FAMILY", "CONTROLS", "CHECKOV")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    prepared = outputs_and_policies(args, err, FORMATS, "text")
    if isinstance(prepared, int):
        return prepared
    outputs, loaded = prepared
    entries = policy_entries(loaded.library, loaded.config.severity)
    code = 0
    for output in outputs:
        text = render_json(entries) if output.format == "json" else render_text(entries)
        code = worst_exit_code(code, write_output(output, text, out, err))
    return code


def render_json(entries: list[PolicyEntry]) -> str:
    """Schema: engine/schemas/policy-list-v1.json."""
    document = {"schema_version": 1, "policies": [e.to_json() for e in entries]}
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def _cells(entry: PolicyEntry) -> tuple[str, ...]:
    severity = entry.severity.value if entry.severity else "-"
    engine = entry.engine if entry.implemented else f"{entry.engine} (not implemented)"
    return (entry.id, engine, severity, entry.family, " ".join(entry.controls) or "-",
            " ".join(entry.checkov_ids) if entry.checkov_ids != (entry.id,) else "-")


def render_text(entries: list[PolicyEntry]) -> str:
    rows = [_HEADERS, *(tuple(_plain(c) for c in _cells(e)) for e in entries)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_HEADERS) - 1)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=False))
             + "  " + r[-1] for r in rows]
    missing = sum(1 for e in entries if not e.implemented)
    summary = f"{len(entries)} policies"
    if missing:
        summary += f", {missing} not implemented"
    return "\n".join(line.rstrip() for line in lines) + f"\n\n{summary}\n"


def _plain(text: str) -> str:
    """Terminal-safe: a user's policy metadata cannot move the cursor or recolour the
    screen."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)
