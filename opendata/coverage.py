"""Temporal and spatial coverage of a publication, noted record by record as they stream past:
the range of the spec's time field (Vietnam dates) and the communes of its commune field,
with the provinces they belong to (34-province list, from 1 July 2025)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.identifiers.admin_units import province_of_commune, ward_name
from hub.vietnam_time import VIETNAM_TZ
from opendata.description import AdminUnit


class Coverage:
    def __init__(self, time_field: str | None, commune_field: str | None) -> None:
        self._time_field = time_field
        self._commune_field = commune_field
        self._first: Any = None
        self._last: Any = None
        self._communes: set[str] = set()

    def add(self, record: dict[str, Any]) -> None:
        """Note one record's time and commune."""
        if self._time_field is not None:
            moment = record.get(self._time_field)
            if moment is not None:
                if self._first is None or moment < self._first:
                    self._first = moment
                if self._last is None or moment > self._last:
                    self._last = moment
        if self._commune_field is not None:
            self._communes.add(record.get(self._commune_field) or "")

    @property
    def start(self) -> dt.date | None:
        return None if self._first is None else _as_date(self._first)

    @property
    def end(self) -> dt.date | None:
        return None if self._last is None else _as_date(self._last)

    def spatial(self) -> tuple[AdminUnit, ...]:
        communes = []
        provinces: dict[str, AdminUnit] = {}
        for code in sorted(self._communes):
            try:
                province = province_of_commune(code)
                name = ward_name(code)
            except KeyError:
                continue  # an old (pre-2025) or unknown code: not a 2025 unit to cite
            code_2025 = f"{province.code.value:02d}"
            provinces[code_2025] = AdminUnit("province", code_2025, province.name)
            communes.append(AdminUnit("commune", code, name))
        return (*provinces.values(), *communes)


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.astimezone(VIETNAM_TZ).date()
    if isinstance(value, dt.date):
        return value
    raise TypeError(f"time field holds {type(value).__name__}, not a date or time")
