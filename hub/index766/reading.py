"""The index as its readers ask for it (the API, ``kho index show``, the demo): a unit's figures
for a period, a ranking of agencies or communes, a monthly trend, the dossiers behind a figure.

Each answer is read from the unit's tallies in the store (``hub.index766.store``), judged at
``period.as_of(now)``: an open period's tallies are corrected with its unsettled dossiers, and
the feedback indicators are counted from the feedback's states (``hub.index766.tallies``).
What a procedure is (fully online, with a fee, issuing a result) comes from the procedure
catalogue; which procedures an agency handles is the catalogue's ``handled_by`` together with
the procedures it has received dossiers of in the index."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace

from hub.index766.errors import IndexInputError
from hub.index766.facts import ProcedureFacts
from hub.index766.figures import BehindItem, IndexFigures
from hub.index766.indicators import dossiers_behind, index_from_tallies
from hub.index766.method import IndexMethod
from hub.index766.periods import (
    PROVINCE,
    Period,
    Unit,
    month_range,
    parse_unit,
    periods_containing,
    scoped,
)
from hub.index766.states import DossierState
from hub.index766.store import IndexStore
from hub.index766.store_reads import Level
from hub.index766.tables import FEEDBACK_GENERATION
from hub.index766.tallies import CellKey, Tally, combined, correction

MAX_TREND_MONTHS = 120
"""A trend spans at most ten years of months."""
MAX_KEPT_RANKINGS = 64
"""Closed periods' rankings kept in memory (each a few hundred units)."""


class UnknownUnit(IndexInputError):
    """A unit that parses but that no dossier in the index names (the API answers 404)."""


@dataclass(frozen=True, slots=True)
class Ranked:
    unit: Unit
    figures: IndexFigures


@dataclass(frozen=True, slots=True)
class MonthFigures:
    month: Period
    figures: IndexFigures


class IndexReader:
    """Answers about the index; every answer is judged at the ``now`` it is given."""

    def __init__(self, store: IndexStore, method: IndexMethod, procedures: ProcedureFacts) -> None:
        self.store = store
        self.method = method
        self._catalogue_facts = procedures
        self._closed_rankings: OrderedDict[Hashable, list[Ranked]] = OrderedDict()

    def figures(self, unit: Unit, period: Period, now: dt.datetime) -> IndexFigures:
        with self.store.one_connection():
            self._known(unit)
            return self._figures(unit, period, now, self._facts())

    def figures_and_trend(
        self, unit: Unit, period: Period, first: Period, last: Period, now: dt.datetime
    ) -> tuple[IndexFigures, list[MonthFigures]]:
        """The unit's figures for the period and its months from ``first`` to ``last``, as
        ``figures`` and ``trend`` answer them, read together as a unit's page shows them: one
        connection, one check of the unit, one read of the procedures each agency handles, and
        a month's figures taken from the trend when it holds that month."""
        with self.store.one_connection():
            self._known(unit)
            facts = self._facts()
            series = self._trend(unit, first, last, now, facts)
            figures = next((m.figures for m in series if m.month == period), None)
            if figures is None:
                figures = self._figures(unit, period, now, facts)
        return figures, series

    def _figures(
        self, unit: Unit, period: Period, now: dt.datetime, facts: ProcedureFacts
    ) -> IndexFigures:
        stored = self.store.tallies([period.key], unit=unit.key)
        return index_from_tallies(
            self.method,
            facts,
            self._judged(stored, self._unsettled(unit, period, now), unit, period, now),
            self.store.feedback(unit, period),
            unit,
            period,
            now,
        )

    def ranking(self, period: Period, level: Level, now: dt.datetime) -> list[Ranked]:
        """The agencies or communes that received dossiers in the period, best points first
        (then by code). A closed period's ranking is kept while nothing it reads changes: its
        tallies' and the feedback's counters (``IndexStore.generations``) and the procedures
        each agency handles."""
        with self.store.one_connection():
            return self._kept_ranking(period, level, now)

    def _kept_ranking(self, period: Period, level: Level, now: dt.datetime) -> list[Ranked]:
        facts = self._facts()
        if period.as_of(now) < period.end:
            return self._ranking(period, level, now, facts)
        generations = self.store.generations([period.key, FEEDBACK_GENERATION])
        key = (period.key, level, generations, _fingerprint(facts))
        kept = self._closed_rankings.get(key)
        if kept is None:
            kept = self._ranking(period, level, now, facts)
            self._closed_rankings[key] = kept
            while len(self._closed_rankings) > MAX_KEPT_RANKINGS:
                self._closed_rankings.popitem(last=False)
        self._closed_rankings.move_to_end(key)
        return list(kept)

    def _ranking(
        self, period: Period, level: Level, now: dt.datetime, facts: ProcedureFacts
    ) -> list[Ranked]:
        stored = self.store.tallies([period.key], level=level)
        by_unit: dict[str, dict[CellKey, Tally]] = {}
        for key, tally in stored.items():
            by_unit.setdefault(key.unit, {})[key] = tally
        unsettled = self._unsettled(PROVINCE, period, now)
        feedback = self.store.feedback(PROVINCE, period)
        ranked = []
        for unit_key, cells in by_unit.items():
            if not any(t.dossiers > 0 for t in cells.values()):
                continue  # every dossier of the unit moved away
            unit = parse_unit(unit_key)
            mine = [(d, linked) for d, linked in unsettled if unit.matches(d)]
            figures = index_from_tallies(
                self.method,
                facts,
                self._judged(cells, mine, unit, period, now),
                scoped(feedback, unit, period),
                unit,
                period,
                now,
            )
            ranked.append(Ranked(unit, figures))
        return sorted(ranked, key=lambda r: (-r.figures.points, r.unit.key))

    def trend(
        self, unit: Unit, first: Period, last: Period, now: dt.datetime
    ) -> list[MonthFigures]:
        """Each month's figures from the first month of ``first`` to the last of ``last``."""
        with self.store.one_connection():
            self._known(unit)
            return self._trend(unit, first, last, now, self._facts())

    def _trend(
        self, unit: Unit, first: Period, last: Period, now: dt.datetime, facts: ProcedureFacts
    ) -> list[MonthFigures]:
        if last.end <= first.start:
            raise IndexInputError(f"Kỳ 'to' ({last.key}) trước kỳ 'from' ({first.key})")
        months = month_range(first, last)
        if len(months) > MAX_TREND_MONTHS:
            raise IndexInputError(
                f"Chuỗi theo tháng dài {len(months)} tháng, tối đa {MAX_TREND_MONTHS} tháng"
            )
        stored = self.store.tallies([m.key for m in months], unit=unit.key)
        by_month: dict[str, dict[CellKey, Tally]] = {}
        for key, tally in stored.items():
            by_month.setdefault(key.period, {})[key] = tally
        feedback = self.store.feedback(unit, _Span(first.start, last.end))
        return [
            MonthFigures(
                month,
                index_from_tallies(
                    self.method,
                    facts,
                    self._judged(
                        by_month.get(month.key, {}),
                        self._unsettled(unit, month, now),
                        unit,
                        month,
                        now,
                    ),
                    scoped(feedback, unit, month),
                    unit,
                    month,
                    now,
                ),
            )
            for month in months
        ]

    def behind(
        self, unit: Unit, period: Period, indicator: str, outcome: str, now: dt.datetime
    ) -> list[BehindItem]:
        """The records counted with ``outcome`` in the indicator (e.g. the late dossiers)."""
        with self.store.one_connection():
            return self._behind(unit, period, indicator, outcome, now)

    def _behind(
        self, unit: Unit, period: Period, indicator: str, outcome: str, now: dt.datetime
    ) -> list[BehindItem]:
        self._known(unit)
        return dossiers_behind(
            self.method,
            self._facts(),
            self.store.dossiers(unit, period),
            self.store.feedback(unit, period),
            indicator,
            outcome,
            now,
            period,
            unit=unit,
            linked_dossiers=self.store.linked_dossiers(unit, period),
        )

    def latest_month(self) -> Period | None:
        """The month of the latest dossier received (Vietnam time), or None when empty."""
        latest = self.store.latest_received()
        return None if latest is None else periods_containing(latest)[0]

    def _unsettled(
        self, unit: Unit, period: Period, now: dt.datetime
    ) -> list[tuple[DossierState, bool]]:
        """The unit's dossiers that an open period must judge at ``now`` (none once closed)."""
        as_of = period.as_of(now)
        return [] if as_of >= period.end else self.store.unsettled(unit, period, as_of)

    @staticmethod
    def _judged(
        stored: Mapping[CellKey, Tally],
        unsettled: Sequence[tuple[DossierState, bool]],
        unit: Unit,
        period: Period,
        now: dt.datetime,
    ) -> dict[tuple[str, str], Tally]:
        """The unit's cells judged at ``period.as_of(now)``: as stored (judged at the end),
        corrected by the unsettled dossiers of an open period."""
        return combined(stored, correction(unsettled, unit, period, period.as_of(now)))

    def _known(self, unit: Unit) -> None:
        if not self.store.has_unit(unit):
            raise UnknownUnit(f"Đơn vị {unit.key!r} không có hồ sơ nào trong chỉ số")

    def _facts(self) -> ProcedureFacts:
        facts = self._catalogue_facts
        handled = {agency: set(codes) for agency, codes in facts.handled_by.items()}
        for agency, codes in self.store.procedures_of_agencies().items():
            handled.setdefault(agency, set()).update(codes)
        return replace(
            facts, handled_by={agency: frozenset(codes) for agency, codes in handled.items()}
        )


def _fingerprint(facts: ProcedureFacts) -> Hashable:
    handled = frozenset((agency, codes) for agency, codes in facts.handled_by.items())
    return (facts.full_online, facts.fee, facts.with_result, handled)


@dataclass(frozen=True, slots=True)
class _Span:
    """A range of receipt times covering several months (a trend reads them in one query)."""

    start: dt.datetime
    end: dt.datetime
