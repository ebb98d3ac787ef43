"""The reporting period: a calendar quarter (``2026-Q3``) or any ``--since``/``--until``
range of UTC dates, both ends inclusive (DESIGN.md §4, "Time").

``--as-of`` is the day the report is made for: a period that has not ended by then is
reported up to that day and marked incomplete, never extrapolated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    label: str  # "2026-Q3", or "2026-07-01..2026-09-30"
    since: date  # first day, inclusive
    until: date  # last day, inclusive

    @property
    def start(self) -> datetime:
        return datetime.combine(self.since, time(), UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the period (exclusive bound)."""
        return datetime.combine(self.until + timedelta(days=1), time(), UTC)

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    def previous(self) -> Period:
        """The period just before, of the same kind: the previous quarter, or a range of
        the same length ending the day before this one starts."""
        match = _QUARTER.match(self.label)
        if match:
            year, quarter = int(match[1]), int(match[2])
            year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
            return quarter_period(year, quarter)
        until = self.since - timedelta(days=1)
        return range_period(until - timedelta(days=self.days - 1), until)

    def next(self) -> Period:
        match = _QUARTER.match(self.label)
        if match:
            year, quarter = int(match[1]), int(match[2])
            year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
            return quarter_period(year, quarter)
        since = self.until + timedelta(days=1)
        return range_period(since, since + timedelta(days=self.days - 1))

    def as_dict(self) -> dict[str, str]:
        return {"label": self.label, "since": self.since.isoformat(),
                "until": self.until.isoformat()}


def quarter_period(year: int, quarter: int) -> Period:
    first_month = 3 * (quarter - 1) + 1
    since = date(year, first_month, 1)
    after = date(year + 1, 1, 1) if quarter == 4 else date(year, first_month + 3, 1)
    return Period(f"{year}-Q{quarter}", since, after - timedelta(days=1))


def range_period(since: date, until: date) -> Period:
    return Period(f"{since.isoformat()}..{until.isoformat()}", since, until)


def parse_period(quarter: str | None, since: str | None, until: str | None) -> Period:
    """``--quarter YYYY-QN`` or ``--since DATE --until DATE`` (exactly one of the two)."""
    if quarter is not None:
        if since is not None or until is not None:
            raise PeriodError("--quarter cannot be combined with --since/--until")
        match = _QUARTER.match(quarter.strip())
        if not match:
            raise PeriodError(f"--quarter {quarter}: expected YYYY-QN, e.g. 2026-Q3")
        return quarter_period(int(match[1]), int(match[2]))
    if since is None or until is None:
        raise PeriodError("give --quarter YYYY-QN, or both --since DATE and --until DATE")
    first, last = _date("--since", since), _date("--until", until)
    if last < first:
        raise PeriodError(f"--until {until} is before --since {since}")
    return range_period(first, last)


def _date(flag: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PeriodError(f"{flag} {text}: expected a date as YYYY-MM-DD") from None
