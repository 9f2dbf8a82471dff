"""A 1022 hotline feedback API for the REST connector's tests, served by uvicorn on a free port
in a thread of the test process, with switches to make it fail."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.serving import serve_app

TOKEN = "secret-token"
PATH = "/api/1022/phan-anh"
PAGE_SIZE = 7
_START = dt.datetime(2025, 8, 1, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def feedback_item(number: int) -> dict[str, Any]:
    """Feedback number ``number``; two in a row share their ``updated_at``, so the key breaks
    the tie (and a page may end between them)."""
    updated = (_START + dt.timedelta(minutes=number // 2)).isoformat()
    return {
        "id": f"PA-{number:04d}",
        "updated_at": updated,
        "kenh": "app",
        "linh_vuc": "environment",
        "ma_xa": "29263",
        "noi_dung": f"Phản ánh số {number}: nước nhiễm mặn ở ấp 3",
        "trang_thai": "received",
        "tiep_nhan_luc": updated,
    }


@dataclass
class Seen:
    """A request the API received."""

    url: str
    query: dict[str, str]
    authorization: str | None
    at: float = field(default_factory=time.monotonic)


@dataclass
class FeedbackApi:
    """Answers ``GET /api/1022/phan-anh?since=…&offset=…`` from ``items`` in their list order
    (the test keeps them ascending), ``PAGE_SIZE`` a page, with ``links.next``. An item that
    is not an object or has no ``updated_at`` is always served, whatever ``since`` says."""

    items: list[Any] = field(default_factory=list)
    fail_next: int = 0  # the next n requests answer 500
    busy_next: int = 0  # the next n requests answer 429 with Retry-After: retry_after
    retry_after: str = "1"
    garbage_next: int = 0  # the next n requests answer an HTML maintenance page
    broken_from: int | None = None  # pages from this offset on answer 502
    overlap: int = 0  # each next page starts again with the last n items of the page before
    requests: list[Seen] = field(default_factory=list)
    base_url: str = ""

    @property
    def url(self) -> str:
        return self.base_url + PATH

    def app(self) -> Starlette:
        return Starlette(routes=[Route(PATH, self._feedback)])

    async def _feedback(self, request: Request) -> Response:
        authorization = request.headers.get("authorization")
        self.requests.append(Seen(str(request.url), dict(request.query_params), authorization))
        if authorization != f"Bearer {TOKEN}":
            return JSONResponse({"error": "Sai khoá API"}, status_code=401)
        if self.busy_next > 0:
            self.busy_next -= 1
            return PlainTextResponse(
                "Too Many Requests", status_code=429, headers={"Retry-After": self.retry_after}
            )
        if self.fail_next > 0:
            self.fail_next -= 1
            return PlainTextResponse("Internal Server Error", status_code=500)
        if self.garbage_next > 0:
            self.garbage_next -= 1
            return HTMLResponse("<html><body><h1>Hệ thống đang bảo trì</h1></body></html>")
        since = request.query_params.get("since")
        offset = int(request.query_params.get("offset", "0"))
        if self.broken_from is not None and offset >= self.broken_from:
            return PlainTextResponse("Bad Gateway", status_code=502)
        visible = [item for item in self.items if not _before(item, since)]
        end = offset + PAGE_SIZE
        after = end - self.overlap
        query = {"offset": after} if since is None else {"since": since, "offset": after}
        next_page = f"{PATH}?{urlencode(query)}" if end < len(visible) else None
        return JSONResponse({"data": visible[offset:end], "links": {"next": next_page}})


def _before(item: Any, since: str | None) -> bool:
    if since is None or not isinstance(item, dict) or "updated_at" not in item:
        return False
    return bool(item["updated_at"] < since)


@contextmanager
def serving(api: FeedbackApi) -> Iterator[FeedbackApi]:
    """The API on 127.0.0.1 at a free port, until the block ends."""
    with serve_app(api.app()) as base_url:
        api.base_url = base_url
        yield api
