"""conftest ``exception`` rules as entries of the waiver register (DESIGN.md §7).

A conftest exception is written in Rego by the policy's author: it has no owner, approver,
ticket or expiry, and it changes only when the policy changes. The register still has to
show it, so that an auditor sees every waived finding in one place. These entries have the
register's fields, with ``owner``/``approver``/``approved_on``/``expires`` left ``None``
and ``kind: conftest``; they are never "expired" or "stale" (the exception applied in this
scan, by construction). The waiver machinery lists them beside the governed waivers and
never lets them waive anything else.
"""

from __future__ import annotations

import hashlib
from typing import Any

from engine.model import ConftestException, ScanResult


def register_entry(exception: ConftestException) -> dict[str, Any]:
    key = "\x1f".join((exception.policy_id, exception.file, exception.resource))
    return {
        "id": f"conftest-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:12]}",
        "kind": "conftest",
        "policies": [exception.policy_id],
        "scope": {"paths": [exception.file], "resources": [exception.resource]},
        "reason": (f"conftest exception {exception.name!r}"
                   + (f" in {exception.source}" if exception.source else "")),
        "owner": None,
        "approver": None,
        "approved_on": None,
        "ticket": None,
        "expires": None,
        "waived_findings": exception.waived,
    }


def register_entries(result: ScanResult) -> list[dict[str, Any]]:
    """One entry per (waived rule, file, resource); several documents matching the same
    one are one entry with their waived findings added up."""
    entries: dict[str, dict[str, Any]] = {}
    for exception in result.conftest_exceptions:
        entry = register_entry(exception)
        if entry["id"] in entries:
            entries[entry["id"]]["waived_findings"] += exception.waived
        else:
            entries[entry["id"]] = entry
    return sorted(entries.values(), key=lambda e: (e["scope"]["paths"], e["policies"],
                                                    e["scope"]["resources"]))
