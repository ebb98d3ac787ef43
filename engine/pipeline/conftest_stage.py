"""Evaluate with conftest-style policies, on the scope's files (or a change's files)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.discover.units import in_scope
from engine.model import Finding, ScanError
from engine.pipeline.request import ScanRequest

if TYPE_CHECKING:
    from engine.conftest_scan import ConftestOutcome

def run_conftest_policies(request: ScanRequest, findings: list[Finding],
                  errors: list[ScanError]) -> ConftestOutcome | None:
    """conftest-style policies on the scope's files (in staged and diff scans: the changed
    files); their findings join the others before decide, so waivers apply to them too."""
    if request.conftest is None:
        return None
    from engine.conftest_scan import run_conftest

    scope = request.scope
    if request.changed is not None:
        scope = tuple(f for f in sorted(request.changed) if in_scope(f, request.scope))
    outcome = run_conftest(request.snapshot, scope, request.config.exclude, request.conftest)
    findings.extend(outcome.findings)
    # A file both loaders failed to parse is one problem: keep the first report of it.
    broken = {e.file for e in errors if e.code == "parse-error"}
    errors.extend(e for e in outcome.errors if not (e.code == "parse-error" and e.file in broken))
    return outcome
