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

On the HTTP API the agency's token is read in the same statement (``facts_with_token``): the
authentication of a prefill request reads ahead (hub/app/api/authentication.py), taking the
agency for the consents from the token's row in the database, and checks the token from the
row the statement answers. The subject's rows are read only when the token's id and secret
match a row, so a wrong token reads nothing of the subject. One pooled connection and one round
trip a prefill instead of two: with the other changes of that work, the server's CPU a prefill
went from about 2.75 to 2.0 ms (bench/prefill.py's smoke size, six alternating runs).

Consents and the token are read afresh on every prefill, never cached, so a revocation of
either holds from the next request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import anyio.to_thread
import sqlalchemy as sa

from hub.async_postgres import AsyncPostgres, postgres_sql
from hub.auth.tokens import secret_digest, tokens_table
from hub.provide_once.consent import ConsentStore, consent_of
from hub.provide_once.evidence import (
    VERSION_COLUMNS,
    EvidenceStore,
    current_versions,
    version_of,
)
from hub.provide_once.prefill import PrefillFacts
from hub.provide_once.procedures import Procedure
from hub.provide_once.subjects import Subject
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


@dataclass(frozen=True, slots=True)
class TokenAndFacts:
    """A prefill's facts read together with the asking token's row (None: no such token). The
    consents are those of the agency the row names; nothing here is checked yet."""

    token_id: str
    token: Mapping[str, Any] | None
    asked: tuple[str, str]
    """The subject id and the procedure code as the request gave them."""
    subject: Subject
    procedure: Procedure
    types: tuple[str, ...]
    facts: PrefillFacts


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

    async def facts_with_token(
        self,
        token: tuple[str, str],
        asked: tuple[str, str],
        question: tuple[Subject, Procedure, Sequence[str]],
    ) -> TokenAndFacts:
        """``facts`` for the agency whose token this is (its id and secret), and the token's
        row, in one statement; ``question`` is what ``asked`` parsed to (the subject, the
        procedure, the candidate types). A token whose id and secret do not match a row reads
        nothing of the subject: no row at all."""
        token_id, secret = token
        subject, procedure, types = question
        params: dict[str, Any] = {
            "subject": subject.id,
            "token_id": token_id,
            "digest": secret_digest(secret),
            "types": list(types),
        }
        async with self._database.connection() as conn:
            rows = await (await conn.execute(_TOKEN_AND_FACTS_SQL, params)).fetchall()
        found = next((row for row in rows if row["part"] == _TOKEN), None)
        facts = PrefillFacts(
            subject_known=any(row["part"] == _SUBJECT for row in rows),
            consents=[consent_of(row) for row in rows if row["part"] == _CONSENT],
            evidence=[version_of(row) for row in rows if row["part"] == _EVIDENCE],
        )
        shown = None if found is None else {c.name: found[as_] for as_, c in _TOKEN_AS.items()}
        return TokenAndFacts(token_id, shown, asked, subject, procedure, tuple(types), facts)


_SUBJECT, _CONSENT, _EVIDENCE, _TOKEN = 0, 1, 2, 3
_c, _s, _t = consents_table.c, subjects_table.c, tokens_table.c
_CONSENT_ONLY = [c for c in consents_table.c if c.name != "subject_id"]
_TOKEN_AS = {  # the token's row in the common row: in columns of the same types
    "agency": _t.agency,
    "evidence_types": _t.roles,
    "content_sha256": _t.secret_sha256,
    "expires_at": _t.expires_at,
    "revoked_at": _t.revoked_at,
}


def _part(
    part: int,
    subject_id: sa.ColumnElement[Any],
    given: Mapping[str, sa.ColumnElement[Any]],
    *,
    typed: bool = True,
) -> list[sa.ColumnElement[Any]]:
    """One read's columns in the statement's common row: which read, the subject, every
    evidence column, then every consent column, NULL where this read has none: typed, or
    (``typed`` False) a bare NULL, which PostgreSQL gives the type of the same column in the
    ``UNION``'s earlier reads."""
    columns: list[sa.ColumnElement[Any]] = [
        sa.literal_column(str(part), sa.Integer).label("part"),
        subject_id.label("subject_id"),
    ]
    for column in (*VERSION_COLUMNS[:1], *VERSION_COLUMNS[2:], *_CONSENT_ONLY):
        value = given.get(column.name, sa.cast(sa.null(), column.type) if typed else sa.null())
        columns.append(value.label(column.name))
    return columns


_by_name = {column.name: column for column in VERSION_COLUMNS}
# One reader walks the rows part by part, the newest evidence of a type first.
_PART_ORDER: tuple[sa.ColumnElement[Any], ...] = (
    sa.literal_column("part"),
    sa.literal_column("evidence_type"),
    sa.literal_column("issued_on").desc(),
    sa.literal_column("evidence_id"),
    sa.literal_column("granted_at").desc(),
)
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
    ).order_by(*_PART_ORDER)
)

_the_token = sa.and_(  # the token's row, when its id and secret match one
    _t.token_id == sa.bindparam("token_id"), _t.secret_sha256 == sa.bindparam("digest")
)
_token_agency = sa.select(_t.agency).where(_the_token).scalar_subquery()
_token_matches = sa.exists().where(_the_token)
# Typed NULLs in the first read only, and the token's row in columns the common row has: the
# statement stays under the 4,096 characters up to which psycopg remembers a statement's
# conversion to PostgreSQL's placeholders. Over it (5,354 with columns of the token's own, every
# NULL typed), each prefill converted it afresh: about 8 % of the server's CPU.
_TOKEN_AND_FACTS_SQL = postgres_sql(
    sa.union_all(
        sa.select(*_part(_SUBJECT, _s.subject_id, {})).where(
            _s.subject_id == sa.bindparam("subject"), _token_matches
        ),
        sa.select(
            *_part(_CONSENT, _c.subject_id, {c.name: c for c in _CONSENT_ONLY}, typed=False)
        ).where(_c.subject_id == sa.bindparam("subject"), _c.agency == _token_agency),
        current_versions(sa.bindparam("subject"))
        .with_only_columns(*_part(_EVIDENCE, _by_name["subject_id"], _by_name, typed=False))
        .where(
            evidence_table.c.evidence_type
            == sa.func.any(sa.bindparam("types", type_=sa.ARRAY(sa.String))),
            _token_matches,
        )
        .order_by(None),
        sa.select(*_part(_TOKEN, sa.null(), _TOKEN_AS, typed=False)).where(_the_token),
    ).order_by(*_PART_ORDER)
)
