"""A full disk that surfaces wrapped as an unreachable server is answered as a full disk
(503 disk_full, Retry-After 60), not as "try again in 5 s"."""

from __future__ import annotations

import asyncio
import json
import sqlite3

from starlette.requests import Request

from hub.app.api.errors import unreachable_error
from hub.errors import UnreachableError


def _sqlite_full() -> sqlite3.Error:
    """SQLite's own SQLITE_FULL, from an in-memory database capped at a few pages."""
    conn = sqlite3.connect(":memory:")
    conn.execute("PRAGMA max_page_count=2")
    try:
        conn.execute("CREATE TABLE t (x BLOB)")
        for _ in range(100):
            conn.execute("INSERT INTO t VALUES (zeroblob(4096))")
    except sqlite3.Error as exc:
        return exc
    finally:
        conn.close()
    raise AssertionError("the capped database never filled")


def _request() -> Request:
    return Request({"type": "http", "method": "POST", "path": "/api/v1/x", "headers": []})


def _answer(exc: Exception) -> tuple[int, str, str | None]:
    response = asyncio.run(unreachable_error(_request(), exc))
    body = json.loads(bytes(response.body))
    return response.status_code, body["error"]["code"], response.headers.get("retry-after")


def test_a_full_disk_wrapped_as_unreachable_is_said_as_a_full_disk() -> None:
    full = _sqlite_full()
    assert full.sqlite_errorcode == sqlite3.SQLITE_FULL
    try:
        raise UnreachableError("cơ sở dữ liệu", "sqlite:///kho.db") from full
    except UnreachableError as wrapped:
        assert _answer(wrapped) == (503, "disk_full", "60")


def test_a_server_really_gone_is_still_service_unavailable() -> None:
    gone = UnreachableError("Kafka", "127.0.0.1:1")
    assert _answer(gone) == (503, "service_unavailable", "5")
