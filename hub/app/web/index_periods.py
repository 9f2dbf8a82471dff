"""The periods a reader can choose on the 766 pages: the months with dossiers up to the latest,
their quarters and their years, newest first."""

from __future__ import annotations

from dataclasses import dataclass

from hub.app.web.index_words import period_label
from hub.index766.errors import IndexInputError
from hub.index766.periods import Period, parse_period, periods_containing

TREND_MONTHS = 12
"""The trend shows up to this many months, ending with the chosen period's last month."""


@dataclass(frozen=True, slots=True)
class PeriodChoice:
    key: str
    label: str
    kind: str


def parse_period_or_none(text: str | None) -> Period | None:
    if text is None or len(text) > 20:
        return None
    try:
        return parse_period(text)
    except IndexInputError:
        return None


def choices(months: list[Period]) -> list[PeriodChoice]:
    """Each month, quarter and year of ``months`` once, newest first within each kind."""
    seen: dict[str, Period] = {}
    for month in months:
        for period in (month, *periods_containing(month.start)[1:]):
            seen.setdefault(period.key, period)
    ordered = sorted(seen.values(), key=lambda p: (p.kind != "month", p.kind != "quarter", p))
    by_kind: dict[str, list[Period]] = {}
    for period in ordered:
        by_kind.setdefault(period.kind, []).append(period)
    result = []
    for kind in ("month", "quarter", "year"):
        for period in reversed(by_kind.get(kind, [])):
            result.append(PeriodChoice(period.key, period_label(period), kind))
    return result


def trend_window(period: Period) -> tuple[Period, Period]:
    """The first and last month of the trend shown with ``period``."""
    last = period.months()[-1]
    index = last.year * 12 + last.first_month - 1 - (TREND_MONTHS - 1)
    return Period(index // 12, index % 12 + 1, "month"), last
