"""Periods and units: parsing, Vietnam-time boundaries, as_of, and refusals naming the value."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.index766.errors import IndexInputError
from hub.index766.periods import (
    Period,
    Unit,
    month_range,
    parse_period,
    parse_unit,
    periods_containing,
    scoped,
)
from tests.unit.index766.builders import dossier, feedback, vn


def test_month_quarter_and_year_parse_with_vietnam_boundaries() -> None:
    """Each period form parses to its key and its first and next-period instants at UTC+7."""
    month, quarter, year = parse_period("2025-08"), parse_period("2025-Q3"), parse_period("2025")
    assert (month.key, quarter.key, year.key) == ("2025-08", "2025-Q3", "2025")
    assert month.start == vn(2025, 8, 1) and month.end == vn(2025, 9, 1)
    assert month.end == dt.datetime(2025, 8, 31, 17, tzinfo=dt.UTC)
    assert quarter.start == vn(2025, 7, 1) and quarter.end == vn(2025, 10, 1)
    assert year.end == vn(2026, 1, 1)
    assert parse_period("2025-12").end == vn(2026, 1, 1)
    assert [m.key for m in quarter.months()] == ["2025-07", "2025-08", "2025-09"]
    assert len(year.months()) == 12


def test_closed_period_is_judged_at_its_end_and_current_one_now() -> None:
    """as_of is the period's end once it is over (no drift), and `now` while it runs."""
    august = parse_period("2025-08")
    later = vn(2025, 10, 3, 8)
    during = vn(2025, 8, 20, 15, 30)
    assert august.as_of(later) == vn(2025, 9, 1)
    assert august.as_of(during) == during
    with pytest.raises(ValueError, match="naive"):
        august.as_of(dt.datetime(2025, 8, 20))  # noqa: DTZ001 (the refusal under test)


@pytest.mark.parametrize(
    "text", ["2025-13", "2025-8", "2025-Q5", "25", "tháng 8", "", "2025-08-01"]
)
def test_a_period_that_does_not_parse_is_refused_naming_it(text: str) -> None:
    """A bad period raises IndexInputError whose message quotes the value."""
    with pytest.raises(IndexInputError) as caught:
        parse_period(text)
    assert repr(text) in str(caught.value)
    assert "Kỳ đánh giá không hợp lệ" in str(caught.value)


def test_units_parse_and_match_dossiers_and_feedback() -> None:
    """province matches all; agency matches the receiving agency (feedback: agency_code);
    commune matches the commune code."""
    assert parse_unit("province").key == "province"
    agency, commune = parse_unit("agency:so-a"), parse_unit("commune:29001")
    assert (agency, commune) == (Unit("agency", "so-a"), Unit("commune", "29001"))
    assert agency.key == "agency:so-a"
    assert agency.matches(dossier("d1")) and not agency.matches(
        dossier("d2", receiving_agency_code="so-b")
    )
    assert agency.matches(feedback("f1")) and not agency.matches(feedback("f2", agency_code=None))
    assert commune.matches(dossier("d1")) and not commune.matches(dossier("d3", commune_code="1"))


@pytest.mark.parametrize("text", ["agency:", "district:1", "agency:a b", "Province", "commune"])
def test_a_unit_that_does_not_parse_is_refused_naming_it(text: str) -> None:
    """A bad unit raises IndexInputError whose message quotes the value."""
    with pytest.raises(IndexInputError) as caught:
        parse_unit(text)
    assert repr(text) in str(caught.value)


def test_an_instant_belongs_to_its_vietnam_month_quarter_and_year() -> None:
    """17:30 UTC on 30 September is 1 October in Vietnam: Q4 and October."""
    month, quarter, year = periods_containing(dt.datetime(2025, 9, 30, 17, 30, tzinfo=dt.UTC))
    assert (month.key, quarter.key, year.key) == ("2025-10", "2025-Q4", "2025")


def test_month_range_spans_years() -> None:
    """A trend from November to February lists the four months across the new year."""
    months = month_range(parse_period("2024-11"), parse_period("2025-02"))
    assert [m.key for m in months] == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert month_range(parse_period("2025-Q1"), parse_period("2025-Q1"))[-1] == Period(
        2025, 3, "month"
    )


def test_scoped_keeps_the_unit_records_received_in_the_period() -> None:
    """A dossier received at 00:30 on 1 September (Vietnam) is not August's."""
    records = [
        dossier("in"),
        dossier("next-month", received_at=dt.datetime(2025, 8, 31, 17, 30, tzinfo=dt.UTC)),
        dossier("other-agency", receiving_agency_code="so-b"),
    ]
    kept = scoped(records, parse_unit("agency:so-a"), parse_period("2025-08"))
    assert [d.dossier_id for d in kept] == ["in"]
