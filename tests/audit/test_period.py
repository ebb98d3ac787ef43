"""Periods: quarters and ranges, their bounds in UTC, the previous and next period."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from engine.audit.period import PeriodError, parse_period


def test_quarter_bounds_are_utc_days_inclusive() -> None:
    q3 = parse_period("2026-Q3", None, None)
    assert (q3.label, q3.since, q3.until) == ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30))
    assert q3.start == datetime(2026, 7, 1, tzinfo=UTC)
    assert q3.end == datetime(2026, 10, 1, tzinfo=UTC)  # exclusive
    assert q3.days == 92


def test_previous_and_next_cross_years() -> None:
    q1 = parse_period("2027-q1", None, None)
    assert q1.label == "2027-Q1"
    assert q1.previous().as_dict() == {"label": "2026-Q4", "since": "2026-10-01",
                                       "until": "2026-12-31"}
    q4 = parse_period("2026Q4", None, None)
    assert q4.next().as_dict() == {"label": "2027-Q1", "since": "2027-01-01",
                                   "until": "2027-03-31"}
    assert parse_period("2024-Q1", None, None).until == date(2024, 3, 31)


def test_a_range_has_a_previous_range_of_the_same_length() -> None:
    period = parse_period(None, "2026-08-01", "2026-08-31")
    assert period.label == "2026-08-01..2026-08-31"
    assert period.previous().as_dict() == {"label": "2026-07-01..2026-07-31",
                                           "since": "2026-07-01", "until": "2026-07-31"}
    assert period.next().since == date(2026, 9, 1)


@pytest.mark.parametrize(("quarter", "since", "until", "message"), [
    ("2026-Q5", None, None, "--quarter 2026-Q5: expected YYYY-QN"),
    ("2026-Q3", "2026-07-01", None, "--quarter cannot be combined with --since/--until"),
    (None, "2026-07-01", None, "give --quarter YYYY-QN, or both --since DATE and --until"),
    (None, "2026-07-32", "2026-08-01", "--since 2026-07-32: expected a date as YYYY-MM-DD"),
    (None, "2026-08-01", "2026-07-01", "--until 2026-07-01 is before --since 2026-08-01"),
])
def test_bad_periods_say_what_was_expected(quarter: str | None, since: str | None,
                                           until: str | None, message: str) -> None:
    with pytest.raises(PeriodError, match=message.replace("(", r"\(").replace(".", r"\.")):
        parse_period(quarter, since, until)
