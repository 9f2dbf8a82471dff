"""The 766 index's tables (each dossier's and feedback's latest state, the tallies, their
generation counters and the worker's offsets) and how a state becomes a row and back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from hub.db import UtcDateTime, metadata
from hub.index766.states import DossierState, FeedbackState, Satisfaction
from hub.index766.tallies import FIELDS

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
    sa.Column("result_in_store", sa.Boolean, nullable=False),
    sa.Index("ix_index766_dossiers_agency_received", "receiving_agency_code", "received_at"),
    sa.Index("ix_index766_dossiers_commune_received", "commune_code", "received_at"),
    sa.Index("ix_index766_dossiers_received", "received_at"),
    sa.Index(
        "ix_index766_dossiers_open_due",
        "due_at",
        postgresql_where=sa.text("finished_at IS NULL"),
        sqlite_where=sa.text("finished_at IS NULL"),
    ),
    sa.Index("ix_index766_dossiers_finished", "finished_at"),
)
"""Each dossier's latest state. The two last indexes find the unsettled dossiers of an open
period: unfinished and due soon, or finished after now."""

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
    sa.Index("ix_index766_feedback_dossier", "dossier_id"),
)

TALLIES_FILLFACTOR = 50
"""Every batch adds to thousands of existing tallies rows: with half of each page left free
PostgreSQL updates a row in its page without touching the indexes (a HOT update), which makes a
batch's upsert about a third faster (measured on a rebuild of 20,000 dossiers). Set when the
table is created."""

index_tallies_table = sa.Table(
    "index766_tallies",
    metadata,
    sa.Column("unit", sa.String(80), primary_key=True),
    sa.Column("period", sa.String(8), primary_key=True),
    sa.Column("procedure_code", _CODE, primary_key=True),
    sa.Column("agency_code", _CODE, primary_key=True),
    *(sa.Column(name, sa.BigInteger, nullable=False) for name in FIELDS),
    sa.Index("ix_index766_tallies_period_unit", "period", "unit"),
    postgresql_with={"fillfactor": TALLIES_FILLFACTOR},
)
"""The dossier-level tallies of each (unit, period, procedure, agency) cell, judged at the
period's end (``hub.index766.tallies``)."""

index_generations_table = sa.Table(
    "index766_generations",
    metadata,
    sa.Column("name", sa.String(16), primary_key=True),
    sa.Column("generation", sa.BigInteger, nullable=False),
)
"""A counter per period whose tallies changed (``2025-08``…) and one for the feedback
(``feedback``), bumped in the transaction that changes them: a reader may keep a closed
period's answer while its counters stand still. Never reset, so a value never comes back."""

FEEDBACK_GENERATION = "feedback"

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


def dossier_row(s: DossierState) -> dict[str, Any]:
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


def dossier_of(row: Mapping[Any, Any]) -> DossierState:
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


def feedback_row(s: FeedbackState) -> dict[str, Any]:
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


def feedback_of(row: Mapping[Any, Any]) -> FeedbackState:
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
