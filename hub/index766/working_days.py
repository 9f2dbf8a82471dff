"""Working days in Vietnam: Monday to Friday, less the public holidays of the `holidays`
package's Vietnam calendar (Tết, 30/4, 1/5, 2/9, their substitute days off).

A time limit of N working days runs from the day after receipt (Vietnam date): the limit ends
with the N-th working day after it, so a feedback received on a Friday before Tết 2025 (24/1)
with 15 working days is due by the end of 21/2/2025, Tết week (27/1–31/1) not counted."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

from hub.index766.periods import VIETNAM

_SATURDAY = 5


@lru_cache(maxsize=1)
def _vietnam_holidays() -> holidays.HolidayBase:
    """The calendar, expanding to each year on first use."""
    return holidays.country_holidays("VN")


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < _SATURDAY and day not in _vietnam_holidays()


@lru_cache(maxsize=4096)
def add_working_days(day: dt.date, count: int) -> dt.date:
    """The `count`-th working day after `day` (`day` itself never counts)."""
    if count < 0:
        raise ValueError("count must not be negative")
    current = day
    remaining = count
    while remaining:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_deadline(received_at: dt.datetime, days: int) -> dt.datetime:
    """The instant (exclusive, Vietnam midnight) by which something received at `received_at`
    must be done to be within `days` working days."""
    received_on = received_at.astimezone(VIETNAM).date()
    last_day = add_working_days(received_on, days)
    following = last_day + dt.timedelta(days=1)
    return dt.datetime(following.year, following.month, following.day, tzinfo=VIETNAM)


def within_working_days(received_at: dt.datetime, done_at: dt.datetime, days: int) -> bool:
    """Whether `done_at` falls within `days` working days of `received_at`."""
    return done_at < working_deadline(received_at, days)
