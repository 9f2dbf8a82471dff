"""The time logical types' two forms (Python's and Avro's stored integers) convert to one."""

from __future__ import annotations

import datetime as dt

from hub.avro.logical import LOGICAL_CONVERTERS, logical_converters, logical_type
from hub.vietnam_time import VIETNAM_TZ

MOMENT = dt.datetime(2025, 7, 1, 1, 30, tzinfo=dt.UTC)
EPOCH_MS = int(MOMENT.timestamp() * 1000)


def test_both_forms_of_a_timestamp_are_the_same_aware_datetime() -> None:
    """Epoch ms or µs and a datetime (a naive one read as UTC) give the same moment."""
    millis, micros = LOGICAL_CONVERTERS["timestamp-millis"], LOGICAL_CONVERTERS["timestamp-micros"]
    assert millis(EPOCH_MS) == millis(MOMENT) == millis(MOMENT.replace(tzinfo=None)) == MOMENT
    assert micros(EPOCH_MS * 1000) == MOMENT
    assert micros("hôm qua") == "hôm qua", "another kind of value is left for the type check"


def test_a_date_is_midnight_in_vietnam_and_a_time_a_duration() -> None:
    """Days since the epoch and a date both become 00:00 Vietnam time; a time of day, the
    time since midnight."""
    date = LOGICAL_CONVERTERS["date"]
    day = dt.date(2025, 7, 1)
    assert date(day) == date((day - dt.date(1970, 1, 1)).days)
    assert date(day) == dt.datetime(2025, 7, 1, tzinfo=VIETNAM_TZ)
    assert LOGICAL_CONVERTERS["time-millis"](dt.time(8, 30)) == dt.timedelta(hours=8, minutes=30)
    assert LOGICAL_CONVERTERS["time-micros"](1_000_000) == dt.timedelta(seconds=1)


def test_the_fields_of_a_time_type_are_found_through_unions() -> None:
    """A nullable timestamp field is found; a string field is not."""
    timestamp = {"type": "long", "logicalType": "timestamp-millis"}
    definition = {
        "fields": [
            {"name": "at", "type": ["null", timestamp]},
            {"name": "name", "type": "string"},
        ]
    }
    assert logical_type(["null", timestamp]) == "timestamp-millis"
    assert set(logical_converters(definition)) == {"at"}
