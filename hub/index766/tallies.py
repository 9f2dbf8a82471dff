"""The index's running tallies: what every dossier-level indicator counts, summed per (unit,
period, procedure), so that a unit's figures are read from a few hundred rows whatever the
number of dossiers behind them.

A dossier adds one ``Tally`` to each of its nine (unit, period) cells: the province, its
receiving agency and its commune, for the month, the quarter and the year it was received in.
Each is judged at that period's **end**, the moment a closed period is judged at
(``Period.as_of``). When a later record of the dossier arrives, the worker subtracts the
tallies of the state it replaces and adds those of the new one (``delta``), in the transaction
that writes the state: the tallies always equal the sum over the stored states.

An open period is judged at ``now`` instead. A dossier's tally at ``now`` differs from its tally
at the period's end only while it is *unsettled* (``is_unsettled``): unfinished and due between
the two moments, or finished after ``now``. The reader corrects the stored tallies with those
few dossiers (``correction``), so the open month is exact too.

``counts`` turns a cell's rows into each dossier-level indicator's numerator and denominator,
with the procedure catalogue's facts applied at read time (which procedures are fully online,
carry a fee, issue a result): a catalogue change needs no rebuild. The definitions stay in
``hub.index766.ratios``; a test holds the two equal on random dossiers.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from hub.index766.facts import ProcedureFacts
from hub.index766.figures import Count
from hub.index766.periods import PROVINCE, VIETNAM, Period, Unit, periods_containing
from hub.index766.ratios import is_finished, is_on_time
from hub.index766.states import DossierState, Satisfaction


class Tally(NamedTuple):
    """What a set of dossiers counts for each dossier-level indicator (all sums)."""

    dossiers: int = 0
    synced: int = 0
    on_time: int = 0
    online: int = 0
    with_fee: int = 0
    paid_online: int = 0
    finished: int = 0
    result_digitised: int = 0
    result_in_store: int = 0
    with_components: int = 0
    components_digitised: int = 0
    reused: int = 0
    satisfied: int = 0


ZERO = Tally()
FIELDS: tuple[str, ...] = Tally._fields
"""The tally's counters, in order: the columns of the tallies table."""


def plus(a: Tally, b: Tally) -> Tally:
    return Tally(*map(operator.add, a, b))


def minus(a: Tally, b: Tally) -> Tally:
    return Tally(*map(operator.sub, a, b))


class CellKey(NamedTuple):
    """Where a tally is kept: a unit, a period, a procedure and, for a commune, the receiving
    agency (a commune's fee-bearing procedures are those of the agencies that received its
    dossiers); ``""`` otherwise."""

    unit: str
    period: str
    procedure_code: str
    agency_code: str


def tally_of(dossier: DossierState, as_of: dt.datetime, *, linked: bool) -> Tally:
    """One dossier's tally judged at ``as_of``; ``linked``: a feedback names it."""
    finished, on_time = is_finished(dossier, as_of), is_on_time(dossier, as_of)
    return Tally._make(_judged(_profile(dossier, linked), finished, on_time, 1))


def _lasting(d: DossierState) -> tuple[int, int, int, int, int, int, int]:
    """The counts of a dossier that do not depend on the moment it is judged at:
    synced, online, with_fee, paid_online, with_components, components_digitised, reused."""
    with_fee = d.fee_vnd > 0
    with_components = d.components_total > 0
    return (
        int(d.synced_national),
        int(d.channel == "online"),
        int(with_fee),
        int(with_fee and d.paid_online),
        int(with_components),
        int(with_components and d.components_digitised == d.components_total),
        int(d.reused_components > 0),
    )


_Profile = tuple[int, int, int, int, int, int, int, bool, bool, bool]
"""What fixes a dossier's tally at any moment once it is known whether it is finished and on
time then: its ``_lasting`` counts, then result digitised, result in the store, and neither
dissatisfied nor named by a feedback."""


def _profile(d: DossierState, linked: bool) -> _Profile:
    return (
        *_lasting(d),
        d.result_digitised,
        d.result_in_store,
        d.satisfaction != Satisfaction.DISSATISFIED and not linked,
    )


@functools.lru_cache(maxsize=4096)
def _judged(profile: _Profile, finished: bool, on_time: bool, sign: int) -> tuple[int, ...]:
    """The tally (in ``FIELDS`` order, times ``sign``: 1 or -1) of a dossier of this profile,
    finished and on time or not at the moment it is judged at."""
    synced, online, with_fee, paid, with_components, digitised, reused = profile[:7]
    result_digitised, result_in_store, contented = profile[7:]
    counts = (
        1,
        synced,
        int(on_time),
        online,
        with_fee,
        paid,
        int(finished),
        int(finished and result_digitised),
        int(finished and result_in_store),
        with_components,
        digitised,
        reused,
        int(on_time and contented),
    )
    return tuple(sign * count for count in counts)


@functools.lru_cache(maxsize=1024)
def _judgements(profile: _Profile, sign: int) -> tuple[tuple[int, ...], ...]:
    """``_judged`` of a profile for each moment, indexed by ``2 * finished + on_time``."""
    return tuple(
        _judged(profile, finished, on_time, sign)
        for finished in (False, True)
        for on_time in (False, True)
    )


def _calendar(local: dt.datetime) -> tuple[tuple[str, dt.datetime], ...]:
    """The keys and ends of the month, quarter and year of a Vietnam-time instant."""
    return _periods(local.year, local.month)


@functools.lru_cache(maxsize=1024)
def _periods(year: int, month: int) -> tuple[tuple[str, dt.datetime], ...]:
    """The ends are in UTC, as the states' times are: comparing two times of the same zone
    skips the offsets' lookup (several times faster; the same instants)."""
    anchor = dt.datetime(year, month, 1, tzinfo=VIETNAM)
    return tuple((p.key, p.end.astimezone(dt.UTC)) for p in periods_containing(anchor))


def _key(unit: Unit, period: Period, dossier: DossierState) -> CellKey:
    agency = dossier.receiving_agency_code if unit.level == "commune" else ""
    return CellKey(unit.key, period.key, dossier.procedure_code, agency)


def delta(
    before: Iterable[tuple[DossierState, bool]], after: Iterable[tuple[DossierState, bool]]
) -> dict[CellKey, Tally]:
    """What the tallies change by when the states ``before`` (each with its ``linked`` flag)
    are replaced by the states ``after``; cells whose change is nothing are left out.

    Each dossier counts in nine cells: the province, its agency and its commune, for its
    month, quarter and year, each judged at the period's end. A dossier's tally at a moment
    is fixed by its ``_Profile`` and whether it is finished and on time then: the tallies
    of those few combinations are made once (``_judged``) and added to the cells."""
    change: dict[tuple[str, str, str, str], tuple[int, ...]] = {}
    add = operator.add
    province = PROVINCE.key
    for states, sign in ((before, -1), (after, 1)):
        for dossier, linked in states:
            judgements = _judgements(_profile(dossier, linked), sign)
            procedure, agency = dossier.procedure_code, dossier.receiving_agency_code
            agency_unit = _prefixed("agency:", agency)
            commune_unit = _prefixed("commune:", dossier.commune_code)
            for period, end in _calendar(dossier.received_at.astimezone(VIETNAM)):
                judged = judgements[2 * is_finished(dossier, end) + is_on_time(dossier, end)]
                for cell in (
                    (province, period, procedure, ""),
                    (agency_unit, period, procedure, ""),
                    (commune_unit, period, procedure, agency),
                ):
                    current = change.get(cell)
                    change[cell] = judged if current is None else tuple(map(add, current, judged))
    return {
        tuple.__new__(CellKey, key): tuple.__new__(Tally, values)
        for key, values in change.items()
        if any(values)
    }


def new_tallies(states: Iterable[DossierState]) -> dict[CellKey, Tally]:
    """What these states add to the tallies, none of them named by a feedback (``delta`` from
    nothing): made ahead of the transaction that writes them (``IndexStore.apply``)."""
    return delta((), ((state, False) for state in states))


def summed(a: Mapping[CellKey, Tally], b: Mapping[CellKey, Tally]) -> dict[CellKey, Tally]:
    """Two changes of the tallies as one; cells whose change is nothing are left out."""
    total = dict(a)
    for key, tally in b.items():
        current = total.get(key)
        total[key] = tally if current is None else plus(current, tally)
    return {key: tally for key, tally in total.items() if any(tally)}


@functools.lru_cache(maxsize=65536)
def _prefixed(level: str, code: str) -> str:
    """A unit's key (``agency:<code>``), made once per code."""
    return level + code


def is_unsettled(dossier: DossierState, now: dt.datetime, end: dt.datetime) -> bool:
    """Whether the dossier's tally at ``now`` can differ from its tally at ``end``."""
    finished = dossier.finished_at
    if finished is None:
        return now <= dossier.due_at < end
    return finished > now


def correction(
    unsettled: Iterable[tuple[DossierState, bool]], unit: Unit, period: Period, as_of: dt.datetime
) -> dict[CellKey, Tally]:
    """What turns a period's tallies judged at its end into tallies judged at ``as_of``: for
    each unsettled dossier of the unit and period, its tally at ``as_of`` minus its tally at
    the end."""
    change: dict[CellKey, Tally] = {}
    for dossier, linked in unsettled:
        key = _key(unit, period, dossier)
        step = minus(
            tally_of(dossier, as_of, linked=linked), tally_of(dossier, period.end, linked=linked)
        )
        change[key] = plus(change.get(key, ZERO), step)
    return change


def combined(*cells: Mapping[CellKey, Tally]) -> dict[tuple[str, str], Tally]:
    """The tallies of one unit and period summed per (procedure, agency)."""
    total: dict[tuple[str, str], Tally] = {}
    for rows in cells:
        for key, tally in rows.items():
            slot = (key.procedure_code, key.agency_code)
            total[slot] = plus(total.get(slot, ZERO), tally)
    return total


def counts(
    rows: Mapping[tuple[str, str], Tally], procedures: ProcedureFacts, unit: Unit
) -> dict[str, Count]:
    """Each dossier-level indicator's numerator and denominator from a unit's tallies per
    (procedure, agency), exactly as ``hub.index766.ratios`` defines them."""
    everything = full_online = with_result = ZERO
    by_procedure: dict[str, Tally] = {}
    agencies: set[str] = set()
    for (procedure, agency), tally in rows.items():
        if tally.dossiers <= 0:
            continue
        everything = plus(everything, tally)
        if procedure in procedures.full_online:
            full_online = plus(full_online, tally)
        if procedure in procedures.with_result:
            with_result = plus(with_result, tally)
        by_procedure[procedure] = plus(by_procedure.get(procedure, ZERO), tally)
        if agency:
            agencies.add(agency)
    charged = {code for code, tally in by_procedure.items() if tally.with_fee > 0}
    paid = {code for code, tally in by_procedure.items() if tally.paid_online > 0}
    marked = procedures.fee_procedures_of(unit, agencies)
    return {
        "publicity.synced": Count(everything.synced, everything.dossiers),
        "progress.on_time": Count(everything.on_time, everything.dossiers),
        "online.full_online": Count(full_online.online, full_online.dossiers),
        "payment.dossiers_paid_online": Count(everything.paid_online, everything.with_fee),
        "payment.procedures_paid_online": Count(len(charged & paid), len(charged)),
        "payment.procedures_with_fee_dossiers": Count(len(marked & charged), len(marked)),
        "digitisation.e_result": Count(everything.result_digitised, everything.finished),
        "digitisation.components": Count(
            everything.components_digitised, everything.with_components
        ),
        "digitisation.reuse": Count(everything.reused, everything.dossiers),
        "digitisation.data_store": Count(with_result.result_in_store, with_result.finished),
        "satisfaction.overall": Count(everything.satisfied, everything.dossiers),
    }


TALLIED = frozenset(
    {
        "publicity.synced",
        "progress.on_time",
        "online.full_online",
        "payment.dossiers_paid_online",
        "payment.procedures_paid_online",
        "payment.procedures_with_fee_dossiers",
        "digitisation.e_result",
        "digitisation.components",
        "digitisation.reuse",
        "digitisation.data_store",
        "satisfaction.overall",
    }
)
"""The indicators read from the tallies; the feedback ones are counted from the feedback's
states at query time (a unit's feedback is a small fraction of its dossiers)."""
