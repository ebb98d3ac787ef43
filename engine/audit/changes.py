"""What each commit of the period changed that an auditor asks about: validated resources
(change control, GXP-11), the files that govern the gate, and whether the gate it merged
through would have been red.

"The gate" is the PR check (docs/pr-check.md): a commit merged while it was red brought a
blocking violation its first parent did not have, a new scan error (incomplete), or a
config the tool could not read (invalid).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine.audit.lifecycle import covers, unread
from engine.audit.timeline import CommitScan


def _evaluated_pairs(start: CommitScan | None, commits: Sequence[CommitScan]
                     ) -> list[tuple[CommitScan | None, CommitScan]]:
    """Each evaluated commit with the evaluated state before it."""
    pairs: list[tuple[CommitScan | None, CommitScan]] = []
    previous = start if start is not None and start.evaluated else None
    for scan in commits:
        pairs.append((previous, scan))
        if scan.evaluated:
            previous = scan
    return pairs


def change_control(start: CommitScan | None, commits: Sequence[CommitScan],
                   cite: Mapping[str, dict[str, str]]) -> list[dict[str, Any]]:
    """Commits that added, changed or removed a resource tagged (or labelled)
    ``validation-status: validated`` on either side of the change."""
    rows = []
    for previous, scan in _evaluated_pairs(start, commits):
        if not scan.evaluated:
            continue
        before = previous.validated if previous is not None else {}
        after = scan.validated
        # What either side could not read says nothing: no change is recorded for it.
        missing = [unread(s.errors) for s in (previous, scan) if s is not None]
        touched = []
        for key in sorted(set(before) | set(after)):
            old, new = before.get(key), after.get(key)
            if old is not None and new is not None and old[0] == new[0]:
                continue
            unit, _, address = key.partition("|")
            files = {side[1] for side in (old, new) if side is not None}
            if any(covers(m, unit, f) for m in missing for f in files):
                continue
            change = "added" if old is None else "deleted" if new is None else "modified"
            touched.append({"address": address, "unit": unit,
                            "file": (new or old or ("", ""))[1], "change": change})
        if touched:
            rows.append({**cite[scan.commit.sha], "resources": touched})
    return rows


def governance(commits: Sequence[CommitScan],
               cite: Mapping[str, dict[str, str]]) -> list[dict[str, Any]]:
    return [{**cite[scan.commit.sha], "kind": change.kind, "status": change.status,
             "path": change.path}
            for scan in commits for change in scan.governance]


def _error_key(error: Any) -> tuple[str, str, int, str]:
    return (error.code, error.file, error.line, error.message)


def gate(start: CommitScan | None, commits: Sequence[CommitScan]
         ) -> dict[str, dict[str, Any]]:
    """Per commit: its verdict, the blocking violations new against its first parent, and
    its new errors."""
    out: dict[str, dict[str, Any]] = {}
    for previous, scan in _evaluated_pairs(start, commits):
        # Present before, failed or waived: the PR check's baseline (the merge-base, judged
        # on the same day) fails it too, so it is pre-existing, not new. A waiver expiring
        # does not make a commit red; it makes the branch red, which the commit row shows.
        failing_before = set(previous.seen) if previous else set()
        errors_before = {_error_key(e) for e in (previous.errors if previous else ())}
        # The gate judged the tree with the first parent's config and waivers: when the
        # commit changed them, that scan decides (a commit cannot waive its own violation).
        judged = scan.gate_seen if scan.gate_seen is not None else scan.seen
        verdict = scan.gate_verdict or scan.verdict
        if scan.verdict == "invalid":
            verdict = "invalid"
        new_blocking = sorted(
            (seen.finding for fp, seen in judged.items()
             if seen.blocks and fp not in failing_before),
            key=lambda f: f.sort_key())
        new_errors = [e for e in scan.errors if _error_key(e) not in errors_before]
        out[scan.commit.sha] = {
            "verdict": verdict,
            "new_blocking": [{"policy_id": f.policy_id, "severity": f.severity.value,
                              "resource": f.resource, "file": f.file, "line": f.line}
                             for f in new_blocking],
            "new_errors": len(new_errors),
            "red": bool(new_blocking or new_errors or verdict == "invalid"),
        }
    return out
