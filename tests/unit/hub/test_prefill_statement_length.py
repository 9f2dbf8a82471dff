"""The prefill's statements stay short enough for psycopg to remember their conversion to
PostgreSQL's placeholders: over its limit, every prefill converted its statement afresh (about
8 % of the API server's CPU a prefill)."""

from __future__ import annotations

from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH

from hub.auth.tokens import _LOOKUP_SQL
from hub.provide_once.prefill_reads import _FACTS_SQL, _TOKEN_AND_FACTS_SQL


def test_the_statements_a_prefill_sends_are_remembered_by_psycopg() -> None:
    for statement in (_TOKEN_AND_FACTS_SQL, _FACTS_SQL, _LOOKUP_SQL):
        assert len(statement.encode("utf-8")) <= MAX_CACHED_STATEMENT_LENGTH


def test_the_token_and_the_facts_share_one_statement() -> None:
    assert "api_tokens" in _TOKEN_AND_FACTS_SQL
    assert _TOKEN_AND_FACTS_SQL.count("UNION ALL") == 3
