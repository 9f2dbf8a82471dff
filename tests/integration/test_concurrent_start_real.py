"""Processes that start together on a fresh PostgreSQL database (a stack's API replicas and
workers) all create the hub's tables: table creation is serialised, never a duplicate-type
error for the loser of a race."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql
from rich.console import Console

import hub.app.wiring  # noqa: F401 (every module's tables declared on hub.db.metadata)
import hub.index766.tables  # noqa: F401 (the index's, declared when the index is first used)
from bench.harness import default_admin_url, ensure_database
from hub.db import create_engine, create_tables
from tests.conftest import service_port

STARTERS = 8


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """A database of this test's own, empty, dropped afterwards."""
    name = f"kho_start_{uuid.uuid4().hex[:8]}"
    url = f"postgresql://kho:kho@127.0.0.1:{service_port('PG', 15432)}/{name}"
    ensure_database(url, Console(quiet=True))
    yield url
    with psycopg.connect(default_admin_url(), autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def test_processes_starting_together_all_create_the_tables(fresh_database: str) -> None:
    """Eight starters racing on an empty database: none fails, and the tables exist once."""
    barrier = threading.Barrier(STARTERS)
    failures: list[BaseException] = []

    def start() -> None:
        engine = create_engine(fresh_database)
        try:
            barrier.wait()
            create_tables(engine)
        except BaseException as exc:  # noqa: BLE001 (collected for the assertion below)
            failures.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=start) for _ in range(STARTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    with psycopg.connect(fresh_database) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'audit_log'"
        ).fetchone()
    assert tables == (1,)


def test_a_table_made_before_its_fillfactor_was_declared_gets_it_at_start(
    fresh_database: str,
) -> None:
    """The index tallies table of an older database has the default fillfactor (100): the next
    start sets the declared 50; a start that finds it set changes nothing."""
    engine = create_engine(fresh_database)
    try:
        create_tables(engine)
        with psycopg.connect(fresh_database, autocommit=True) as conn:
            conn.execute("ALTER TABLE index766_tallies RESET (fillfactor)")  # an older database
            assert _options(conn, "index766_tallies") is None
            create_tables(engine)
            assert _options(conn, "index766_tallies") == ["fillfactor=50"]
            create_tables(engine)
            assert _options(conn, "index766_tallies") == ["fillfactor=50"]
            assert _options(conn, "index766_dossiers") is None  # declares none
    finally:
        engine.dispose()


def _options(conn: psycopg.Connection[tuple[object, ...]], table: str) -> object:
    found = conn.execute(
        "SELECT reloptions FROM pg_class WHERE oid = to_regclass(%s)", (table,)
    ).fetchone()
    assert found is not None
    return found[0]
