"""The index as an open dataset: ``kho index export`` puts the figures of every unit (the
province, each agency, each commune the index knows) for closed months onto the dataset
``tthc.index766_monthly``, one row per unit, month and indicator, through the dataset's writer
(the registry's schema, the catalogue's contract, dead letters to ``.dlq``). The publisher then
publishes it like any other dataset.

- Each row is keyed by its month, unit and indicator (``row_id``), so a month exported again
  replaces its rows in the publication, which keeps each key's latest record (``snapshot``).
- Only closed months are exported: they are judged at their end, so their figures no longer
  follow the clock. By default, those not yet exported, from the last closed month with
  dossiers back to the first month without any (a province receives dossiers every month).
- Every unit the index knows has its rows each month, as the API answers for it: a unit
  without a dossier that month has denominators 0 and ``no_data``.
- A month counts as exported once its province rows are on the topic. They are written last,
  after the bus acknowledged every other row of the month, so a run killed halfway leaves the
  month to be exported again by the next run; a month whose rows a contract refused keeps no
  province rows either, and its refused rows are in ``.dlq``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from hub.bus.port import EventBus
from hub.bus.reading import read_all
from hub.bus.span import PositionSpan
from hub.index766.errors import IndexInputError
from hub.index766.figures import IndexFigures
from hub.index766.periods import PROVINCE, Period, Unit, periods_containing
from hub.index766.reading import IndexReader
from hub.ingest.writer import IncomingRecord, IngestReport, OnFlushed, SourceRef, write_details

INDEX_EXPORT_DATASET = "tthc.index766_monthly"
"""The catalogue dataset the index's monthly figures are exported to."""

_LEVEL_ORDER = {"province": 0, "agency": 1, "commune": 2}
"""Rows sort by month, then the province, the agencies and the communes (the key's order)."""
_SOURCE = "kho index export"
Level = Literal["agency", "commune"]
"""The levels below the province, as ``IndexReader.ranking`` takes them."""


class RowWriter(Protocol):
    """The dataset's writer (``hub.ingest.writer.DatasetWriter``): validates, encodes, writes
    keyed records, dead-letters the others."""

    def write(
        self, incoming: Iterable[IncomingRecord], *, on_flushed: OnFlushed | None = None
    ) -> IngestReport: ...


@dataclass(frozen=True)
class MonthExport:
    """What one month's export wrote: its units, rows accepted and rows refused."""

    month: Period
    units: int
    rows: int
    refused: int
    refused_rules: tuple[str, ...] = ()
    written: PositionSpan = field(default_factory=PositionSpan)

    @property
    def complete(self) -> bool:
        return self.refused == 0

    def audit_details(self) -> dict[str, Any]:
        """The details of the audit entry for the month's write."""
        return {
            "source": _SOURCE,
            "month": self.month.key,
            **write_details(self.written, self.refused),
        }


@dataclass
class ExportRun:
    months: list[MonthExport] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(m.rows for m in self.months)

    @property
    def refused(self) -> int:
        return sum(m.refused for m in self.months)


def row_id(month: Period, unit: Unit, indicator_id: str) -> str:
    """The key of a row: one per (month, unit, indicator), whatever the method's order."""
    return f"{month.key}|{_LEVEL_ORDER[unit.level]}|{unit.key}|{indicator_id}"


def last_closed_month(now: dt.datetime) -> Period:
    """The month before the one ``now`` falls in (Vietnam time)."""
    return previous_month(periods_containing(now)[0])


def previous_month(month: Period) -> Period:
    if month.first_month == 1:
        return Period(month.year - 1, 12, "month")
    return Period(month.year, month.first_month - 1, "month")


def monthly_rows(figures: IndexFigures, unit: Unit, month: Period) -> Iterator[dict[str, Any]]:
    """The dataset's rows of one unit's figures for a month: one per indicator, in the method's
    order, each carrying its group's and the unit's totals."""
    for group in figures.groups:
        for indicator in group.indicators:
            yield {
                "row_id": row_id(month, unit, indicator.id),
                "month": month.key,
                "month_start": month.start.date(),
                "unit": unit.key,
                "unit_level": unit.level,
                "unit_code": unit.code,
                "commune_code": unit.code if unit.level == "commune" else None,
                "group_id": group.id,
                "group_title": group.title,
                "group_points": group.points,
                "group_max_points": group.max_points,
                "indicator_id": indicator.id,
                "indicator_title": indicator.title,
                "numerator": indicator.numerator,
                "denominator": indicator.denominator,
                "ratio": indicator.ratio,
                "points": indicator.points,
                "max_points": indicator.max_points,
                "computed": indicator.computed,
                "no_data": indicator.no_data,
                "unit_points": figures.points,
                "unit_max_points": figures.max_points,
                "unit_computed_max": figures.computed_max,
                "unit_score": figures.score,
                "method_version": figures.method_version,
                "as_of": figures.as_of,
            }


class IndexExport:
    """Writes the index's monthly figures onto the export dataset's topic."""

    def __init__(self, reader: IndexReader, writer: RowWriter, bus: EventBus, topic: str) -> None:
        self._reader = reader
        self._writer = writer
        self._bus = bus
        self._topic = topic

    def exported_months(self) -> set[str]:
        """The months whose province rows are on the topic (read from the records' keys)."""
        marker = f"{_LEVEL_ORDER['province']}|{PROVINCE.key}|"
        months: set[str] = set()
        for record in read_all(self._bus, self._topic):
            month, _, rest = (record.key or b"").decode("utf-8").partition("|")
            if rest.startswith(marker):
                months.add(month)
        return months

    def export_pending(self, now: dt.datetime, *, again: bool = False) -> ExportRun:
        """Every closed month not yet exported (every closed month with ``again``): from the
        last closed month with dossiers back to the first month without any."""
        done = set() if again else self.exported_months()
        run = ExportRun()
        month = self._last_closed_with_dossiers(now)
        while month is not None:
            if month.key not in done:
                if not self._has_dossiers(month, now):
                    break
                run.months.append(self._write_month(month, now))
            month = previous_month(month)
        run.months.sort(key=lambda m: m.month)
        return run

    def export_latest(self, now: dt.datetime) -> MonthExport | None:
        """The last closed month with dossiers, unless it is already on the topic (the demo's
        export: a second run writes nothing)."""
        month = self._last_closed_with_dossiers(now)
        if month is None or month.key in self.exported_months():
            return None
        return self._write_month(month, now)

    def export_month(self, month: Period, now: dt.datetime) -> MonthExport:
        """One closed month with dossiers, written again if it was already exported."""
        if month.kind != "month":
            raise IndexInputError(f"Chỉ xuất được theo tháng (dạng 2025-08), không phải {month}")
        if month.end > now:
            raise IndexInputError(
                f"Tháng {month} chưa khép lại: chỉ xuất được tháng đã kết thúc, vì số liệu của"
                " tháng đang diễn ra còn thay đổi"
            )
        if not self._has_dossiers(month, now):
            raise IndexInputError(f"Tháng {month} không có hồ sơ nào trong chỉ số để xuất")
        return self._write_month(month, now)

    def _last_closed_with_dossiers(self, now: dt.datetime) -> Period | None:
        latest = self._reader.latest_month()
        return None if latest is None else min(latest, last_closed_month(now))

    def _write_month(self, month: Period, now: dt.datetime) -> MonthExport:
        """Every unit's rows for the month; the province's last, and only once the bus took
        every other row."""
        units = self._figures_of_units(month, now)
        province = self._reader.figures(PROVINCE, month, now)
        others = self._write(row for unit, f in units for row in monthly_rows(f, unit, month))
        if others.rejected:
            return _done(month, len(units) + 1, others, None)
        last = self._write(monthly_rows(province, PROVINCE, month))
        return _done(month, len(units) + 1, others, last)

    def _figures_of_units(self, month: Period, now: dt.datetime) -> list[tuple[Unit, IndexFigures]]:
        """Each agency's and commune's figures for the month: those with dossiers from the
        ranking (one read for all of them), the others (known to the index, without a dossier
        this month) one by one."""
        codes = self._reader.store.units()
        levels: tuple[tuple[Level, tuple[str, ...]], ...] = (
            ("agency", codes.agencies),
            ("commune", codes.communes),
        )
        found: list[tuple[Unit, IndexFigures]] = []
        for level, known in levels:
            ranked = {r.unit: r.figures for r in self._reader.ranking(month, level, now)}
            for code in known:
                unit = Unit(level, code)
                figures = ranked.get(unit) or self._reader.figures(unit, month, now)
                found.append((unit, figures))
        return found

    def _has_dossiers(self, month: Period, now: dt.datetime) -> bool:
        return bool(self._reader.ranking(month, "agency", now))

    def _write(self, rows: Iterable[dict[str, Any]]) -> IngestReport:
        return self._writer.write(_incoming(row) for row in rows)


def _incoming(row: dict[str, Any]) -> IncomingRecord:
    original = json.dumps(row, ensure_ascii=False, default=str).encode("utf-8")
    return IncomingRecord(SourceRef("index766", _SOURCE, row["row_id"]), original, row)


def _done(
    month: Period, units: int, others: IngestReport, province: IngestReport | None
) -> MonthExport:
    reports = [others] if province is None else [others, province]
    rules = sorted({rule for r in reports for rule in r.rejected_by_rule})
    refused = sum(r.rejected for r in reports)
    accepted = sum(r.accepted for r in reports)
    return MonthExport(month, units, accepted, refused, tuple(rules), _joined(reports))


def _joined(reports: list[IngestReport]) -> PositionSpan:
    """Where the month's writes landed, as one span (they were written one after the other)."""
    joined = PositionSpan()
    for span in (r.written for r in reports if r.written.first is not None):
        joined.first = joined.first or span.first
        joined.last = span.last
        joined.count += span.count
        for partition, (low, high) in span.ranges.items():
            known_low, known_high = joined.ranges.get(partition, (low, high))
            joined.ranges[partition] = (min(low, known_low), max(high, known_high))
    return joined
