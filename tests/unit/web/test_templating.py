"""The pages' filters write numbers and dates the Vietnamese way."""

from __future__ import annotations

import datetime as dt

from hub.app.web.templating import vn_date, vn_datetime, vn_number


def test_numbers_use_a_dot_for_thousands_and_a_comma_for_decimals() -> None:
    """1234.5 is written 1.234,5; a whole number has no decimals; None is a dash."""
    assert vn_number(1234.5) == "1.234,5"
    assert vn_number(1234567) == "1.234.567"
    assert vn_number(0.456, 2) == "0,46"
    assert vn_number(12.0) == "12"
    assert vn_number(None) == "–"


def test_dates_are_day_month_year_in_vietnam_time() -> None:
    """A UTC moment late on the 31st is already the 1st in Vietnam (UTC+7)."""
    late = dt.datetime(2025, 7, 31, 20, 5, tzinfo=dt.UTC)
    assert vn_date(dt.date(2025, 8, 3)) == "03/08/2025"
    assert vn_date(late) == "01/08/2025"
    assert vn_datetime(late) == "01/08/2025 03:05"
    assert vn_datetime(dt.datetime(2025, 7, 31, 7, 0)) == "31/07/2025 14:00"  # naive is UTC
