"""The evidence outbox: each new version's update event, sent to the evidence topic after the
version committed, so consumers refresh.

A row is marked sent only after the bus acknowledged it, so an event can be sent twice (a crash
between the two) but never lost; consumers keep the highest ``version`` per ``evidence_id``.
On PostgreSQL, concurrent drains skip each other's rows (``FOR UPDATE SKIP LOCKED``)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from hub.ingest.writer import DatasetWriter, IncomingRecord, SourceRef
from hub.provide_once.evidence import VERSION_COLUMNS
from hub.provide_once.tables import evidence_outbox_table, evidence_table, evidence_versions_table

log = logging.getLogger("kho.provide_once.outbox")


class EvidenceOutbox:
    def __init__(self, engine: sa.Engine, writer: Callable[[], DatasetWriter]) -> None:
        self._engine = engine
        self._writer = writer

    def pending(self) -> int:
        query = sa.select(sa.func.count()).where(evidence_outbox_table.c.sent_at.is_(None))
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def drain(self, *, batch: int = 500) -> int:
        """Send every pending event, oldest first; the number sent. Raises what the bus raises,
        leaving the unsent rows for the next drain."""
        sent = 0
        while True:
            count = self._send_batch(batch)
            sent += count
            if count < batch:
                return sent

    def _send_batch(self, batch: int) -> int:
        o, e, v = evidence_outbox_table.c, evidence_table.c, evidence_versions_table.c
        query = (
            sa.select(o.seq, *VERSION_COLUMNS)
            .join(evidence_table, e.evidence_id == o.evidence_id)
            .join(
                evidence_versions_table,
                sa.and_(v.evidence_id == o.evidence_id, v.version == o.version),
            )
            .where(o.sent_at.is_(None))
            .order_by(o.seq)
            .limit(batch)
            .with_for_update(of=evidence_outbox_table, skip_locked=True)
        )
        with self._engine.begin() as conn:
            rows = conn.execute(query).all()
            if not rows:
                return 0
            writer = self._writer()
            report = writer.write(
                IncomingRecord(
                    source=SourceRef("evidence_outbox", "evidence_outbox", int(row.seq)),
                    original=json.dumps(_event(row), ensure_ascii=False, default=str).encode(),
                    record=_event(row),
                )
                for row in rows
            )
            if report.rejected:
                log.warning("%d evidence events went to the dead-letter topic", report.rejected)
            conn.execute(
                sa.update(evidence_outbox_table)
                .where(o.seq.in_([row.seq for row in rows]))
                .values(sent_at=dt.datetime.now(dt.UTC))
            )
            return len(rows)


def _event(row: sa.Row[Any]) -> dict[str, Any]:
    """The version as a record of the evidence dataset's schema."""
    return {
        "evidence_id": row.evidence_id,
        "subject_id": row.subject_id,
        "evidence_type": row.evidence_type,
        "issuing_agency_code": row.issuer,
        "issued_on": row.issued_on,
        "valid_until": row.valid_until,
        "source_dossier_id": row.source_ref,
        "file_sha256": row.file_sha256,
        "attributes": json.loads(row.attributes),
        "version": int(row.version),
        "file_uri": row.file_uri,
    }
