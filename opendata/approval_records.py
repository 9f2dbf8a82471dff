"""Approval rows: the ``publication_approvals`` table, one grant as a record, and the reads
the store makes of it. The rules of who may approve what are in ``opendata.approvals``."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from hub.audit.chain import utc_iso
from hub.db import UtcDateTime, metadata

_ACTIVE = "revoked_at IS NULL AND superseded_at IS NULL"

approvals_table = sa.Table(
    "publication_approvals",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("publication_id", sa.String(200), nullable=False, index=True),
    sa.Column("dataset_id", sa.String(200), nullable=False),
    sa.Column("spec_digest", sa.String(64), nullable=False),
    sa.Column("spec_json", sa.Text, nullable=False),
    sa.Column("approved_by", sa.String(200), nullable=False),
    sa.Column("approved_by_agency", sa.String(64), nullable=True),
    sa.Column("approved_at", UtcDateTime, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("superseded_at", UtcDateTime, nullable=True),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
    sa.Column("revoked_by", sa.String(200), nullable=True),
    sa.Column("revoked_by_agency", sa.String(64), nullable=True),
    sa.Column("revoke_reason", sa.Text, nullable=True),
    sa.Index(
        "ux_publication_approvals_active",
        "publication_id",
        unique=True,
        sqlite_where=sa.text(_ACTIVE),
        postgresql_where=sa.text(_ACTIVE),
    ),
)
"""One row per grant; never deleted. The partial unique index keeps one active per publication
even if a writer forgot the audit lock that serialises grants."""

ApprovalState = Literal["active", "superseded", "revoked"]


@dataclass(frozen=True, slots=True)
class Approval:
    """One grant, and what became of it. ``spec_json`` is the canonical JSON of the spec that
    was approved; its SHA-256 is ``spec_digest``."""

    id: int
    publication_id: str
    dataset_id: str
    spec_digest: str
    spec_json: str
    approved_by: str
    approved_by_agency: str | None
    approved_at: dt.datetime
    note: str
    superseded_at: dt.datetime | None
    revoked_at: dt.datetime | None
    revoked_by: str | None
    revoked_by_agency: str | None
    revoke_reason: str | None

    @property
    def state(self) -> ApprovalState:
        """``active``, ``superseded`` (a later grant replaced it) or ``revoked``."""
        if self.revoked_at is not None:
            return "revoked"
        return "superseded" if self.superseded_at is not None else "active"

    @property
    def spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = json.loads(self.spec_json)
        return spec

    def as_dict(self, *, with_spec: bool = True) -> dict[str, Any]:
        """The approval as JSON for the API, times in UTC ISO 8601."""
        answer: dict[str, Any] = {
            "id": self.id,
            "publication_id": self.publication_id,
            "dataset_id": self.dataset_id,
            "spec_digest": self.spec_digest,
            "state": self.state,
            "approved_by": self.approved_by,
            "approved_by_agency": self.approved_by_agency,
            "approved_at": utc_iso(self.approved_at),
            "note": self.note,
            "superseded_at": _iso(self.superseded_at),
            "revoked_at": _iso(self.revoked_at),
            "revoked_by": self.revoked_by,
            "revoked_by_agency": self.revoked_by_agency,
            "revoke_reason": self.revoke_reason,
        }
        if with_spec:
            answer["spec"] = self.spec
        return answer


def active_approval(conn: sa.Connection, publication_id: str) -> Approval | None:
    c = approvals_table.c
    row = conn.execute(
        sa.select(approvals_table).where(
            c.publication_id == publication_id, c.revoked_at.is_(None), c.superseded_at.is_(None)
        )
    ).first()
    return None if row is None else approval_from_row(row._mapping)


def latest_approval(conn: sa.Connection, publication_id: str) -> Approval | None:
    c = approvals_table.c
    row = conn.execute(
        sa.select(approvals_table)
        .where(c.publication_id == publication_id)
        .order_by(c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else approval_from_row(row._mapping)


def approval_by_id(conn: sa.Connection, approval_id: int) -> Approval:
    row = conn.execute(sa.select(approvals_table).where(approvals_table.c.id == approval_id)).one()
    return approval_from_row(row._mapping)


def approval_from_row(row: sa.RowMapping) -> Approval:
    return Approval(
        id=int(row["id"]),
        publication_id=row["publication_id"],
        dataset_id=row["dataset_id"],
        spec_digest=row["spec_digest"],
        spec_json=row["spec_json"],
        approved_by=row["approved_by"],
        approved_by_agency=row["approved_by_agency"],
        approved_at=row["approved_at"],
        note=row["note"],
        superseded_at=row["superseded_at"],
        revoked_at=row["revoked_at"],
        revoked_by=row["revoked_by"],
        revoked_by_agency=row["revoked_by_agency"],
        revoke_reason=row["revoke_reason"],
    )


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else utc_iso(moment)
