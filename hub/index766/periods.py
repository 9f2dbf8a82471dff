"""The units and periods the index is computed for, and the moment a period is judged.

A period is a month (`2025-08`), a quarter (`2025-Q3`) or a year (`2025`) in Vietnam time
(UTC+7, no daylight saving since 1975); a dossier belongs to the period it was received in. A
unit is the province, an agency (the receiving agency's code) or a commune (its code)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, TypeVar

from hub.index766.errors import IndexInputError
from hub.index766.states import DossierState, FeedbackState

__all__ = [
    "VIETNAM",
    "IndexInputError",
    "Period",
    "Unit",
    "month_range",
    "parse_period",
    "parse_unit",
    "periods_containing",
    "scoped",
    "units_of",
]

VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")

PeriodKind = Literal["month", "quarter", "year"]
UnitLevel = Literal["province", "agency", "commune"]

_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>0[1-9]|1[0-2])|Q(?P<quarter>[1-4])))?$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_FIRST_YEAR = 1970


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """`first_month` is 1-based; a quarter starts at 1, 4, 7 or 10, a year at 1."""

    year: int
    first_month: int
    kind: PeriodKind

    @property
    def key(self) -> str:
        if self.kind == "year":
            return f"{self.year:04d}"
        if self.kind == "quarter":
            return f"{self.year:04d}-Q{(self.first_month - 1) // 3 + 1}"
        return f"{self.year:04d}-{self.first_month:02d}"

    @property
    def length_in_months(self) -> int:
        return {"month": 1, "quarter": 3, "year": 12}[self.kind]

    @property
    def start(self) -> dt.datetime:
        """The first instant of the period, Vietnam time."""
        return dt.datetime(self.year, self.first_month, 1, tzinfo=VIETNAM)

    @property
    def end(self) -> dt.datetime:
        """The first instant of the next period (exclusive), Vietnam time."""
        index = self.first_month - 1 + self.length_in_months
        return dt.datetime(self.year + index // 12, index % 12 + 1, 1, tzinfo=VIETNAM)

    def contains(self, instant: dt.datetime) -> bool:
        return self.start <= _aware(instant) < self.end

    def months(self) -> list[Period]:
        return [
            Period(self.year, self.first_month + offset, "month")
            for offset in range(self.length_in_months)
        ]

    def as_of(self, now: dt.datetime) -> dt.datetime:
        """When the period is judged: `now`, or its end once it is over (a closed period's
        figures do not drift)."""
        return min(_aware(now), self.end)

    def __str__(self) -> str:
        return self.key


def parse_period(text: str) -> Period:
    """`2025-08`, `2025-Q3` or `2025`; anything else is an IndexInputError naming it."""
    match = _PERIOD.match(text.strip()) if isinstance(text, str) else None
    if match is None or int(match["year"]) < _FIRST_YEAR:
        raise IndexInputError(
            f"Kỳ đánh giá không hợp lệ: {text!r} (dạng tháng 2025-08, quý 2025-Q3 hoặc năm 2025)"
        )
    year = int(match["year"])
    if match["month"]:
        return Period(year, int(match["month"]), "month")
    if match["quarter"]:
        return Period(year, (int(match["quarter"]) - 1) * 3 + 1, "quarter")
    return Period(year, 1, "year")


def periods_containing(instant: dt.datetime) -> tuple[Period, Period, Period]:
    """The month, quarter and year an instant (e.g. a dossier's received_at) belongs to."""
    local = _aware(instant).astimezone(VIETNAM)
    return (
        Period(local.year, local.month, "month"),
        Period(local.year, (local.month - 1) // 3 * 3 + 1, "quarter"),
        Period(local.year, 1, "year"),
    )


def month_range(first: Period, last: Period) -> list[Period]:
    """Every month from the first month of `first` to the last month of `last` (a trend)."""
    months: list[Period] = []
    current = first.months()[0]
    final = last.months()[-1]
    while current <= final:
        months.append(current)
        index = current.first_month
        current = Period(current.year + index // 12, index % 12 + 1, "month")
    return months


@dataclass(frozen=True, slots=True)
class Unit:
    level: UnitLevel
    code: str | None = None

    @property
    def key(self) -> str:
        return self.level if self.code is None else f"{self.level}:{self.code}"

    def matches(self, record: DossierState | FeedbackState) -> bool:
        """Whether a dossier (by receiving agency or commune) or a feedback (by the agency it
        is about or its commune) belongs to this unit."""
        if self.level == "province":
            return True
        if self.level == "commune":
            return record.commune_code == self.code
        if isinstance(record, DossierState):
            return record.receiving_agency_code == self.code
        return record.agency_code == self.code

    def __str__(self) -> str:
        return self.key


PROVINCE = Unit("province")


def parse_unit(text: str) -> Unit:
    """`province`, `agency:<code>` or `commune:<code>`; anything else is an IndexInputError
    naming it."""
    value = text.strip() if isinstance(text, str) else ""
    if value == "province":
        return PROVINCE
    level, _, code = value.partition(":")
    if level in ("agency", "commune") and _CODE.match(code):
        return Unit("agency" if level == "agency" else "commune", code)
    raise IndexInputError(
        f"Đơn vị không hợp lệ: {text!r} (dạng province, agency:<mã cơ quan> hoặc commune:<mã xã>)"
    )


def units_of(dossier: DossierState) -> tuple[Unit, Unit, Unit]:
    """The province, the receiving agency and the commune a dossier counts for."""
    return (
        PROVINCE,
        Unit("agency", dossier.receiving_agency_code),
        Unit("commune", dossier.commune_code),
    )


RecordT = TypeVar("RecordT", DossierState, FeedbackState)


def scoped(records: Iterable[RecordT], unit: Unit, period: Period) -> list[RecordT]:
    """The records of a unit received in a period (latest states in, latest states out)."""
    return [r for r in records if unit.matches(r) and period.contains(r.received_at)]


def _aware(instant: dt.datetime) -> dt.datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant.isoformat()}: the index needs aware times")
    return instant
