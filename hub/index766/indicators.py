"""The 766 index computed from the latest states of a unit's dossiers and feedback received in
a period, exactly as INDEX-766 defines it, and the records behind each figure.

    compute_index(method, procedures, dossiers, feedback, unit, period, now) -> IndexFigures
    dossiers_behind(method, procedures, dossiers, feedback, indicator_id, outcome, now, period)

Both are pure: the caller (the index worker and store) keeps the latest state of each record
(`states.latest_states`) and passes those of the unit and period (`periods.scoped`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping

from hub.index766.errors import IndexInputError
from hub.index766.facts import ProcedureFacts
from hub.index766.figures import BehindItem, Count, IndexFigures, assemble
from hub.index766.method import IndexMethod
from hub.index766.periods import PROVINCE, Period, Unit
from hub.index766.ratios import RULES, Item, Scope
from hub.index766.states import DossierState, FeedbackState
from hub.index766.tallies import TALLIED, Tally
from hub.index766.tallies import counts as tallied_counts

FEEDBACK_ONLY = frozenset(RULES) - TALLIED
"""The indicators counted from the feedback's states alone."""

__all__ = [
    "BehindItem",
    "IndexFigures",
    "ProcedureFacts",
    "compute_index",
    "count_indicators",
    "dossiers_behind",
    "index_from_tallies",
    "outcomes_of",
]


def _scope(
    method: IndexMethod,
    procedures: ProcedureFacts,
    feedback: Collection[FeedbackState],
    unit: Unit,
    as_of: dt.datetime,
    linked_dossiers: Collection[str] | None,
) -> Scope:
    linked = (
        frozenset(linked_dossiers)
        if linked_dossiers is not None
        else frozenset(f.dossier_id for f in feedback if f.dossier_id)
    )
    return Scope(
        as_of=as_of,
        procedures=procedures,
        unit=unit,
        feedback_working_days=method.thresholds.feedback_working_days,
        linked_dossiers=linked,
    )


def count_indicators(
    method: IndexMethod,
    procedures: ProcedureFacts,
    dossiers: Iterable[DossierState],
    feedback: Iterable[FeedbackState],
    unit: Unit,
    as_of: dt.datetime,
    *,
    linked_dossiers: Collection[str] | None = None,
    only: Collection[str] | None = None,
) -> dict[str, Count]:
    """Each computed indicator's numerator and denominator at `as_of` (those of `only`, when
    given)."""
    ds, fs = list(dossiers), list(feedback)
    scope = _scope(method, procedures, fs, unit, as_of, linked_dossiers)
    counts: dict[str, Count] = {}
    for _, spec in method.indicators():
        if not spec.computed or (only is not None and spec.id not in only):
            continue
        numerator = denominator = 0
        for _item, counted in RULES[spec.id].tally(ds, fs, scope):
            denominator += 1
            numerator += counted
        counts[spec.id] = Count(numerator, denominator)
    return counts


def compute_index(
    method: IndexMethod,
    procedures: ProcedureFacts,
    dossiers: Iterable[DossierState],
    feedback: Iterable[FeedbackState],
    unit: Unit,
    period: Period,
    now: dt.datetime,
    *,
    linked_dossiers: Collection[str] | None = None,
) -> IndexFigures:
    """The unit's index for the period, judged at `period.as_of(now)`. `dossiers` and
    `feedback` are the latest states of those received in the period by the unit;
    `linked_dossiers` (default: the dossier ids the given feedback names) are the dossiers a
    citizen complained about, which count against `satisfaction.overall`."""
    as_of = period.as_of(now)
    counts = count_indicators(
        method, procedures, dossiers, feedback, unit, as_of, linked_dossiers=linked_dossiers
    )
    return assemble(method, counts, unit, period, as_of)


def index_from_tallies(
    method: IndexMethod,
    procedures: ProcedureFacts,
    cells: Mapping[tuple[str, str], Tally],
    feedback: Iterable[FeedbackState],
    unit: Unit,
    period: Period,
    now: dt.datetime,
) -> IndexFigures:
    """The same figures as `compute_index`, with the dossier-level indicators read from the
    unit's tallies per (procedure, agency) judged at `period.as_of(now)` (`tallies.combined`
    of the stored cells and the open period's correction) and the feedback ones counted from
    the feedback's states."""
    as_of = period.as_of(now)
    counts = tallied_counts(cells, procedures, unit)
    counts |= count_indicators(method, procedures, (), feedback, unit, as_of, only=FEEDBACK_ONLY)
    return assemble(method, counts, unit, period, as_of)


def outcomes_of(indicator_id: str) -> tuple[str, str]:
    """The names of an indicator's outcomes: (counted in the numerator, counted against)."""
    rule = RULES.get(indicator_id)
    if rule is None:
        raise IndexInputError(f"Chỉ số không được Kho tính: {indicator_id!r}")
    return rule.counted, rule.against


def dossiers_behind(
    method: IndexMethod,
    procedures: ProcedureFacts,
    dossiers: Iterable[DossierState],
    feedback: Iterable[FeedbackState],
    indicator_id: str,
    outcome: str,
    now: dt.datetime,
    period: Period,
    *,
    unit: Unit = PROVINCE,
    linked_dossiers: Collection[str] | None = None,
) -> list[BehindItem]:
    """The records of the indicator's denominator with that outcome (e.g. "late" for
    `progress.on_time`, "unpaid" for `payment.dossiers_paid_online`; `outcomes_of` names
    both), ordered by receipt. Procedure-level indicators list procedure codes."""
    spec = method.indicator(indicator_id)
    if spec is None or not spec.computed:
        raise IndexInputError(f"Chỉ số không có hoặc không được Kho tính: {indicator_id!r}")
    counted, against = outcomes_of(indicator_id)
    if outcome not in (counted, against):
        raise IndexInputError(
            f"Kết quả không hợp lệ cho chỉ số {indicator_id}: {outcome!r} "
            f"(chọn {counted} hoặc {against})"
        )
    ds, fs = list(dossiers), list(feedback)
    scope = _scope(method, procedures, fs, unit, period.as_of(now), linked_dossiers)
    wanted = outcome == counted
    items = [_behind(item) for item, ok in RULES[indicator_id].tally(ds, fs, scope) if ok == wanted]
    far_past = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(items, key=lambda i: (i.received_at or far_past, i.id))


def _behind(item: Item) -> BehindItem:
    if isinstance(item, DossierState):
        return BehindItem(
            kind="dossier",
            id=item.dossier_id,
            procedure_code=item.procedure_code,
            received_at=item.received_at,
            due_at=item.due_at,
            finished_at=item.finished_at,
        )
    if isinstance(item, FeedbackState):
        return BehindItem(
            kind="feedback",
            id=item.feedback_id,
            received_at=item.received_at,
            resolved_at=item.resolved_at,
        )
    return BehindItem(kind="procedure", id=item, procedure_code=item)
