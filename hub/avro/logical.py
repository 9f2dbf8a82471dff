"""Values of Avro's time logical types in one canonical form, as the contract rules read them.

A record may hold a logical type's value either as Python makes it (a datetime, a date, a time)
or as Avro stores it (epoch milliseconds or microseconds, days since the epoch, ms or µs since
midnight). ``logical_converters`` gives, for each field of such a type, the function that
turns either form into one: timestamps into aware datetimes (naive ones read as UTC), dates
into datetimes at 00:00 Vietnam time, times of day into timedeltas since midnight. A value of
any other kind is returned as it is, for the caller's type check to judge.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from hub.vietnam_time import VIETNAM_TZ

Converter = Callable[[Any], Any]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_DAY = dt.date(1970, 1, 1)


def logical_converters(definition: Mapping[str, Any]) -> dict[str, Converter]:
    """For a record schema's definition, each field of a time logical type (nullable or not)
    and its converter; fields of other types are left out."""
    found: dict[str, Converter] = {}
    for spec in definition["fields"]:
        convert = LOGICAL_CONVERTERS.get(logical_type(spec["type"]) or "")
        if convert is not None:
            found[str(spec["name"])] = convert
    return found


def logical_type(avro_type: Any) -> str | None:
    """The logical type of a field's type, or of the first branch of a union that has one."""
    if isinstance(avro_type, list):
        for branch in avro_type:
            logical = logical_type(branch)
            if logical is not None:
                return logical
        return None
    if isinstance(avro_type, dict):
        logical = avro_type.get("logicalType")
        return str(logical) if logical is not None else None
    return None


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def timestamp_millis(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _aware(value)
    if isinstance(value, int):
        return _EPOCH + dt.timedelta(milliseconds=value)
    return value


def timestamp_micros(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return _EPOCH + dt.timedelta(microseconds=value)
    return timestamp_millis(value)


def date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _aware(value)
    if isinstance(value, int):
        value = _EPOCH_DAY + dt.timedelta(days=value)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=VIETNAM_TZ)
    return value


def time_millis(value: Any) -> Any:
    if isinstance(value, dt.time):
        return dt.timedelta(
            hours=value.hour,
            minutes=value.minute,
            seconds=value.second,
            microseconds=value.microsecond,
        )
    if isinstance(value, int):
        return dt.timedelta(milliseconds=value)
    return value


def time_micros(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return dt.timedelta(microseconds=value)
    return time_millis(value)


LOGICAL_CONVERTERS: dict[str, Converter] = {
    "timestamp-millis": timestamp_millis,
    "timestamp-micros": timestamp_micros,
    "local-timestamp-millis": timestamp_millis,
    "local-timestamp-micros": timestamp_micros,
    "date": date,
    "time-millis": time_millis,
    "time-micros": time_micros,
}
