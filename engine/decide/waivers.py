"""Apply waivers to findings (DESIGN.md §7; docs/waivers.md).

Runs in the decide stage, after evaluation and after the result cache: waivers are never
cached, so a waiver that expires overnight stops applying on the next run whatever the cache
holds. Only ``failed`` findings can be waived; scan errors are not findings and can never be
waived. A waived finding stays in the result with status ``waived`` and the waiver's id.

Inline suppressions (Checkov's ``#checkov:skip=ID:reason`` comments and ``checkov.io/skip*``
annotations) count only as a *reference* to a registered waiver: a reason containing
``waiver:<ID>`` names the waiver. The waivers file alone decides what is waived — an inline
reference cannot widen a waiver's scope — so an inline skip whose waiver is unknown,
expired or does not cover the finding leaves the finding failed and is reported as an
unregistered suppression.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from engine.decide.waiver_file import Waiver, WaiverState
from engine.model import Finding, Status

# ``waiver:W-012`` anywhere in the inline skip's reason (Checkov keeps the text after
# ``ID:`` in a comment, after ``ID=`` in an annotation).
_REFERENCE = re.compile(r"\bwaiver:\s*([A-Za-z][A-Za-z0-9_.-]{0,63})")


@dataclass(frozen=True)
class WaiverOutcome:
    findings: tuple[Finding, ...]
    applied: tuple[tuple[str, int], ...]  # (waiver id, findings waived) for waivers that did
    expired: tuple[tuple[str, str], ...]  # (waiver id, expiry date): no longer applied
    pending: tuple[tuple[str, str], ...]  # (waiver id, approved_on): not in force yet
    stale: tuple[str, ...]  # active waivers that matched no finding of this scan


def inline_reference(reason: str) -> str | None:
    """The waiver id an inline skip's reason names, if any."""
    match = _REFERENCE.search(reason)
    return match.group(1).rstrip(".") if match else None


def apply_waivers(findings: Sequence[Finding], waivers: Sequence[Waiver],
                  as_of: date) -> WaiverOutcome:
    states = {w.id: w.state(as_of) for w in waivers}
    active = [w for w in waivers if states[w.id] is WaiverState.ACTIVE]
    by_id = {w.id: w for w in waivers}
    counts = {w.id: 0 for w in active}
    out: list[Finding] = []
    for finding in findings:
        if finding.status is not Status.FAILED:
            out.append(finding)
            continue
        reference = (inline_reference(finding.suppression)
                     if finding.suppression is not None else None)
        referenced = by_id.get(reference) if reference else None
        # The referenced waiver first when it covers the finding, then the file's order.
        candidates = [referenced] if referenced is not None else []
        waiver = next((w for w in [*candidates, *active]
                       if states.get(w.id) is WaiverState.ACTIVE and w.covers(finding)), None)
        if waiver is not None:
            counts[waiver.id] += 1
            message = finding.title if finding.suppression is not None else finding.message
            out.append(dataclasses.replace(finding, status=Status.WAIVED, waiver=waiver.id,
                                           message=message))
        elif finding.suppression is not None:
            out.append(dataclasses.replace(finding, message=_unregistered_message(
                finding, reference, referenced, states)))
        else:
            out.append(finding)
    return WaiverOutcome(
        findings=tuple(out),
        applied=tuple((i, n) for i, n in counts.items() if n),
        expired=tuple((w.id, w.expires.isoformat()) for w in waivers
                      if states[w.id] is WaiverState.EXPIRED),
        pending=tuple((w.id, w.approved_on.isoformat()) for w in waivers
                      if states[w.id] is WaiverState.PENDING),
        stale=tuple(i for i, n in counts.items() if not n),
    )


def _unregistered_message(finding: Finding, reference: str | None, referenced: Waiver | None,
                          states: dict[str, WaiverState]) -> str:
    if reference is None:
        return finding.message  # the engine's own "unregistered inline suppression" text
    if referenced is None:
        why = f"names waiver {reference}, which is not in the waivers file"
    elif states[referenced.id] is WaiverState.EXPIRED:
        why = f"names waiver {reference}, which expired (valid through {referenced.expires})"
    elif states[referenced.id] is WaiverState.PENDING:
        why = f"names waiver {reference}, which is not in force before {referenced.approved_on}"
    else:
        why = f"names waiver {reference}, which does not cover this policy, path or resource"
    return (f"{finding.title} — failed; an inline suppression {why}, so it is an unregistered "
            f"suppression and the finding counts.")
