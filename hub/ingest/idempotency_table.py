"""The Idempotency-Key table (``ingest_idempotency``), and the upgrade that gives a table made
before the lease existed its lease columns (the project has no migration tool, so the store
runs it once on first use; hub/ingest/idempotency.py)."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

from hub.db import UtcDateTime, metadata

log = logging.getLogger(__name__)

idempotency_table = sa.Table(
    "ingest_idempotency",
    metadata,
    sa.Column("agency", sa.String(64), primary_key=True),
    sa.Column("dataset", sa.String(200), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("request_sha256", sa.String(64), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("status_code", sa.Integer, nullable=True),
    sa.Column("answer", sa.Text, nullable=True),
    sa.Column("claimed_at", UtcDateTime, nullable=False, index=True),
    # The lease (nullable: rows of tables made before it existed have none).
    sa.Column("holder", sa.String(32), nullable=True),
    sa.Column("batch_tag", sa.String(32), nullable=True),
    sa.Column("heartbeat_at", UtcDateTime, nullable=True),
    sa.Column("watermarks", sa.Text, nullable=True),
)
LEASE_COLUMNS = ("holder", "batch_tag", "heartbeat_at", "watermarks")


def add_missing_lease_columns(engine: sa.Engine) -> None:
    """Adds the lease's columns the table lacks (``IF NOT EXISTS`` on PostgreSQL, where two
    processes may upgrade at once); a table that has them is left as it is."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.select(*_lease_columns()).limit(0))
        return
    except sa.exc.DBAPIError:
        pass
    with engine.begin() as conn:
        present = {col["name"] for col in sa.inspect(conn).get_columns(idempotency_table.name)}
        postgres = conn.dialect.name == "postgresql"
        for name in LEASE_COLUMNS:
            if name in present:
                continue
            column_type = idempotency_table.c[name].type.compile(dialect=conn.dialect)
            guard = "IF NOT EXISTS " if postgres else ""
            conn.execute(
                sa.text(
                    f"ALTER TABLE {idempotency_table.name} ADD COLUMN {guard}{name} {column_type}"
                )
            )
            log.info("added column %s to %s", name, idempotency_table.name)


def _lease_columns() -> list[sa.Column[Any]]:
    return [idempotency_table.c[name] for name in LEASE_COLUMNS]
