"""The scan's time budget (``limits.scan_seconds``, docs/limits.md).

Checked between units, never inside one (a unit's own work is bounded by its limits: Helm's
render timeout, the file and YAML limits). A unit that was not started because the budget
ran out is an error naming it: the result is incomplete (exit 3), never green.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engine.limits import LIMIT_CODE, Limits
from engine.model import ScanError, Unit


@dataclass(frozen=True)
class Budget:
    clock: Callable[[], float]
    started: float
    limits: Limits

    def spent(self) -> bool:
        return self.clock() - self.started >= self.limits.scan_seconds

    def skipped(self, unit: Unit, stage: str) -> ScanError:
        """The error for a unit whose ``stage`` (loading, rendering, evaluation) never ran."""
        return ScanError(LIMIT_CODE, f"{stage} not done: the scan's time budget "
                         f"({self.limits.describe('scan_seconds')} s) ran out first; the unit's "
                         "results are missing", file=unit.directory or (
                             unit.files[0] if unit.files else ""), unit=unit.identity)

    def stage_skipped(self, stage: str) -> ScanError:
        return ScanError(LIMIT_CODE, f"{stage} did not run: the scan's time budget "
                         f"({self.limits.describe('scan_seconds')} s) ran out first; its results "
                         "are missing")
