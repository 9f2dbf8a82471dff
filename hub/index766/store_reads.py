"""The index's reads for its figures: a unit's dossiers, feedback and tallies over a period, the
units present, and the counters that tell a reader its cached figures are stale.

``IndexStore`` (``hub.index766.store``) adds the writes, which the worker makes in its batch's
transaction. A period is a range ``[start, end)`` of ``received_at`` in Vietnam time; a unit is
the province, ``agency:<code>`` or ``commune:<code>``.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import sqlalchemy as sa

from hub.index766.periods import VIETNAM
from hub.index766.states import DossierState, FeedbackState
from hub.index766.tables import (
    dossier_of,
    feedback_of,
    index_dossiers_table,
    index_feedback_table,
    index_generations_table,
    index_tallies_table,
)
from hub.index766.tallies import FIELDS, CellKey, Tally

Level = Literal["agency", "commune"]


class UnitLike(Protocol):
    """A unit as ``hub.index766.periods.Unit`` has it: ``province``, ``agency:<code>`` or
    ``commune:<code>``."""

    @property
    def key(self) -> str: ...


class PeriodLike(Protocol):
    """A period as ``hub.index766.periods.Period`` has it: aware Vietnam-time boundaries."""

    @property
    def start(self) -> dt.datetime: ...

    @property
    def end(self) -> dt.datetime: ...


@dataclass(frozen=True, slots=True)
class UnitCodes:
    """The units present in the index: receiving agencies and communes."""

    agencies: tuple[str, ...]
    communes: tuple[str, ...]


def unit_parts(unit: UnitLike) -> tuple[str, str | None]:
    """``("agency", "so-tp")`` from ``agency:so-tp``; ``("province", None)``."""
    kind, _, code = unit.key.partition(":")
    return kind, code or None


class IndexStoreReads:
    """Reads the index's tables, each in a connection of its own, or all in one inside
    ``one_connection``."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._held = threading.local()

    @contextmanager
    def one_connection(self) -> Iterator[None]:
        """The reads this thread makes inside share one connection: an answer made of several
        reads checks a connection out (and pings the server) once, not once a read. Nested,
        the outer one's connection serves."""
        if getattr(self._held, "connection", None) is not None:
            yield
            return
        with self.engine.connect() as conn:
            self._held.connection = conn
            try:
                yield
            finally:
                self._held.connection = None

    def _connect(self) -> AbstractContextManager[sa.Connection]:
        held: sa.Connection | None = getattr(self._held, "connection", None)
        return nullcontext(held) if held is not None else self.engine.connect()

    def generations(self, names: Sequence[str]) -> tuple[int, ...]:
        """The counters of these periods (or ``FEEDBACK_GENERATION``), 0 for one never bumped."""
        t = index_generations_table
        with self._connect() as conn:
            query = sa.select(t.c.name, t.c.generation).where(t.c.name.in_(list(names)))
            found = {name: generation for name, generation in conn.execute(query)}
        return tuple(int(found.get(name, 0)) for name in names)

    def dossiers(self, unit: UnitLike, period: PeriodLike) -> list[DossierState]:
        """The latest states of the dossiers the unit received in the period."""
        t = index_dossiers_table
        query = _in_scope(sa.select(t), t, t.c.receiving_agency_code, unit, period)
        with self._connect() as conn:
            return [dossier_of(row._mapping) for row in conn.execute(query)]

    def unsettled(
        self, unit: UnitLike, period: PeriodLike, now: dt.datetime
    ) -> list[tuple[DossierState, bool]]:
        """The unit's dossiers of the period whose tally at ``now`` can differ from their tally
        at the period's end (``tallies.is_unsettled``), each with whether a feedback names it."""
        d, f = index_dossiers_table, index_feedback_table
        linked = sa.select(sa.literal(1)).where(f.c.dossier_id == d.c.dossier_id).exists()
        base = sa.select(d, linked.label("linked"))
        due_soon = d.c.finished_at.is_(None) & (d.c.due_at >= now) & (d.c.due_at < period.end)
        found: dict[str, tuple[DossierState, bool]] = {}
        with self._connect() as conn:
            for condition in (due_soon, d.c.finished_at > now):
                query = _in_scope(base.where(condition), d, d.c.receiving_agency_code, unit, period)
                for row in conn.execute(query):
                    found[row.dossier_id] = (dossier_of(row._mapping), bool(row.linked))
        return list(found.values())

    def tallies(
        self, periods: Sequence[str], *, unit: str | None = None, level: str | None = None
    ) -> dict[CellKey, Tally]:
        """The stored cells of the periods (keys like ``2025-08``), for one unit (its key) or
        every unit of a level (``agency`` or ``commune``)."""
        t = index_tallies_table
        keys = (t.c.unit, t.c.period, t.c.procedure_code, t.c.agency_code)
        query = sa.select(*keys, *(t.c[name] for name in FIELDS))
        query = query.where(t.c.period.in_(list(periods)))
        if unit is not None:
            query = query.where(t.c.unit == unit)
        if level is not None:
            query = query.where(t.c.unit > f"{level}:", t.c.unit < f"{level};")
        with self._connect() as conn:
            return {CellKey._make(row[:4]): Tally._make(row[4:]) for row in conn.execute(query)}

    def feedback(self, unit: UnitLike, period: PeriodLike) -> list[FeedbackState]:
        """The feedback about the unit received in the period: by its ``agency_code`` for an
        agency, its commune for a commune, all of it for the province."""
        t = index_feedback_table
        query = _in_scope(sa.select(t), t, t.c.agency_code, unit, period)
        with self._connect() as conn:
            return [feedback_of(row._mapping) for row in conn.execute(query)]

    def linked_dossiers(self, unit: UnitLike, period: PeriodLike) -> frozenset[str]:
        """The unit's dossiers of the period that some feedback names (received any time):
        they count against ``satisfaction.overall``."""
        d, f = index_dossiers_table, index_feedback_table
        joined = sa.select(d.c.dossier_id).distinct().join(f, f.c.dossier_id == d.c.dossier_id)
        query = _in_scope(joined, d, d.c.receiving_agency_code, unit, period)
        with self._connect() as conn:
            return frozenset(conn.scalars(query))

    def procedures_of_agencies(self) -> dict[str, frozenset[str]]:
        """The distinct procedures each receiving agency handles (has received a dossier of),
        read from the agencies' yearly cells."""
        t = index_tallies_table
        d = index_dossiers_table
        with self._connect() as conn:
            first, last = conn.execute(
                sa.select(sa.func.min(d.c.received_at), sa.func.max(d.c.received_at))
            ).one()
            if first is None:
                return {}
            years = [str(y) for y in range(_vietnam_year(first), _vietnam_year(last) + 1)]
            query = (
                sa.select(t.c.unit, t.c.procedure_code)
                .distinct()
                .where(t.c.period.in_(years), t.c.unit > "agency:", t.c.unit < "agency;")
                .where(t.c.dossiers > 0)
            )
            found: dict[str, set[str]] = {}
            for unit, procedure in conn.execute(query):
                found.setdefault(unit.removeprefix("agency:"), set()).add(procedure)
        return {agency: frozenset(codes) for agency, codes in found.items()}

    def units(self) -> UnitCodes:
        """The receiving agencies and communes present in the index, sorted."""
        t = index_dossiers_table
        with self._connect() as conn:
            agencies = conn.scalars(
                sa.select(t.c.receiving_agency_code).distinct().order_by(t.c.receiving_agency_code)
            ).all()
            communes = conn.scalars(
                sa.select(t.c.commune_code).distinct().order_by(t.c.commune_code)
            ).all()
        return UnitCodes(tuple(agencies), tuple(communes))

    def has_unit(self, unit: UnitLike) -> bool:
        """Whether the index knows the unit (the province always)."""
        kind, code = unit_parts(unit)
        t = index_dossiers_table
        column = {"agency": t.c.receiving_agency_code, "commune": t.c.commune_code}.get(kind)
        if column is None:
            return kind == "province"
        with self._connect() as conn:
            found = conn.execute(sa.select(sa.literal(1)).where(column == code).limit(1))
            return found.first() is not None

    def latest_received(self) -> dt.datetime | None:
        """When the latest dossier in the index was received (the demo's latest month)."""
        with self._connect() as conn:
            latest: dt.datetime | None = conn.scalar(
                sa.select(sa.func.max(index_dossiers_table.c.received_at))
            )
        return latest

    def counts(self) -> tuple[int, int]:
        """How many dossiers and feedback the index holds."""
        with self._connect() as conn:
            dossiers = conn.scalar(sa.select(sa.func.count()).select_from(index_dossiers_table))
            feedback = conn.scalar(sa.select(sa.func.count()).select_from(index_feedback_table))
        return int(dossiers or 0), int(feedback or 0)


def _vietnam_year(instant: dt.datetime) -> int:
    return instant.astimezone(VIETNAM).year


def _in_scope(
    query: sa.Select[Any],
    table: sa.Table,
    agency: sa.Column[Any],
    unit: UnitLike,
    period: PeriodLike,
) -> sa.Select[Any]:
    """``query`` narrowed to the rows of ``table`` received in the period and about the unit:
    ``agency`` for an agency, the commune for a commune, every row for the province."""
    query = query.where(table.c.received_at >= period.start, table.c.received_at < period.end)
    kind, code = unit_parts(unit)
    if kind == "agency":
        return query.where(agency == code)
    if kind == "commune":
        return query.where(table.c.commune_code == code)
    return query
