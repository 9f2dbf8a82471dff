"""What each computed indicator counts: for every item of its denominator (a dossier, a
feedback or a procedure code), whether it is in the numerator. The same tallies give the
figures (counted) and the dossiers behind them (listed), so the two cannot disagree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from hub.index766.facts import ProcedureFacts
from hub.index766.periods import Unit
from hub.index766.states import DossierState, FeedbackState, Satisfaction
from hub.index766.working_days import working_deadline

Item = DossierState | FeedbackState | str
"""A denominator's item: a dossier, a feedback, or a procedure code."""


@dataclass(frozen=True)
class Scope:
    """What the tallies need beside the records: the moment judged, the procedure facts, the
    unit, the feedback time limit, and the dossiers that have a linked feedback."""

    as_of: dt.datetime
    procedures: ProcedureFacts
    unit: Unit
    feedback_working_days: int
    linked_dossiers: frozenset[str]


Tally = Callable[
    [Sequence[DossierState], Sequence[FeedbackState], Scope], Iterator[tuple[Item, bool]]
]


@dataclass(frozen=True)
class IndicatorRule:
    """How an indicator counts, and the outcome names of its numerator and the rest."""

    tally: Tally
    counted: str
    against: str


def is_finished(dossier: DossierState, as_of: dt.datetime) -> bool:
    return dossier.finished_at is not None and dossier.finished_at <= as_of


def is_on_time(dossier: DossierState, as_of: dt.datetime) -> bool:
    """Finished by its due time, or still open by as_of and not yet due."""
    finished = dossier.finished_at
    if finished is not None and finished <= as_of:
        return finished <= dossier.due_at
    return dossier.due_at >= as_of


def feedback_on_time(feedback: FeedbackState, scope: Scope) -> bool:
    """Resolved by as_of within the working-day limit, or unresolved by as_of and the limit
    not yet passed (the same rule as a dossier's)."""
    deadline = working_deadline(feedback.received_at, scope.feedback_working_days)
    resolved = feedback.resolved_at
    if resolved is not None and resolved <= scope.as_of:
        return resolved < deadline
    return scope.as_of < deadline


def _synced(
    ds: Sequence[DossierState], _f: Sequence[FeedbackState], _s: Scope
) -> Iterator[tuple[Item, bool]]:
    return ((d, d.synced_national) for d in ds)


def _on_time(
    ds: Sequence[DossierState], _f: Sequence[FeedbackState], s: Scope
) -> Iterator[tuple[Item, bool]]:
    return ((d, is_on_time(d, s.as_of)) for d in ds)


def _full_online(
    ds: Sequence[DossierState], _f: Sequence[FeedbackState], s: Scope
) -> Iterator[tuple[Item, bool]]:
    full = s.procedures.full_online
    return ((d, d.channel == "online") for d in ds if d.procedure_code in full)


def _dossiers_paid(
    ds: Sequence[DossierState], _f: Sequence[FeedbackState], _s: Scope
) -> Iterator[tuple[Item, bool]]:
    return ((d, d.paid_online) for d in ds if d.fee_vnd > 0)


def _procedures_paid(
    ds: Sequence[DossierState], _f: Sequence[FeedbackState], _s: Scope
) -> Iterator[tuple[Item, bool]]:
    with_fee = sorted({d.procedure_code for d in ds if d.fee_vnd > 0})
    paid = {d.procedure_code for d in ds if d.fee_vnd > 0 and d.paid_online}
    return ((code, code in paid) for code in with_fee)


def _procedures_with_fee_dossiers(
    ds: Sequence[DossierState], _f: Sequence[FeedbackState], s: Scope
) -> Iterator[tuple[Item, bool]]:
    agencies = {d.receiving_agency_code for d in ds}
    marked = sorted(s.procedures.fee_procedures_of(s.unit, agencies))
    with_fee = {d.procedure_code for d in ds if d.fee_vnd > 0}
    return ((code, code in with_fee) for code in marked)


def _e_result(
    ds: Sequence[DossierState], _f: Sequence[FeedbackState], s: Scope
) -> Iterator[tuple[Item, bool]]:
    return ((d, d.result_digitised) for d in ds if is_finished(d, s.as_of))


def _components(
    ds: Sequence[DossierState], _f: Sequence[FeedbackState], _s: Scope
) -> Iterator[tuple[Item, bool]]:
    return ((d, d.components_digitised == d.components_total) for d in ds if d.components_total > 0)


def _reuse(
    ds: Sequence[DossierState], _f: Sequence[FeedbackState], _s: Scope
) -> Iterator[tuple[Item, bool]]:
    return ((d, d.reused_components > 0) for d in ds)


def _data_store(
    ds: Sequence[DossierState], _f: Sequence[FeedbackState], s: Scope
) -> Iterator[tuple[Item, bool]]:
    results = s.procedures.with_result
    return (
        (d, d.result_in_store)
        for d in ds
        if d.procedure_code in results and is_finished(d, s.as_of)
    )


def _feedback_on_time(
    _d: Sequence[DossierState], fs: Sequence[FeedbackState], s: Scope
) -> Iterator[tuple[Item, bool]]:
    return ((f, feedback_on_time(f, s)) for f in fs)


def _feedback_clean(
    _d: Sequence[DossierState], fs: Sequence[FeedbackState], s: Scope
) -> Iterator[tuple[Item, bool]]:
    return (
        (f, f.status != "rejected" and f.repeat_of is None and feedback_on_time(f, s)) for f in fs
    )


def _overall(
    ds: Sequence[DossierState], _f: Sequence[FeedbackState], s: Scope
) -> Iterator[tuple[Item, bool]]:
    """A dossier counts against once, whether late, dissatisfied or complained about."""
    return (
        (
            d,
            is_on_time(d, s.as_of)
            and d.satisfaction != Satisfaction.DISSATISFIED
            and d.dossier_id not in s.linked_dossiers,
        )
        for d in ds
    )


RULES: dict[str, IndicatorRule] = {
    "publicity.synced": IndicatorRule(_synced, "synced", "not_synced"),
    "progress.on_time": IndicatorRule(_on_time, "on_time", "late"),
    "online.full_online": IndicatorRule(_full_online, "online", "offline"),
    "payment.dossiers_paid_online": IndicatorRule(_dossiers_paid, "paid_online", "unpaid"),
    "payment.procedures_paid_online": IndicatorRule(_procedures_paid, "paid_online", "unpaid"),
    "payment.procedures_with_fee_dossiers": IndicatorRule(
        _procedures_with_fee_dossiers, "with_fee_dossiers", "without_fee_dossiers"
    ),
    "digitisation.e_result": IndicatorRule(_e_result, "digitised", "not_digitised"),
    "digitisation.components": IndicatorRule(_components, "digitised", "not_digitised"),
    "digitisation.reuse": IndicatorRule(_reuse, "reused", "not_reused"),
    "digitisation.data_store": IndicatorRule(_data_store, "in_store", "not_in_store"),
    "satisfaction.feedback_on_time": IndicatorRule(_feedback_on_time, "on_time", "late"),
    "satisfaction.feedback_clean": IndicatorRule(_feedback_clean, "clean", "not_clean"),
    "satisfaction.overall": IndicatorRule(_overall, "satisfied", "dissatisfied"),
}

COMPUTABLE = frozenset(RULES)
"""The indicator ids the code knows how to compute; the method file may declare others only
as `computed: false`."""
