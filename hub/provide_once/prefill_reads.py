"""The three reads of a prefill (is the subject known, the subject's consents to the agency, the
current evidence of the candidate types), as one ``PrefillFacts``.

- ``StorePrefillReads``: the stores' own queries through the SQLAlchemy engine, one connection
  for the three. Used by the CLI and the demo, and on SQLite (the embedded hub), where the
  HTTP API runs it in a worker thread.
- ``PostgresPrefillReads``: the HTTP API on PostgreSQL. The same three queries, sent together
  in psycopg's pipeline mode on an async pooled connection: one network round trip, no thread
  (see ``hub.async_postgres`` for why).

Consents are read afresh on every prefill, never cached, so a revocation holds from the next
request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import anyio.to_thread
import sqlalchemy as sa

from hub.async_postgres import AsyncPostgres, postgres_sql
from hub.provide_once.consent import ConsentStore, consent_of
from hub.provide_once.evidence import EvidenceStore, current_versions, version_of
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
            async with conn.pipeline():
                known = await conn.execute(_SUBJECT_SQL, params)
                consents = await conn.execute(_CONSENTS_SQL, params)
                evidence = await conn.execute(_EVIDENCE_SQL, params)
            return PrefillFacts(
                subject_known=await known.fetchone() is not None,
                consents=[consent_of(row) for row in await consents.fetchall()],
                evidence=[version_of(row) for row in await evidence.fetchall()],
            )


_c, _s = consents_table.c, subjects_table.c
_SUBJECT_SQL = postgres_sql(
    sa.select(_s.subject_id).where(_s.subject_id == sa.bindparam("subject"))
)
_CONSENTS_SQL = postgres_sql(
    sa.select(consents_table)
    .where(_c.subject_id == sa.bindparam("subject"), _c.agency == sa.bindparam("agency"))
    .order_by(_c.granted_at.desc())
)
_EVIDENCE_SQL = postgres_sql(
    current_versions(sa.bindparam("subject")).where(
        evidence_table.c.evidence_type
        == sa.func.any(sa.bindparam("types", type_=sa.ARRAY(sa.String)))
    )
)
