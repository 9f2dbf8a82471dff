"""The three reads of a prefill (is the subject known, the subject's consents to the agency, the
current evidence of the candidate types), as one ``PrefillFacts``.

- ``StorePrefillReads``: the stores' own queries through the SQLAlchemy engine, one connection
  for the three. Used by the CLI and the demo, and on SQLite (the embedded hub), where the
  HTTP API runs it in a worker thread.
- ``PostgresPrefillReads``: the HTTP API on PostgreSQL. The same three reads as one statement
  (``UNION ALL`` of the three, each row saying which read it answers) on an async pooled
  connection: one network round trip, no thread (see ``hub.async_postgres`` for why). One
  statement rather than three pipelined ones: at 200 requests in flight the server is
  CPU-bound, and three pipelined results cost the event loop about 1.6 times the CPU of one
  statement's rows (0.9 against 0.56 ms a prefill, bench/prefill.py's data).

Consents are read afresh on every prefill, never cached, so a revocation holds from the next
request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import anyio.to_thread
import sqlalchemy as sa

from hub.async_postgres import AsyncPostgres, postgres_sql
from hub.provide_once.consent import ConsentStore, consent_of
from hub.provide_once.evidence import (
    VERSION_COLUMNS,
    EvidenceStore,
    current_versions,
    version_of,
)
from hub.provide_once.prefill import PrefillFacts
from hub.provide_once.tables import consents_table, evidence_table, subjects_table


class PrefillReads(Protocol):
    async def facts(self, subject_id: str, agency: str, types: Sequence[str]) -> PrefillFacts: ...


class StorePrefillReads:
    def __init__(self, engine: sa.Engine, evidence: EvidenceStore, consents: ConsentStore) -> None:
        self._engine = engine
        self._evidence = evidence
        self._consents = consents

    def facts_now(self, subject_id: str, agency: str, types: Sequence[str]) -> PrefillFacts:
        with self._engine.connect() as conn:
            return PrefillFacts(
                subject_known=self._evidence.subject_exists(subject_id, conn=conn),
                consents=self._consents.of_subject(subject_id, agency, conn=conn),
                evidence=self._evidence.current(subject_id, types, conn=conn) if types else [],
            )

    async def facts(self, subject_id: str, agency: str, types: Sequence[str]) -> PrefillFacts:
        return await anyio.to_thread.run_sync(self.facts_now, subject_id, agency, types)


class PostgresPrefillReads:
    def __init__(self, database: AsyncPostgres) -> None:
        self._database = database

    async def facts(self, subject_id: str, agency: str, types: Sequence[str]) -> PrefillFacts:
        params: dict[str, Any] = {"subject": subject_id, "agency": agency, "types": list(types)}
        async with self._database.connection() as conn:
            rows = await (await conn.execute(_FACTS_SQL, params)).fetchall()
        return PrefillFacts(
            subject_known=any(row["part"] == _SUBJECT for row in rows),
            consents=[consent_of(row) for row in rows if row["part"] == _CONSENT],
            evidence=[version_of(row) for row in rows if row["part"] == _EVIDENCE],
        )


_SUBJECT, _CONSENT, _EVIDENCE = 0, 1, 2
_c, _s = consents_table.c, subjects_table.c
_CONSENT_ONLY = [c for c in consents_table.c if c.name != "subject_id"]


def _part(
    part: int, subject_id: sa.ColumnElement[Any], given: Mapping[str, sa.ColumnElement[Any]]
) -> list[sa.ColumnElement[Any]]:
    """One read's columns in the statement's common row: which read, the subject, every
    evidence column, then every consent column, NULL (typed) where this read has none."""
    columns: list[sa.ColumnElement[Any]] = [
        sa.literal_column(str(part), sa.Integer).label("part"),
        subject_id.label("subject_id"),
    ]
    for column in (*VERSION_COLUMNS[:1], *VERSION_COLUMNS[2:], *_CONSENT_ONLY):
        value = given.get(column.name, sa.cast(sa.null(), column.type))
        columns.append(value.label(column.name))
    return columns


_by_name = {column.name: column for column in VERSION_COLUMNS}
_FACTS_SQL = postgres_sql(
    sa.union_all(
        sa.select(*_part(_SUBJECT, _s.subject_id, {})).where(
            _s.subject_id == sa.bindparam("subject")
        ),
        sa.select(*_part(_CONSENT, _c.subject_id, {c.name: c for c in _CONSENT_ONLY})).where(
            _c.subject_id == sa.bindparam("subject"), _c.agency == sa.bindparam("agency")
        ),
        current_versions(sa.bindparam("subject"))
        .with_only_columns(*_part(_EVIDENCE, _by_name["subject_id"], _by_name))
        .where(
            evidence_table.c.evidence_type
            == sa.func.any(sa.bindparam("types", type_=sa.ARRAY(sa.String)))
        )
        .order_by(None),
    ).order_by(
        sa.literal_column("part"),
        sa.literal_column("evidence_type"),
        sa.literal_column("issued_on").desc(),
        sa.literal_column("evidence_id"),
        sa.literal_column("granted_at").desc(),
    )
)
