"""Vietnamese cell formats convert, and bad cells say why."""

from __future__ import annotations

import datetime as dt

import pytest

from connectors.config import FieldMapping
from connectors.convert import VIETNAM_TZ, choice, vn_bool, vn_datetime, vn_integer
from connectors.errors import ConversionError

PLAIN = FieldMapping(column="x")


def test_dates_are_day_first_in_vietnam_time() -> None:
    """05/07/2025 is the 5th of July, 08:30 in UTC+7."""
    assert vn_datetime("05/07/2025 08:30", PLAIN) == dt.datetime(
        2025, 7, 5, 8, 30, tzinfo=VIETNAM_TZ
    )
    assert vn_datetime("5/7/2025", PLAIN) == dt.datetime(2025, 7, 5, tzinfo=VIETNAM_TZ)


@pytest.mark.parametrize("bad", ["31/02/2025", "2025-07-05", "05/13/2025 08:00", "hôm qua"])
def test_bad_dates_are_refused(bad: str) -> None:
    """Impossible or non-Vietnamese-format dates raise with the cell's value."""
    with pytest.raises(ConversionError, match=bad):
        vn_datetime(bad, PLAIN)


def test_booleans_and_amounts() -> None:
    """Có/Không are booleans; 1.250.000 is one million two hundred and fifty thousand."""
    assert vn_bool("Có", PLAIN) is True
    assert vn_bool("không", PLAIN) is False
    assert vn_integer("1.250.000", PLAIN) == 1_250_000
    with pytest.raises(ConversionError):
        vn_bool("có lẽ", PLAIN)
    with pytest.raises(ConversionError):
        vn_integer("12,5", PLAIN)


def test_choice_lists_allowed_values() -> None:
    """An unknown channel names the values that are allowed."""
    mapping = FieldMapping(column="Kênh", convert="choice", choices={"Trực tuyến": "online"})
    assert choice("Trực tuyến", mapping) == "online"
    with pytest.raises(ConversionError, match="Trực tuyến"):
        choice("Bưu điện", mapping)
