"""A JSON API polled with an incremental cursor, page by page, through httpx.

The first request sends the last acknowledged cursor as ``cursor_param`` (``?since=…``); the
API answers the items whose cursor is at or past it, in ascending (cursor, key) order, and the
URL of the next page at ``next_path`` (absent or null on the last page). The position of an
item is ``[cursor, key]``; items at or before the checkpoint are dropped, so the API may repeat
the last one. Cursors compare as text, so they must sort as text (ISO 8601 times all written
with the same offset, zero-padded numbers), or as integers when both are integers.

An item the hub cannot place (not an object, no cursor or key, or going backwards) is yielded
with a ``problem`` for the DLQ at ``[cursor, key, n]``: the n-th such item since the last good
item ``[cursor, key]`` of the pass, so it sorts right after it. Before the first good item of a
pass its position is ``[null, null, n]``, which a resumed pass (one that sends a cursor) takes
as already read. An item served again on the same or the next page (pages that overlap) is
skipped.

Connection errors, timeouts, 5xx, 429 and answers that are not the expected JSON are retried
with exponential backoff (or after the ``Retry-After`` a 429 or 503 asks for, up to a minute),
then raise ``SourceUnavailable``; another 4xx raises
``ConnectorError`` at once. A failure in the middle of the pages raises from the generator:
what the bus acknowledged before it stays checkpointed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from connectors.config import ConnectorConfig, RestSource, expand_env
from connectors.errors import ConnectorError, SourceUnavailable
from connectors.nfc import nfc_keys
from connectors.sources.port import SourceRecord

_MISSING = object()
_SNIPPET = 200
_MAX_WAIT_S = 60.0
_REFUSALS = {
    401: "kiểm tra khoá API (tiêu đề Authorization)",
    403: "khoá API không có quyền đọc dữ liệu này",
    404: "không có địa chỉ này, kiểm tra url trong cấu hình",
}


class _Transient(Exception):
    """An answer worth asking again for; the message says what was wrong, in Vietnamese."""

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True, slots=True)
class _Page:
    url: str
    items: list[Any]
    next_url: str | None


class RestApiSource:
    def __init__(
        self,
        config: ConnectorConfig,
        source: RestSource,
        environ: Mapping[str, str],
        client: httpx.Client | None = None,
    ) -> None:
        self._source = source
        self._client = client
        self._headers = {name: expand_env(value, environ) for name, value in source.headers.items()}
        try:
            self._url = httpx.URL(source.url)
        except httpx.InvalidURL as exc:
            raise ConnectorError(f"Connector {config.name}: url API không hợp lệ: {exc}") from None
        if self._url.scheme not in ("http", "https"):
            raise ConnectorError(f"Connector {config.name}: url API phải là http(s)://")

    @property
    def kind(self) -> str:
        return "rest"

    @property
    def stream(self) -> str:
        return str(self._url.copy_with(query=None, fragment=None))

    @property
    def name(self) -> str:
        return f"{self._url.host}{self._url.path}"

    def estimated_total(self, after: Any) -> int | None:
        return None

    def records(self, after: Any) -> Iterator[SourceRecord]:
        done = _checked(after)
        first = self._url
        if done is not None and done[0] is not None:
            first = first.copy_merge_params({self._source.cursor_param: str(done[0])})
        last: list[Any] = [None, None]  # the last good item of this pass
        n = 0
        seen: list[set[str]] = [set(), set()]  # items of the page before and of this page
        with self._session() as client:
            url: str | None = str(first)
            visited: set[str] = set()
            while url is not None:
                if url in visited:
                    raise ConnectorError(f"API {self.stream} trả lại trang đã đọc: {url}")
                visited.add(url)
                page = self._page(client, url)
                seen = [seen[1], set()]
                for raw in page.items:
                    item = nfc_keys(raw) if isinstance(raw, dict) else raw
                    problem, position = self._place(item, page.url)
                    if problem is None:
                        mark = json.dumps(position)
                        if mark in seen[0] or mark in seen[1]:
                            continue  # served again, as pages that overlap do
                        seen[1].add(mark)
                        if last[0] is not None and _compare(position, last) < 0:
                            problem = self._backwards(position, last, page.url)
                        else:
                            last, n = position, 0
                    if problem is not None:
                        n += 1
                        position = [*last, n]
                    if done is not None and _compare(position, done) <= 0:
                        continue
                    # a lone surrogate ("\ud800" in the answer) is kept as that JSON escape
                    original = json.dumps(raw, ensure_ascii=False).encode(
                        "utf-8", "backslashreplace"
                    )
                    cells = item if problem is None else {}
                    yield SourceRecord(position, cells, original, problem)
                url = page.next_url

    def _place(self, item: Any, url: str) -> tuple[str | None, list[Any]]:
        """Why the item cannot be placed (None: it can), and its [cursor, key]."""
        if not isinstance(item, dict):
            return f"Phần tử không phải đối tượng JSON ({type(item).__name__}), trang {url}", []
        for field in (self._source.cursor_field, self._source.key_field):
            if item.get(field) is None:
                return f"Phần tử thiếu trường '{field}', trang {url}", []
        return None, [item[self._source.cursor_field], item[self._source.key_field]]

    def _backwards(self, position: list[Any], last: list[Any], url: str) -> str:
        return (
            f"Phần tử {position} đứng sau {last}: API phải trả theo "
            f"'{self._source.cursor_field}' tăng dần, trang {url}"
        )

    def _session(self) -> contextlib.AbstractContextManager[httpx.Client]:
        if self._client is not None:
            return contextlib.nullcontext(self._client)
        return httpx.Client()

    def _page(self, client: httpx.Client, url: str) -> _Page:
        attempts = self._source.retries + 1
        backoff = wait_exponential(multiplier=self._source.backoff_s, max=_MAX_WAIT_S)

        def wait(state: RetryCallState) -> float:
            failure = state.outcome.exception() if state.outcome is not None else None
            if isinstance(failure, _Transient) and failure.retry_after_s is not None:
                return min(failure.retry_after_s, _MAX_WAIT_S)  # what the server asked for
            return backoff(state)

        retrying = Retrying(
            stop=stop_after_attempt(attempts),
            wait=wait,
            retry=retry_if_exception_type(_Transient),
            reraise=True,
        )
        try:
            return retrying(self._try_page, client, url)
        except _Transient as exc:
            raise SourceUnavailable(
                f"Không đọc được API {url} sau {attempts} lần thử; lần cuối: {exc}"
            ) from None

    def _try_page(self, client: httpx.Client, url: str) -> _Page:
        source = self._source
        try:
            response = client.get(
                url, headers=self._headers, timeout=source.timeout_s, follow_redirects=True
            )
        except httpx.TimeoutException:
            raise _Transient(f"quá thời gian chờ ({source.timeout_s:g} giây)") from None
        except httpx.RequestError as exc:
            raise _Transient(f"lỗi kết nối: {type(exc).__name__} {exc}") from None
        status = response.status_code
        if status == 429 or status >= 500:
            raise _Transient(
                f"HTTP {status}: {_snippet(response)}",
                retry_after_s=retry_after_s(response.headers.get("retry-after")),
            )
        if status >= 400:
            advice = _REFUSALS.get(status, "yêu cầu bị từ chối")
            raise ConnectorError(f"API {url} trả lời HTTP {status}: {advice}")
        try:
            document = response.json()
        except (ValueError, RecursionError):  # RecursionError: nested too deep
            raise _Transient(f"câu trả lời không phải JSON: {_snippet(response)}") from None
        # A JSON answer is described by its shape, not quoted: its items may be personal data.
        items = _dig(document, source.items_path)
        if not isinstance(items, list):
            raise _Transient(
                f"câu trả lời không có danh sách '{source.items_path}' ({_shape(document)})"
            )
        next_url = _MISSING if source.next_path is None else _dig(document, source.next_path)
        if next_url is _MISSING or next_url is None or next_url == "":
            return _Page(str(response.url), items, None)
        if not isinstance(next_url, str):
            kind = type(next_url).__name__
            raise _Transient(f"'{source.next_path}' không phải một URL mà là {kind}")
        return _Page(str(response.url), items, str(response.url.join(next_url)))


def retry_after_s(value: str | None) -> float | None:
    """A Retry-After header in seconds: a number of seconds or an HTTP date; None if absent
    or unreadable (the usual backoff then applies)."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return max(0.0, (moment - dt.datetime.now(dt.UTC)).total_seconds())


def _checked(after: Any) -> list[Any] | None:
    """The acknowledged position: None, [cursor, key] or [cursor, key, n]."""
    if after is None:
        return None
    if isinstance(after, list) and len(after) in (2, 3):
        return after
    raise ConnectorError(f"Điểm dừng {after!r} không phải vị trí của nguồn REST")


def _compare(a: list[Any], b: list[Any]) -> int:
    """Positions in order: null first, integers as integers, anything else as text; a
    missing n (a good item) is 0."""
    for x, y in zip([*a, 0][:3], [*b, 0][:3], strict=True):
        if x is None or y is None:
            order = (x is not None) - (y is not None)
        elif isinstance(x, int) and isinstance(y, int):
            order = (x > y) - (x < y)
        else:
            order = (str(x) > str(y)) - (str(x) < str(y))
        if order:
            return order
    return 0


def _dig(document: Any, path: str) -> Any:
    """The value at a dotted path ("links.next"), or _MISSING."""
    for part in path.split("."):
        if not isinstance(document, dict) or part not in document:
            return _MISSING
        document = document[part]
    return document


def _shape(document: Any) -> str:
    if isinstance(document, dict):
        return "các khoá: " + (", ".join(sorted(map(str, document))[:20]) or "không có")
    return f"một {type(document).__name__}"


def _snippet(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return text[:_SNIPPET] if text else "(trống)"
