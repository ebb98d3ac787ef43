"""The waiver register: every waiver that was in the waivers file at some point of the
period, with its state at the period's end (DESIGN.md §7).

State, judged on the period's last day: *active*, *stale* (active, but waived nothing in
the period-end tree), *expired*, *pending* (approved for a later day), or *removed* (taken
out of the file during the period). A waiver still active at the end that expires before
the next period ends is flagged: someone must renew it or fix what it covers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from engine.audit.timeline import CommitScan
from engine.decide.waiver_file import Waiver, WaiverState


def register(start: CommitScan | None, commits: Sequence[CommitScan], end: CommitScan,
             end_day: date, next_until: date,
             cite: Mapping[str, dict[str, str]]) -> list[dict[str, Any]]:
    states = [s for s in ([start] if start is not None else []) + list(commits)
              if s.evaluated]
    latest: dict[str, Waiver] = {}
    added: dict[str, dict[str, str] | None] = {}
    removed: dict[str, dict[str, str] | None] = {}
    present: set[str] = set()
    for scan in states:
        ids = {w.id for w in scan.waivers}
        for waiver in scan.waivers:
            latest[waiver.id] = waiver
            if waiver.id not in present:
                added[waiver.id] = None if scan is start else cite[scan.commit.sha]
                removed.pop(waiver.id, None)
        for gone in present - ids:
            removed[gone] = cite[scan.commit.sha]
        present = ids
    in_force = {w.id for w in end.waivers}
    applied = dict(end.result.waivers.applied) if end.result and end.result.waivers else {}
    rows = []
    for waiver_id in sorted(latest):
        waiver = latest[waiver_id]
        in_file = waiver_id in in_force
        state = waiver.state(end_day).value if in_file else "removed"
        waived = applied.get(waiver_id, 0) if in_file else 0
        if state == WaiverState.ACTIVE.value and not waived:
            state = "stale"
        rows.append({
            "id": waiver.id, "policies": list(waiver.policies), "paths": list(waiver.paths),
            "resources": list(waiver.resources), "reason": waiver.reason,
            "owner": waiver.owner, "approver": waiver.approver,
            "approved_on": waiver.approved_on.isoformat(), "ticket": waiver.ticket,
            "expires": waiver.expires.isoformat(), "state": state,
            "findings_waived": waived,
            "expiring_next_period": state in ("active", "stale")
            and waiver.expires <= next_until,
            "added": added.get(waiver_id), "removed": removed.get(waiver_id),
        })
    return rows
