"""When each violation appeared and when it was fixed, commit by commit.

A violation is a finding that failed or was waived (waived is still a violation, accepted
by someone named in the register), identified by its fingerprint (DESIGN.md §5: no file or
line in it, so moving a resource keeps it). Following the first-parent chain from the
period's start tree, a fingerprint that appears is *introduced* by that commit, and one
that disappears is *resolved* by it; the same violation may come and go more than once.

A commit that could not be fully read (a file that failed to parse, a chart that failed to
render, a config that is invalid) says nothing about the violations of what it could not
read: they keep their previous state, so a broken file never counts as a fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import mean, median

from engine.audit.timeline import CommitScan, Seen
from engine.cache.units import KUBERNETES
from engine.model import ScanError
from engine.source.history import CommitInfo


@dataclass(frozen=True)
class Episode:
    """One stretch of time a violation was present."""

    fingerprint: str
    seen: Seen  # as last reported while open
    introduced: CommitInfo | None  # None: already present when the period began
    resolved: CommitInfo | None  # None: still present at the period's end

    def days_open(self, until: datetime) -> float | None:
        """Days from introduction to resolution (or to ``until`` while open); None when
        it was introduced before the period (its start is not in the walked history)."""
        if self.introduced is None:
            return None
        stop = self.resolved.committed if self.resolved is not None else until
        return round((stop - self.introduced.committed).total_seconds() / 86400, 2)


def episodes(start: CommitScan | None, commits: Sequence[CommitScan],
             end: CommitScan | None = None) -> list[Episode]:
    """Every episode that was open at some point of the period, in order of introduction
    (those already open at the start first), then fingerprint. Those still open show the
    state of the period-end snapshot (``end``: judged on the period's last day, when a
    waiver may have expired since the last commit)."""
    open_: dict[str, tuple[Seen, CommitInfo | None]] = {}
    if start is not None and start.evaluated:
        open_ = {fp: (seen, None) for fp, seen in start.seen.items()}
    done: list[Episode] = []
    for scan in commits:
        if not scan.evaluated:
            continue
        missing = unread(scan.errors)
        for fp in sorted(set(open_) - set(scan.seen)):
            seen, since = open_[fp]
            if covers(missing, seen.finding.unit, seen.finding.file):
                continue  # not read at this commit: state unknown, keep it open
            done.append(Episode(fp, seen, since, scan.commit))
            del open_[fp]
        for fp, seen in scan.seen.items():
            since = open_[fp][1] if fp in open_ else scan.commit
            open_[fp] = (seen, since)
    final = end.seen if end is not None and end.evaluated else {}
    done.extend(Episode(fp, final.get(fp, seen), since, None)
                for fp, (seen, since) in open_.items())
    return sorted(done, key=_order)


def _order(episode: Episode) -> tuple[object, ...]:
    introduced = episode.introduced.committed.timestamp() if episode.introduced else 0.0
    return (introduced, episode.fingerprint,
            episode.resolved.committed.timestamp() if episode.resolved else float("inf"))


def unread(errors: Sequence[ScanError]) -> tuple[set[str], set[str]]:
    """The units and files a commit's errors say were not fully read. The Kubernetes unit
    is every manifest of the scope, each read on its own: an error there costs its file
    only. A Terraform module or a chart is read (or rendered) as a whole."""
    return ({e.unit for e in errors if e.unit and e.unit != KUBERNETES},
            {e.file for e in errors if e.file})


def covers(missing: tuple[set[str], set[str]], unit: str, file: str) -> bool:
    """Whether what is at ``unit`` and ``file`` was not (fully) read, by :func:`unread`."""
    units, files = missing
    return unit in units or file in files or any(
        file.startswith(f.rstrip("/") + "/") for f in files)


@dataclass(frozen=True)
class Remediation:
    resolved: int  # episodes resolved in the period
    measured: int  # of those, introduced in the period too (their time to fix is known)
    mean_days: float | None
    median_days: float | None
    carried_over: int  # resolved, but introduced before the period began


def remediation(found: Sequence[Episode], until: datetime) -> Remediation:
    resolved = [e for e in found if e.resolved is not None]
    days = [d for e in resolved if (d := e.days_open(until)) is not None]
    return Remediation(
        resolved=len(resolved), measured=len(days),
        mean_days=round(mean(days), 2) if days else None,
        median_days=round(median(days), 2) if days else None,
        carried_over=sum(1 for e in resolved if e.introduced is None))
