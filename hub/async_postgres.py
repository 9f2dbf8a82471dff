"""psycopg's async connection pool, for the few reads the HTTP API makes on every request.

Everything else in the hub goes through the SQLAlchemy engine (``hub.db``). The exception is
measured: under 200 concurrent requests, a query through the synchronous engine costs a worker
thread hand-off, a pool checkout with a ping, BEGIN and ROLLBACK, and SQLAlchemy's execution
path, and a uvicorn process managed about 650 such requests/s; the same query on an async
psycopg connection ran at about 4,000/s (bench/prefill.py, see the README). So token checks
and prefill reads, on PostgreSQL, run here: plain SQL on autocommit connections, on the event
loop, without threads.

The pool opens on first use in the running event loop; a server has one loop per process. A
test that serves the app on a new loop gets a new pool. ``close`` belongs in the app's
shutdown; a loop that ends without it closes its pool as it ends. A connection broken by a
database restart fails its query (answered as 503) and is discarded, so the next request gets
a fresh one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.engine import make_url

from hub.errors import UnreachableError

# psycopg is imported when a pool opens: a command on SQLite, or one that writes no audit
# entry over the pool, does not pay for it (`kho publish` imports this module via the audit log)
if TYPE_CHECKING:
    import psycopg
    from psycopg.rows import DictRow
    from psycopg_pool import AsyncConnectionPool

_DIALECT = PGDialect_psycopg()  # type: ignore[no-untyped-call]  # untyped in SQLAlchemy
POOL_SIZE = 15  # as the SQLAlchemy engine's default pool: 5 + 10 overflow


def postgres_sql(statement: sa.ClauseElement) -> str:
    """A SQLAlchemy statement as psycopg SQL text with ``%(name)s`` parameters, compiled once
    at import: the queries here are written against the same table objects as the rest. Every
    parameter is named (``sa.bindparam``) and given at execution; a constant must be written
    as a literal (``sa.literal_column``), since nothing would send a bound value along."""
    compiled = statement.compile(dialect=_DIALECT)
    valued = sorted(name for name, value in compiled.params.items() if value is not None)
    if valued:
        raise ValueError(f"bound constants {valued} in {compiled}: write them as literals")
    return str(compiled)


class AsyncPostgres:
    def __init__(self, database_url: str, *, size: int = POOL_SIZE) -> None:
        url = make_url(database_url).set(drivername="postgresql")
        self._conninfo = url.render_as_string(hide_password=False)
        self._where = url.render_as_string(hide_password=True)
        self._size = size
        self._pool: AsyncConnectionPool[psycopg.AsyncConnection[DictRow]] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._guard: asyncio.Task[None] | None = None
        self._opening = asyncio.Lock()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection[DictRow]]:
        """A pooled autocommit connection whose rows are dicts; a database that cannot be
        reached, or fails mid-query, is an ``UnreachableError``."""
        import psycopg
        from psycopg_pool import PoolTimeout

        pool = await self._open_pool()
        try:
            async with pool.connection() as conn:
                yield conn
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise UnreachableError("cơ sở dữ liệu", self._where, type(exc).__name__) from exc

    async def close(self) -> None:
        """Close the pool, if it was opened on the running loop."""
        if self._pool is not None and self._loop is asyncio.get_running_loop():
            if self._guard is not None:
                self._guard.cancel()  # its work is done here
            await self._pool.close()
        self._pool = self._loop = self._guard = None

    async def _open_pool(self) -> AsyncConnectionPool[psycopg.AsyncConnection[DictRow]]:
        import psycopg
        from psycopg.rows import DictRow, dict_row
        from psycopg_pool import AsyncConnectionPool

        loop = asyncio.get_running_loop()
        if self._pool is not None and self._loop is loop:
            return self._pool
        if self._loop is not loop:  # first use, or a new loop: the old pool died with its loop
            self._pool, self._loop, self._opening = None, loop, asyncio.Lock()
            self._guard = None
        async with self._opening:
            if self._pool is None:
                pool = AsyncConnectionPool(
                    self._conninfo,
                    connection_class=psycopg.AsyncConnection[DictRow],
                    kwargs={"autocommit": True, "row_factory": dict_row},
                    min_size=1,
                    max_size=self._size,
                    timeout=10,
                    open=False,
                )
                await pool.open()
                self._pool = pool
                self._guard = loop.create_task(_closed_with_its_loop(pool), name="kho-pool-guard")
        return self._pool


async def _closed_with_its_loop(pool: AsyncConnectionPool[Any]) -> None:
    """Waits for ever. Cancelled with every other task when its loop shuts down without the
    app's shutdown having closed the pool (``asyncio.run``, a test client's loop per request),
    it closes the pool, which stops the pool's workers. Cancelling a worker is not enough: a
    worker catches the cancellation of the task it runs (a connection being added; psycopg_pool
    3.3's ``CLIENT_EXCEPTIONS``) and goes back to waiting for work, and the loop's shutdown then
    waits for it for ever. CI's kill -9 crash test hung so (found with a stack dump of the hung
    run; tests/unit/hub/test_async_postgres_loop_end.py reproduces it)."""
    try:
        await asyncio.get_running_loop().create_future()
    finally:
        await pool.close()
