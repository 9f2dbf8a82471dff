"""The HTTP API's audit writer (``AsyncChainWriter``) on a real PostgreSQL: a group of entries
goes in as one statement a table, chained after the head, NULLs included, and a value too
long for its column fails the group instead of being cut short (the hash covers all of it)."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
import sqlalchemy as sa

from hub.async_postgres import AsyncPostgres
from hub.audit import Actor, AuditLog, actions
from hub.audit.append import AsyncChainWriter, PendingEntry, pending_entry
from hub.audit.table import audit_subjects_table, audit_table
from tests.integration.conftest import POSTGRES_URL, schema_engine


def _entry(principal: str, subjects: list[str]) -> PendingEntry:
    return pending_entry(
        actions.EVIDENCE_READ, Actor(principal, "so-yt"), "evidence", {"tên": "Ấp"}, subjects
    )


def test_a_group_is_chained_and_a_value_too_long_fails_it(pg_schema: str) -> None:
    engine = schema_engine(pg_schema)
    with engine.begin() as conn:
        audit_table.create(conn)
        audit_subjects_table.create(conn)
    database = AsyncPostgres(f"{POSTGRES_URL}?options=-csearch_path%3D{pg_schema}", size=1)
    writer = AsyncChainWriter(database)
    group = [
        _entry("token:a", ["001099000001"]),
        _entry("token:b", []),
        _entry("token:c", ["001099000002", "001099000003"]),
    ]
    # no agency, no dataset, no details: columns whose every value is NULL
    bare = [pending_entry(actions.EVIDENCE_READ, Actor("cli"), None, None, [])]
    too_long = [_entry("token:" + "x" * 300, ["001099000004"])]  # the column holds 200

    async def run() -> list[int]:
        try:
            seqs = await writer.write(group)
            seqs += await writer.write(bare)
            with pytest.raises(psycopg.errors.StringDataRightTruncation):
                await writer.write(too_long)
            return seqs
        finally:
            await database.close()

    assert asyncio.run(run()) == [1, 2, 3, 4]
    with engine.connect() as conn:
        actors = conn.execute(sa.select(audit_table.c.actor).order_by("seq")).scalars().all()
        subjects = conn.execute(
            sa.select(audit_subjects_table.c.subject_id, audit_subjects_table.c.seq).order_by(
                "subject_id"
            )
        ).all()
    assert actors == ["token:a", "token:b", "token:c", "cli"]
    assert [tuple(row) for row in subjects] == [
        ("001099000001", 1),
        ("001099000002", 3),
        ("001099000003", 3),
    ]
    report = AuditLog(engine).verify()
    assert report.ok and report.checked == 4, report.breach
    engine.dispose()
