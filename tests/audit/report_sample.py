"""The quarterly report every renderer is tested on, and its hostile twin.

``tests/audit/data/quarterly-report.json`` is a realistic ``report.json`` (the shape of
engine/schemas/quarterly-report-v1.json): a failed, a waived, a procedural and a
not-evaluated clause, a finding introduced and resolved in the period, one carried over and
resolved, one still open, a waiver expiring next period and an expired one, a red merge, a
change-control commit, a historical parse error. ``hostile_report()`` is the same document
with INJECTION appended to every string a repository controls.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from tests.report.samples import INJECTION

SAMPLE = Path(__file__).parent / "data" / "quarterly-report.json"

# Strings the tool writes itself (enums, hashes, dates, counts): they are checked by the
# schema, so a hostile value there is rejected before rendering and is not injected here.
_OURS = {"schema", "generated_at", "since", "until", "as_of", "start_commit", "end_commit",
         "from_commit", "digest", "bundle_digest", "fail_on", "end_snapshot", "fingerprint",
         "severity", "commit", "date", "coverage", "status", "state", "approved_on",
         "expires", "change", "kind", "verdict", "status_at_end", "code", "role",
         "judged_on", "fail_on_option", "gate", "first_commit", "first_date", "last_commit"}


def sample_report() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return loaded


def hostile_report() -> dict[str, Any]:
    """Every repository-controlled string (subjects, authors, files, resources, clauses,
    policy ids, waiver ids and reasons, messages, labels, paths, tool versions) ends with
    INJECTION; strings in lists too. Sign-off fields stay blank (they are for paper)."""
    report = copy.deepcopy(sample_report())

    def walk(node: Any, key: str) -> Any:
        if isinstance(node, dict):
            if key == "sign_off":
                return node
            return {k: walk(v, k) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, key) for v in node]
        if isinstance(node, str) and key not in _OURS:
            return node + INJECTION
        return node

    hostile: dict[str, Any] = walk(report, "")
    return hostile
