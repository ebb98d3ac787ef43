"""Decide: the pure steps between evaluation and reporting (DESIGN.md §3, "decide").

Severity overrides from config and a deterministic order. The verdict itself is computed by
``ScanResult.verdict`` so that every caller (CLI, reports) agrees on one rule. Waivers and
the diff baseline join here when they land.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from engine.model import Finding, Severity


def apply_severity_overrides(findings: Iterable[Finding],
                             overrides: Mapping[str, Severity]) -> list[Finding]:
    if not overrides:
        return list(findings)
    return [dataclasses.replace(f, severity=overrides[f.policy_id])
            if f.policy_id in overrides else f for f in findings]


def order_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Same tree + same policies = same findings in the same order; exact repeats dropped."""
    unique = {(f.policy_id, f.unit, f.resource, f.attribute, f.message, f.status, f.file,
               f.line): f for f in findings}
    return sorted(unique.values(), key=Finding.sort_key)
