"""Decide: the waivers file applied to a scan's findings (after the cache: never cached)."""

from __future__ import annotations

from datetime import UTC, datetime

from engine.model import Finding, ScanError, WaiverSummary
from engine.pipeline.request import ScanRequest


def apply_request_waivers(request: ScanRequest, findings: list[Finding]
                   ) -> tuple[list[Finding], WaiverSummary | None, list[ScanError]]:
    """Waivers from ``request.waivers_file`` (a bad file is a configuration error: exit 2,
    and no waiver applies)."""
    if request.waivers_file is None:
        return findings, None, []
    from engine.decide.waiver_file import display_path, load_waivers
    from engine.decide.waivers import apply_waivers

    as_of = request.as_of or datetime.now(UTC).date()
    shown = display_path(request.waivers_file, request.snapshot.root)
    loaded = load_waivers(request.waivers_file, max_days=request.config.waiver_max_days,
                          display=shown)
    if not loaded.valid:
        errors = [ScanError("waiver-error", p.message if not p.waiver else
                            f"waiver {p.waiver}: {p.message}", file=p.file, line=p.line,
                            invalid=True) for p in loaded.problems]
        return findings, WaiverSummary(shown, as_of.isoformat()), errors
    outcome = apply_waivers(findings, loaded.waivers, as_of)
    return list(outcome.findings), WaiverSummary(
        file=shown, as_of=as_of.isoformat(), applied=outcome.applied, expired=outcome.expired,
        pending=outcome.pending, stale=outcome.stale), []
