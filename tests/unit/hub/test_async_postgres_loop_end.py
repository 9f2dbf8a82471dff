"""A loop that ends without the app's shutdown (``asyncio.run``, a test client's loop per
request) while the async pool's worker is still connecting: the loop ends, the pool closed.

The fault is a server that accepts the connection and never answers (a listening socket that
is never read), so that the worker is mid-connect when the loop ends, every time. psycopg_pool's
worker catches the cancellation of the task it runs and goes back to waiting for work; before
the pool was closed with its loop, ``asyncio.run`` then waited for it for ever (CI's kill -9
crash test hung so for 900 s)."""

from __future__ import annotations

import asyncio
import socket
import threading

from hub.async_postgres import AsyncPostgres


def test_a_loop_ending_while_the_pool_connects_ends_and_closes_the_pool() -> None:
    silent = socket.create_server(("127.0.0.1", 0))  # accepts (the kernel's backlog), never reads
    port = silent.getsockname()[1]
    database = AsyncPostgres(f"postgresql://kho:kho@127.0.0.1:{port}/kho", size=2)
    pools: list[object] = []

    async def a_request_that_gives_up() -> None:
        async def query() -> None:
            async with database.connection():
                pass

        asking = asyncio.ensure_future(query())
        await asyncio.sleep(0.3)  # the pool is open, its worker connecting
        pools.append(database._pool)
        asking.cancel()  # the request ends; nobody closes the pool

    ended = threading.Event()

    def run() -> None:
        asyncio.run(a_request_that_gives_up())
        ended.set()

    threading.Thread(target=run, daemon=True, name="short-lived-loop").start()
    try:
        assert ended.wait(20), "the loop never ended: a pool worker outlived its cancellation"
    finally:
        silent.close()
    (pool,) = pools
    assert pool is not None and pool.closed  # type: ignore[attr-defined]
