"""A fault-injecting HTTP proxy in front of a real server, for tests.

This is a fake on purpose, and only for what a real CKAN cannot be made to do on cue: answer
503 to the third request, or stall one request until the test has killed the client. Every
request the rule lets through reaches the real server and its real answer goes back; only the
fault is made up.

A rule sees each request (its number, method, path, body) and returns a ``Fault``:

- ``FORWARD``: pass it to the server and its answer back;
- ``UNAVAILABLE``: answer 503 without forwarding;
- ``UNAVAILABLE_AFTER``: forward it, then answer 503 instead of the server's answer (a gateway
  timing out after the server did the work);
- ``HOLD_BEFORE``: set ``held`` and wait for ``release()``, then drop the connection without
  forwarding (the server never sees the request);
- ``HOLD_AFTER``: forward it, then set ``held`` and wait for ``release()``, then drop the
  connection without answering (the server has done the work, the client never hears).

A rule may block: on a ``threading.Barrier`` to make two clients' requests reach the server
together, or on ``wait_answered`` to let one through only after the server has answered
another. ``answered`` lists each forwarded request with the server's status. Each request is
served on its own thread, one request per connection (HTTP/1.0); only the Host header is
rewritten on the way.
"""

from __future__ import annotations

import http.client
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "host",
}
HOLD_LIMIT_S = 60.0  # a held request is dropped after this long even if nobody releases it


class Fault(Enum):
    FORWARD = "forward"
    UNAVAILABLE = "unavailable"
    UNAVAILABLE_AFTER = "unavailable_after"
    HOLD_BEFORE = "hold_before"
    HOLD_AFTER = "hold_after"


@dataclass(frozen=True)
class Seen:
    """One request as the proxy received it; ``number`` counts from 1 in arrival order, ``at``
    is when it arrived (time.monotonic)."""

    number: int
    at: float
    method: str
    path: str
    content_type: str
    body: bytes

    @property
    def action(self) -> str:
        """The CKAN action called (``/api/action/<name>`` or ``/api/3/action/<name>``)."""
        path = self.path.split("?", 1)[0]
        return path.rsplit("/action/", 1)[1] if "/action/" in path else ""

    @property
    def multipart(self) -> bool:
        """A file upload (CKAN takes them as multipart/form-data)."""
        return self.content_type.startswith("multipart/form-data")

    def mentions(self, text: str) -> bool:
        return text.encode() in self.body or text in self.path


Rule = Callable[[Seen], Fault]


def forward_all(_: Seen) -> Fault:
    return Fault.FORWARD


def unavailable_all(_: Seen) -> Fault:
    return Fault.UNAVAILABLE


def is_upload(seen: Seen) -> bool:
    return seen.action == "package_revise" and seen.multipart


def nth_to_mth(
    matches: Callable[[Seen], bool], first: int, last: int, fault: Fault = Fault.UNAVAILABLE
) -> Rule:
    """``fault`` for the first..last-th requests that ``matches`` (counting from 1), the rest
    forwarded."""
    count = 0
    lock = threading.Lock()

    def rule(seen: Seen) -> Fault:
        nonlocal count
        if not matches(seen):
            return Fault.FORWARD
        with lock:
            count += 1
            mine = count
        return fault if first <= mine <= last else Fault.FORWARD

    return rule


def from_first(matches: Callable[[Seen], bool], fault: Fault = Fault.UNAVAILABLE) -> Rule:
    """Forward until a request ``matches``; from that one on, ``fault`` for every request."""
    tripped = threading.Event()

    def rule(seen: Seen) -> Fault:
        if matches(seen):
            tripped.set()
        return fault if tripped.is_set() else Fault.FORWARD

    return rule


class FaultProxy:
    """Forwards to ``upstream`` (``http://host:port``) as ``rule`` says; ``seen`` lists every
    request, ``faults`` those the rule did not simply forward. ``rule`` may be replaced
    between runs."""

    def __init__(self, upstream: str, rule: Rule = forward_all) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"FaultProxy forwards to http://host:port, not {upstream!r}")
        self._upstream = (parts.hostname, parts.port or 80)
        self.rule = rule
        self.seen: list[Seen] = []
        self.faults: list[tuple[Seen, Fault]] = []
        self.answered: list[tuple[Seen, int]] = []  # forwarded requests and CKAN's status
        self.errors: list[BaseException] = []
        self.held = threading.Event()
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._answers = threading.Condition(self._lock)
        self._server = _Server(("127.0.0.1", 0), _Handler, self)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def wait_answered(self, matches: Callable[[Seen], bool], *, timeout: float = 15.0) -> bool:
        """Wait until the server has answered a forwarded request that ``matches``."""
        with self._answers:
            return self._answers.wait_for(
                lambda: any(matches(seen) for seen, _ in self.answered), timeout
            )

    def release(self) -> None:
        """Let a held request go on (it is then dropped without an answer)."""
        self._released.set()

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def _record(self, handler: BaseHTTPRequestHandler, body: bytes) -> Seen:
        with self._lock:
            seen = Seen(
                number=len(self.seen) + 1,
                at=time.monotonic(),
                method=handler.command,
                path=handler.path,
                content_type=handler.headers.get("Content-Type", ""),
                body=body,
            )
            self.seen.append(seen)
        return seen

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
            raise NotImplementedError("FaultProxy reads bodies with a Content-Length only")
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        seen = self._record(handler, body)
        fault = self.rule(seen)
        if fault is not Fault.FORWARD:
            with self._lock:
                self.faults.append((seen, fault))
        if fault is Fault.UNAVAILABLE:
            _answer(handler, 503, [("Content-Type", "text/plain")], b"503 from FaultProxy")
            return
        if fault is Fault.HOLD_BEFORE:
            self._hold()
            return
        status, headers, answer = self._forward(handler, body)
        with self._answers:
            self.answered.append((seen, status))
            self._answers.notify_all()
        if fault is Fault.HOLD_AFTER:
            self._hold()
            return
        if fault is Fault.UNAVAILABLE_AFTER:
            _answer(handler, 503, [("Content-Type", "text/plain")], b"503 from FaultProxy")
            return
        _answer(handler, status, headers, answer)

    def _hold(self) -> None:
        self.held.set()
        self._released.wait(HOLD_LIMIT_S)

    def _forward(
        self, handler: BaseHTTPRequestHandler, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        host, port = self._upstream
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in _HOP_BY_HOP}
        headers["Host"] = f"{host}:{port}"
        headers["Content-Length"] = str(len(body))
        connection = http.client.HTTPConnection(host, port, timeout=120)
        try:
            connection.request(handler.command, handler.path, body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP]
            return response.status, kept, answer
        finally:
            connection.close()


def _answer(
    handler: BaseHTTPRequestHandler, status: int, headers: list[tuple[str, str]], body: bytes
) -> None:
    handler.send_response_only(status)
    for key, value in headers:
        handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: Any, proxy: FaultProxy) -> None:
        super().__init__(address, handler)
        self.proxy = proxy

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client killed mid-request leaves a broken pipe: expected, kept for the test to see.
        error = sys.exc_info()[1]
        if error is not None:
            self.proxy.errors.append(error)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _proxy(self) -> None:
        self.server.proxy._serve(self)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _proxy

    def log_message(self, format: str, *args: Any) -> None:
        pass
