"""Temporal and spatial coverage of a publication, gathered while its records stream past:
the range of the spec's time field (Vietnam dates) and the communes of its commune field,
with the provinces they belong to (34-province list, from 1 July 2025)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from hub.identifiers.admin_units import province_of_commune, ward_name
from hub.vietnam_time import VIETNAM_TZ
from opendata.description import AdminUnit


class Coverage:
    def __init__(self, time_field: str | None, commune_field: str | None) -> None:
        self._time_field = time_field
        self._commune_field = commune_field
        self.start: dt.date | None = None
        self.end: dt.date | None = None
        self._communes: set[str] = set()

    def watch(self, records: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The same records, noting each one's time and commune on the way."""
        times: list[Any] = []
        for record in records:
            if self._time_field is not None:
                times.append(record.get(self._time_field))
            if self._commune_field is not None:
                self._communes.add(record.get(self._commune_field) or "")
            yield record
        moments = [t for t in times if t is not None]
        if moments:
            self.start, self.end = _as_date(min(moments)), _as_date(max(moments))

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
