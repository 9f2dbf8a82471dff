"""The index as its readers ask for it (the API, ``kho index show``, the demo): a unit's figures
for a period, a ranking of agencies or communes, a monthly trend, the dossiers behind a figure.

Each answer is computed now from the latest states in the store (``hub.index766.store``) by
the method's pure computation (``hub.index766.indicators``), judged at ``period.as_of(now)``.
What a procedure is (fully online, with a fee, issuing a result) comes from the procedure
catalogue; which procedures an agency handles is the catalogue's ``handled_by`` together with
the procedures it has received dossiers of in the index."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from hub.index766.errors import IndexInputError
from hub.index766.facts import ProcedureFacts
from hub.index766.figures import BehindItem, IndexFigures
from hub.index766.indicators import compute_index, dossiers_behind
from hub.index766.method import IndexMethod
from hub.index766.periods import Period, Unit, month_range, periods_containing, scoped
from hub.index766.store import IndexStore, Level

MAX_TREND_MONTHS = 120
"""A trend spans at most ten years of months."""


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

    def figures(self, unit: Unit, period: Period, now: dt.datetime) -> IndexFigures:
        self._known(unit)
        facts = self._facts()
        dossiers = self.store.dossiers(unit, period)
        feedback = self.store.feedback(unit, period)
        linked = self.store.linked_dossiers(unit, period)
        return compute_index(
            self.method, facts, dossiers, feedback, unit, period, now, linked_dossiers=linked
        )

    def ranking(self, period: Period, level: Level, now: dt.datetime) -> list[Ranked]:
        """The agencies or communes that received dossiers in the period, best points first
        (then by code)."""
        province = Unit("province")
        facts = self._facts()
        dossiers = self.store.dossiers(province, period)
        feedback = self.store.feedback(province, period)
        linked = self.store.linked_dossiers(province, period)
        codes = sorted(
            {d.receiving_agency_code if level == "agency" else d.commune_code for d in dossiers}
        )
        ranked = []
        for code in codes:
            unit = Unit(level, code)
            figures = compute_index(
                self.method,
                facts,
                scoped(dossiers, unit, period),
                scoped(feedback, unit, period),
                unit,
                period,
                now,
                linked_dossiers=linked,
            )
            ranked.append(Ranked(unit, figures))
        return sorted(ranked, key=lambda r: (-r.figures.points, r.unit.key))

    def trend(
        self, unit: Unit, first: Period, last: Period, now: dt.datetime
    ) -> list[MonthFigures]:
        """Each month's figures from the first month of ``first`` to the last of ``last``."""
        self._known(unit)
        if last.end <= first.start:
            raise IndexInputError(f"Kỳ 'to' ({last.key}) trước kỳ 'from' ({first.key})")
        months = month_range(first, last)
        if len(months) > MAX_TREND_MONTHS:
            raise IndexInputError(
                f"Chuỗi theo tháng dài {len(months)} tháng, tối đa {MAX_TREND_MONTHS} tháng"
            )
        facts = self._facts()
        whole = _Span(first.start, last.end)
        dossiers = self.store.dossiers(unit, whole)
        feedback = self.store.feedback(unit, whole)
        linked = self.store.linked_dossiers(unit, whole)
        return [
            MonthFigures(
                month,
                compute_index(
                    self.method,
                    facts,
                    scoped(dossiers, unit, month),
                    scoped(feedback, unit, month),
                    unit,
                    month,
                    now,
                    linked_dossiers=linked,
                ),
            )
            for month in months
        ]

    def behind(
        self, unit: Unit, period: Period, indicator: str, outcome: str, now: dt.datetime
    ) -> list[BehindItem]:
        """The records counted with ``outcome`` in the indicator (e.g. the late dossiers)."""
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


@dataclass(frozen=True, slots=True)
class _Span:
    """A range of receipt times covering several months (a trend reads them in one query)."""

    start: dt.datetime
    end: dt.datetime
