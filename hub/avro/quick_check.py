"""A quick, conservative type check of a flat record, compiled once per schema.

fastavro's ``validate`` is the judge of Avro types, but it walks the schema generically and
costs about as much as encoding the record. On the ingest path nearly every record is valid, so
``QuickCheck`` answers one question fast: is this record certainly valid? It says yes only for
the cases it knows exactly (primitives, enums, the time logical types, nullable unions of those,
with the same rules as fastavro: no bool for a number, 32/64-bit ranges). For anything else, or
any doubt, it says no, and the caller asks fastavro, which then names the errors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

_INT_RANGE = (-(2**31), 2**31 - 1)
_LONG_RANGE = (-(2**63), 2**63 - 1)

Predicate = Callable[[Any], bool]
_MISSING = object()


def _integer(low: int, high: int) -> Predicate:
    def check(value: Any) -> bool:
        return type(value) is int and low <= value <= high

    return check


def _real(value: Any) -> bool:
    return type(value) in (float, int)


def _string(value: Any) -> bool:
    return type(value) is str


def _boolean(value: Any) -> bool:
    return type(value) is bool


def _timestamp(value: Any) -> bool:
    return isinstance(value, dt.datetime) or (
        type(value) is int and _LONG_RANGE[0] <= value <= _LONG_RANGE[1]
    )


def _date(value: Any) -> bool:
    return (isinstance(value, dt.date) and not isinstance(value, dt.datetime)) or (
        type(value) is int and _INT_RANGE[0] <= value <= _INT_RANGE[1]
    )


_PRIMITIVES: dict[str, Predicate] = {
    "string": _string,
    "int": _integer(*_INT_RANGE),
    "long": _integer(*_LONG_RANGE),
    "double": _real,
    "float": _real,
    "boolean": _boolean,
}
_LOGICAL: dict[str, Predicate] = {
    "timestamp-millis": _timestamp,
    "timestamp-micros": _timestamp,
    "date": _date,
}


def _predicate(avro_type: Any) -> Predicate | None:
    """A predicate that is true only where fastavro's validate is; None if not known here."""
    if isinstance(avro_type, str):
        return _PRIMITIVES.get(avro_type)
    if isinstance(avro_type, list):
        branches = [b for b in avro_type if b != "null"]
        if len(avro_type) != 2 or len(branches) != 1:
            return None
        inner = _predicate(branches[0])
        if inner is None:
            return None
        known = inner
        return lambda value: value is None or known(value)
    if isinstance(avro_type, dict):
        logical = avro_type.get("logicalType")
        if logical is not None:
            return _LOGICAL.get(str(logical))
        if avro_type.get("type") == "enum":
            symbols = frozenset(avro_type["symbols"])
            return lambda value: type(value) is str and value in symbols
    return None


class QuickCheck:
    """``certainly_valid(record)`` for one record schema; compile once, call per record."""

    def __init__(self, parsed_schema: Mapping[str, Any]) -> None:
        # Strings, the commonest fields, are checked inline; the others by their predicate.
        strings: list[str] = []
        optional_strings: list[str] = []
        checks: list[tuple[str, Predicate]] = []
        self._complete = True
        for field in parsed_schema["fields"]:
            name, avro_type = str(field["name"]), field["type"]
            if avro_type == "string":
                strings.append(name)
            elif avro_type in (["null", "string"], ["string", "null"]):
                optional_strings.append(name)
            elif (predicate := _predicate(avro_type)) is not None:
                checks.append((name, predicate))
            else:
                self._complete = False
                break
        self._strings = tuple(strings)
        self._optional_strings = tuple(optional_strings)
        self._checks = tuple(checks)

    def certainly_valid(self, record: Mapping[str, Any]) -> bool:
        if not self._complete:
            return False
        get = record.get
        for name in self._strings:
            if type(get(name)) is not str:
                return False
        for name in self._optional_strings:
            value = get(name, _MISSING)
            if value is not None and type(value) is not str:
                return False
        for name, predicate in self._checks:
            if name not in record or not predicate(get(name)):
                return False
        return True
