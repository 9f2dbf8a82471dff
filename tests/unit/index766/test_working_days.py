"""Working days in Vietnam: Monday–Friday less the public holidays, and the 15-day limit."""

from __future__ import annotations

import datetime as dt

from hub.index766.working_days import (
    add_working_days,
    is_working_day,
    within_working_days,
    working_deadline,
)
from tests.unit.index766.builders import vn


def test_tet_2025_is_not_counted() -> None:
    """Received Friday 24/1/2025, before Tết (27/1–31/1 off): 15 working days end 21/2, one
    week later than a calendar without holidays (14/2)."""
    assert not is_working_day(dt.date(2025, 1, 29))
    assert add_working_days(dt.date(2025, 1, 24), 15) == dt.date(2025, 2, 21)
    received = vn(2025, 1, 24, 16)
    assert working_deadline(received, 15) == vn(2025, 2, 22)
    assert within_working_days(received, vn(2025, 2, 20, 10), 15)
    assert within_working_days(received, vn(2025, 2, 21, 23, 59), 15)
    assert not within_working_days(received, vn(2025, 2, 22, 0, 0), 15)
    assert not within_working_days(received, vn(2025, 2, 24, 9), 15)


def test_reunification_and_labour_day_2025_are_not_counted() -> None:
    """Received Tuesday 29/4/2025: 30/4, 1/5 and the substitute day off 2/5 are skipped, so
    15 working days end on Friday 23/5."""
    assert [is_working_day(dt.date(2025, 4, d)) for d in (29, 30)] == [True, False]
    assert not is_working_day(dt.date(2025, 5, 2))
    assert add_working_days(dt.date(2025, 4, 29), 15) == dt.date(2025, 5, 23)


def test_weekends_are_not_working_days_and_the_day_of_receipt_does_not_count() -> None:
    """One working day after a Friday is the Monday; zero is the day itself."""
    friday = dt.date(2025, 8, 8)
    assert not is_working_day(dt.date(2025, 8, 9))
    assert add_working_days(friday, 1) == dt.date(2025, 8, 11)
    assert add_working_days(friday, 0) == friday


def test_the_deadline_uses_the_vietnam_date_of_receipt() -> None:
    """18:00 UTC on Thursday is Friday in Vietnam: one working day later is Monday."""
    received = dt.datetime(2025, 8, 7, 18, tzinfo=dt.UTC)
    assert working_deadline(received, 1) == vn(2025, 8, 12)
