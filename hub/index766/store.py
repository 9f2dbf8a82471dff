"""The index's tables in the hub's database: each dossier's and each feedback's latest state,
and the worker's consumed offsets, written together in one transaction.

Design: the index keeps **latest states, not counters**. Every figure is computed at query time
from the states of the unit and period (``hub.index766.indicators``): it is exact to the method
by construction, a later record of a dossier simply replaces the row its earlier one wrote (a
dossier that moved to another unit or period leaves the old one with nothing to undo), and the
figures of the open period depend on ``as_of`` (an unfinished dossier is on time until its due
time passes), which a stored counter could not follow without a timer rewriting it. A month of
a province is tens of thousands of rows, read through an index on (unit, received_at).

A dossier belongs to the period in which it was received, in Vietnam time: a period is a range
``[start, end)`` of ``received_at`` (``Period.start``/``end`` are Vietnam-time boundaries), so a
month, a quarter and a year use the same indexes: (receiving agency, received_at), (commune,
received_at) and received_at alone for the province.

``result_in_store`` is not stored: it is read at query time from the provide-once store's
evidence table (``hs:<dossier_id>``, same database). The evidence feed is another consumer group
that may store a dossier's evidence before or after this worker sees the dossier; a flag set at
write time would be stale whenever the feed came second, while a join is always current.

The consumed offsets are keyed by (group, topic, partition). They are the truth of where the
worker is: it skips what they cover and reads what the group's committed offsets jumped over
(``hub.index766.worker``). On PostgreSQL a batch locks its partitions' offset rows, so two
members of the group briefly handed the same partition never apply a record twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import sqlalchemy as sa

from hub.db import UtcDateTime, metadata
from hub.index766.states import DossierState, FeedbackState, Satisfaction
from hub.provide_once.dossier_evidence import EVIDENCE_ID_PREFIX
from hub.provide_once.tables import evidence_table

_ID = sa.String(100)
_CODE = sa.String(64)

index_dossiers_table = sa.Table(
    "index766_dossiers",
    metadata,
    sa.Column("dossier_id", _ID, primary_key=True),
    sa.Column("procedure_code", _CODE, nullable=False),
    sa.Column("receiving_agency_code", _CODE, nullable=False),
    sa.Column("commune_code", _CODE, nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("due_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("paid_online", sa.Boolean, nullable=False),
    sa.Column("fee_vnd", sa.BigInteger, nullable=False),
    sa.Column("synced_national", sa.Boolean, nullable=False),
    sa.Column("result_digitised", sa.Boolean, nullable=False),
    sa.Column("components_total", sa.Integer, nullable=False),
    sa.Column("components_digitised", sa.Integer, nullable=False),
    sa.Column("reused_components", sa.Integer, nullable=False),
    sa.Column("satisfaction", sa.String(16), nullable=False),
    sa.Index("ix_index766_dossiers_agency_received", "receiving_agency_code", "received_at"),
    sa.Index("ix_index766_dossiers_commune_received", "commune_code", "received_at"),
    sa.Index("ix_index766_dossiers_received", "received_at"),
)

index_feedback_table = sa.Table(
    "index766_feedback",
    metadata,
    sa.Column("feedback_id", _ID, primary_key=True),
    sa.Column("commune_code", _CODE, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("agency_code", _CODE, nullable=True),
    sa.Column("dossier_id", _ID, nullable=True),
    sa.Column("resolved_at", UtcDateTime, nullable=True),
    sa.Column("repeat_of", _ID, nullable=True),
    sa.Index("ix_index766_feedback_agency_received", "agency_code", "received_at"),
    sa.Index("ix_index766_feedback_commune_received", "commune_code", "received_at"),
    sa.Index("ix_index766_feedback_received", "received_at"),
)

index_offsets_table = sa.Table(
    "index766_offsets",
    metadata,
    sa.Column("group_id", sa.String(200), primary_key=True),
    sa.Column("topic", sa.String(249), primary_key=True),
    sa.Column("partition", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("next_offset", sa.BigInteger, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)
"""The next offset to apply, per (group, topic, partition): saved with the states it covers."""

Level = Literal["agency", "commune"]
PartitionKey = tuple[str, int]
"""(topic, partition)."""


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


class IndexStore:
    """Reads and writes the index's tables. Writes take the caller's connection, so the
    worker puts states and offsets in one transaction."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    # -- writing (inside the caller's transaction) --------------------------------------

    def offsets(
        self,
        conn: sa.Connection,
        group: str,
        keys: Iterable[PartitionKey] | None = None,
        *,
        lock: bool = False,
    ) -> dict[PartitionKey, int]:
        """The group's saved next offsets (all, or those of ``keys``); ``lock`` holds their
        rows until the transaction ends (PostgreSQL; SQLite serialises writers anyway)."""
        t = index_offsets_table
        query = sa.select(t.c.topic, t.c.partition, t.c.next_offset).where(t.c.group_id == group)
        if keys is not None:
            wanted = list(keys)
            if not wanted:
                return {}
            query = query.where(sa.tuple_(t.c.topic, t.c.partition).in_([tuple(k) for k in wanted]))
        if lock:
            query = query.with_for_update()
        rows = conn.execute(query)
        return {(row.topic, int(row.partition)): int(row.next_offset) for row in rows}

    def save_offsets(
        self, conn: sa.Connection, group: str, offsets: Mapping[PartitionKey, int]
    ) -> None:
        if not offsets:
            return
        t = index_offsets_table
        now = dt.datetime.now(dt.UTC)
        for (topic, partition), offset in offsets.items():
            key = (t.c.group_id == group) & (t.c.topic == topic) & (t.c.partition == partition)
            values = {"next_offset": offset, "updated_at": now}
            updated = conn.execute(sa.update(t).where(key).values(**values))
            if updated.rowcount == 0:
                conn.execute(
                    sa.insert(t).values(group_id=group, topic=topic, partition=partition, **values)
                )

    def put_dossiers(self, conn: sa.Connection, states: Sequence[DossierState]) -> None:
        """Each dossier's state replaces the one it had (the last of the batch wins)."""
        latest = {s.dossier_id: s for s in states}
        if not latest:
            return
        t = index_dossiers_table
        conn.execute(sa.delete(t).where(t.c.dossier_id.in_(list(latest))))
        conn.execute(sa.insert(t), [_dossier_row(s) for s in latest.values()])

    def put_feedback(self, conn: sa.Connection, states: Sequence[FeedbackState]) -> None:
        latest = {s.feedback_id: s for s in states}
        if not latest:
            return
        t = index_feedback_table
        conn.execute(sa.delete(t).where(t.c.feedback_id.in_(list(latest))))
        conn.execute(sa.insert(t), [_feedback_row(s) for s in latest.values()])

    def clear(self, group: str) -> None:
        """Empty the states and the group's offsets (``kho index run --rebuild``), in one
        transaction: readers see the old figures or none, never a mix."""
        with self.engine.begin() as conn:
            conn.execute(sa.delete(index_dossiers_table))
            conn.execute(sa.delete(index_feedback_table))
            conn.execute(
                sa.delete(index_offsets_table).where(index_offsets_table.c.group_id == group)
            )

    def saved_offsets(self, group: str) -> dict[PartitionKey, int]:
        with self.engine.connect() as conn:
            return self.offsets(conn, group)

    # -- reading ---------------------------------------------------------------------------

    def dossiers(self, unit: UnitLike, period: PeriodLike) -> list[DossierState]:
        """The latest states of the dossiers the unit received in the period, with
        ``result_in_store`` read from the provide-once store."""
        t = index_dossiers_table
        evidence_id = sa.literal(EVIDENCE_ID_PREFIX) + t.c.dossier_id
        in_store = (
            sa.select(sa.literal(1))
            .where(evidence_table.c.evidence_id == evidence_id)
            .exists()
            .label("result_in_store")
        )
        query = _in_scope(sa.select(t, in_store), t, t.c.receiving_agency_code, unit, period)
        with self.engine.connect() as conn:
            return [_dossier_of(row._mapping) for row in conn.execute(query)]

    def feedback(self, unit: UnitLike, period: PeriodLike) -> list[FeedbackState]:
        """The feedback about the unit received in the period: by its ``agency_code`` for an
        agency, its commune for a commune, all of it for the province."""
        t = index_feedback_table
        query = _in_scope(sa.select(t), t, t.c.agency_code, unit, period)
        with self.engine.connect() as conn:
            return [_feedback_of(row._mapping) for row in conn.execute(query)]

    def linked_dossiers(self, unit: UnitLike, period: PeriodLike) -> frozenset[str]:
        """The unit's dossiers of the period that some feedback names (received any time):
        they count against ``satisfaction.overall``."""
        d, f = index_dossiers_table, index_feedback_table
        joined = sa.select(d.c.dossier_id).distinct().join(f, f.c.dossier_id == d.c.dossier_id)
        query = _in_scope(joined, d, d.c.receiving_agency_code, unit, period)
        with self.engine.connect() as conn:
            return frozenset(conn.scalars(query))

    def procedures_of_agencies(self) -> dict[str, frozenset[str]]:
        """The distinct procedures each receiving agency handles (has received a dossier of)."""
        t = index_dossiers_table
        query = sa.select(t.c.receiving_agency_code, t.c.procedure_code).distinct()
        found: dict[str, set[str]] = {}
        with self.engine.connect() as conn:
            for agency, procedure in conn.execute(query):
                found.setdefault(agency, set()).add(procedure)
        return {agency: frozenset(codes) for agency, codes in found.items()}

    def units(self) -> UnitCodes:
        """The receiving agencies and communes present in the index, sorted."""
        t = index_dossiers_table
        with self.engine.connect() as conn:
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
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(sa.literal(1)).where(column == code).limit(1))
            return found.first() is not None

    def latest_received(self) -> dt.datetime | None:
        """When the latest dossier in the index was received (the demo's latest month)."""
        with self.engine.connect() as conn:
            latest: dt.datetime | None = conn.scalar(
                sa.select(sa.func.max(index_dossiers_table.c.received_at))
            )
        return latest

    def counts(self) -> tuple[int, int]:
        """How many dossiers and feedback the index holds."""
        with self.engine.connect() as conn:
            dossiers = conn.scalar(sa.select(sa.func.count()).select_from(index_dossiers_table))
            feedback = conn.scalar(sa.select(sa.func.count()).select_from(index_feedback_table))
        return int(dossiers or 0), int(feedback or 0)


def _dossier_row(s: DossierState) -> dict[str, Any]:
    return {
        "dossier_id": s.dossier_id,
        "procedure_code": s.procedure_code,
        "receiving_agency_code": s.receiving_agency_code,
        "commune_code": s.commune_code,
        "channel": s.channel,
        "received_at": s.received_at,
        "due_at": s.due_at,
        "finished_at": s.finished_at,
        "status": s.status,
        "paid_online": s.paid_online,
        "fee_vnd": s.fee_vnd,
        "synced_national": s.synced_national,
        "result_digitised": s.result_digitised,
        "components_total": s.components_total,
        "components_digitised": s.components_digitised,
        "reused_components": s.reused_components,
        "satisfaction": s.satisfaction.value,
    }


def _dossier_of(row: Mapping[Any, Any]) -> DossierState:
    return DossierState(
        dossier_id=row["dossier_id"],
        procedure_code=row["procedure_code"],
        receiving_agency_code=row["receiving_agency_code"],
        commune_code=row["commune_code"],
        channel=row["channel"],
        received_at=row["received_at"],
        due_at=row["due_at"],
        finished_at=row["finished_at"],
        status=row["status"],
        paid_online=bool(row["paid_online"]),
        fee_vnd=int(row["fee_vnd"]),
        synced_national=bool(row["synced_national"]),
        result_digitised=bool(row["result_digitised"]),
        components_total=int(row["components_total"]),
        components_digitised=int(row["components_digitised"]),
        reused_components=int(row["reused_components"]),
        satisfaction=Satisfaction(row["satisfaction"]),
        result_in_store=bool(row["result_in_store"]),
    )


def _feedback_row(s: FeedbackState) -> dict[str, Any]:
    return {
        "feedback_id": s.feedback_id,
        "commune_code": s.commune_code,
        "status": s.status,
        "received_at": s.received_at,
        "agency_code": s.agency_code,
        "dossier_id": s.dossier_id,
        "resolved_at": s.resolved_at,
        "repeat_of": s.repeat_of,
    }


def _feedback_of(row: Mapping[Any, Any]) -> FeedbackState:
    return FeedbackState(
        feedback_id=row["feedback_id"],
        commune_code=row["commune_code"],
        status=row["status"],
        received_at=row["received_at"],
        agency_code=row["agency_code"],
        dossier_id=row["dossier_id"],
        resolved_at=row["resolved_at"],
        repeat_of=row["repeat_of"],
    )


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
