"""Group commit: concurrent appends share transactions yet each caller gets its own entry's
``seq``; a group that fails tells each of its callers why, and the next group still commits.

The failing writers here wrap the real audit writer to inject a fault (a database refusing
one transaction) that a healthy SQLite file cannot be made to produce on demand."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.async_postgres import postgres_sql
from hub.audit.append import PendingEntry, pending_entry, write_chained
from hub.audit.entry import Actor, AuditFilter
from hub.audit.group_commit import AsyncGroupCommit, GroupCommit
from hub.audit.lock import appending
from hub.audit.log import AuditLog
from hub.db import create_engine, create_tables

ACTOR = Actor("token:test", "so-yt")


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    engine = create_engine(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    create_tables(engine)
    return engine


def _entry(n: int) -> PendingEntry:
    return pending_entry("evidence.read", ACTOR, None, {"n": n}, ())


def test_threads_appending_at_once_share_groups_and_each_gets_its_own_seq(
    engine: sa.Engine,
) -> None:
    sizes: list[int] = []
    gate = threading.Barrier(8)

    def write_group(group: Sequence[PendingEntry]) -> list[int]:
        sizes.append(len(group))
        with appending(engine) as conn:
            return write_chained(conn, group)

    group_commit: GroupCommit[PendingEntry, int] = GroupCommit(write_group)

    def append_25(worker: int) -> list[tuple[int, int]]:
        gate.wait()
        return [(n, group_commit.submit(_entry(n))) for n in range(worker * 25, worker * 25 + 25)]

    with ThreadPoolExecutor(8) as pool:
        seqs = dict(pair for run in pool.map(append_25, range(8)) for pair in run)

    assert sorted(seqs.values()) == list(range(1, 201))
    log = AuditLog(engine)
    stored = {entry.seq: entry.details["n"] for entry in log.query(AuditFilter(), limit=1000)}
    assert all(stored[seq] == n for n, seq in seqs.items()), "a caller got another's seq"
    assert sum(sizes) == 200 and max(sizes) > 1, f"no group held two appends: {sizes}"
    assert log.verify().ok


def test_a_failed_group_fails_each_of_its_callers_and_the_next_group_commits(
    engine: sa.Engine,
) -> None:
    failures = iter([True])
    release = threading.Event()
    first_in = threading.Event()

    def write_group(group: Sequence[PendingEntry]) -> list[int]:
        if next(failures, False):
            first_in.set()
            release.wait(5)  # hold the first group open while the others queue behind it
            raise sa.exc.OperationalError("INSERT", {}, Exception("disk I/O error"))
        with appending(engine) as conn:
            return write_chained(conn, group)

    group_commit: GroupCommit[PendingEntry, int] = GroupCommit(write_group)
    with ThreadPoolExecutor(5) as pool:
        doomed = pool.submit(group_commit.submit, _entry(0))
        first_in.wait(5)
        queued = [pool.submit(group_commit.submit, _entry(n)) for n in range(1, 5)]
        release.set()
        with pytest.raises(sa.exc.OperationalError):
            doomed.result(5)
        assert sorted(future.result(5) for future in queued) == [1, 2, 3, 4]
    assert group_commit.submit(_entry(5)) == 5


def test_coroutines_appending_at_once_share_groups(engine: sa.Engine) -> None:
    sizes: list[int] = []

    async def write_group(group: Sequence[PendingEntry]) -> list[int]:
        sizes.append(len(group))
        await asyncio.sleep(0.01)  # a round trip to the database, during which more queue
        with appending(engine) as conn:
            return write_chained(conn, group)

    async def run() -> list[int]:
        group_commit: AsyncGroupCommit[PendingEntry, int] = AsyncGroupCommit(write_group)
        return list(await asyncio.gather(*(group_commit.submit(_entry(n)) for n in range(50))))

    seqs = asyncio.run(run())
    assert seqs == list(range(1, 51)), "each coroutine gets its own entry's seq, in order"
    assert sum(sizes) == 50 and len(sizes) < 50


def test_a_failed_async_group_fails_its_callers_only() -> None:
    calls = 0

    async def write_group(group: Sequence[int]) -> list[int]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        if calls == 1:
            raise sa.exc.OperationalError("INSERT", {}, Exception("connection reset"))
        return [n * 10 for n in group]

    async def run() -> tuple[BaseException | None, list[int]]:
        group_commit: AsyncGroupCommit[int, int] = AsyncGroupCommit(write_group)
        first = asyncio.create_task(group_commit.submit(1))
        await asyncio.sleep(0)  # the first group is being written
        later = [asyncio.create_task(group_commit.submit(n)) for n in (2, 3)]
        error = None
        try:
            await first
        except sa.exc.OperationalError as exc:
            error = exc
        return error, [await task for task in later]

    error, later = asyncio.run(run())
    assert isinstance(error, sa.exc.OperationalError)
    assert later == [20, 30]


def test_postgres_sql_refuses_a_statement_with_a_bound_constant() -> None:
    table = sa.table("t", sa.column("a"))
    with pytest.raises(ValueError, match="bound constants"):
        postgres_sql(sa.select(table.c.a).limit(1))
    assert "%(a)s" in postgres_sql(sa.select(table.c.a).where(table.c.a == sa.bindparam("a")))
