"""Vietnamese cell formats convert, and bad cells say why."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from connectors.config import ConnectorConfig, CsvSource, FieldMapping
from connectors.convert import (
    VIETNAM_TZ,
    choice,
    commune_2025,
    vn_bool,
    vn_datetime,
    vn_decimal,
    vn_integer,
)
from connectors.errors import ConversionError
from connectors.mapping import map_row

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


@pytest.mark.parametrize(
    ("cell", "number"), [("2,5", 2.5), ("1.234,56", 1234.56), ("-0,75", -0.75), ("12", 12.0)]
)
def test_decimal_commas(cell: str, number: float) -> None:
    """The comma is the decimal mark and the dot separates thousands."""
    assert vn_decimal(cell, PLAIN) == number


@pytest.mark.parametrize("bad", ["2.5.1", "1,2,3", "abc", "1.23,4"])
def test_bad_decimals_are_refused(bad: str) -> None:
    with pytest.raises(ConversionError, match="số thập phân"):
        vn_decimal(bad, PLAIN)


def test_old_commune_codes_become_2025_codes() -> None:
    """Phường 4 of Mỹ Tho (Tiền Giang, 28252) merged into Phường Đạo Thạnh (28249, Đồng Tháp);
    a 2025 code stays as it is; a code of neither list is refused."""
    assert commune_2025("28252", PLAIN) == "28249"
    assert commune_2025("28249", PLAIN) == "28249"
    with pytest.raises(ConversionError, match="99999"):
        commune_2025("99999", PLAIN)


def test_a_constant_needs_no_column() -> None:
    """A field is a column or a constant, never both and never neither."""
    record, problems = map_row(
        ConnectorConfig(
            name="c",
            dataset="d",
            source=CsvSource(),
            fields={"unit": FieldMapping(constant="so-yt"), "n": FieldMapping(column="N")},
        ),
        {"N": "x"},
    )
    assert record == {"unit": "so-yt", "n": "x"} and problems == []
    with pytest.raises(ValidationError, match="constant"):
        FieldMapping(column="a", constant=1)
    with pytest.raises(ValidationError, match="constant"):
        FieldMapping()


@pytest.mark.parametrize("bad", ["2.5", "12.34", "1.2345"])
def test_integers_with_misplaced_dots_are_refused(bad: str) -> None:
    """A dot separates thousands, in groups of three: '2.5' is not 25."""
    with pytest.raises(ConversionError, match="số nguyên"):
        vn_integer(bad, PLAIN)
