"""Two plain ASGI middlewares (see STYLE.md, Starlette): one gives every request an id and binds
it to the logs, the other times every request into ``kho_http_request_duration_seconds`` by
route template (``/api/v1/datasets/{dataset_id}``), never by the raw path."""

from __future__ import annotations

import logging
import re
import time
import uuid

import structlog
from starlette.datastructures import MutableHeaders
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.metrics import HTTP_REQUEST_DURATION

REQUEST_ID_HEADER = "X-Request-ID"
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
UNMATCHED = "<unmatched>"
ACCESS_LOGGER = "hub.app.api.access"
"""One INFO line per request; the API's entry points set it to INFO (``log_requests``)."""
log = logging.getLogger(ACCESS_LOGGER)  # stdlib: silent until a process configures logging


def log_requests() -> None:
    """Turn the access log on, whatever the root level."""
    logging.getLogger(ACCESS_LOGGER).setLevel(logging.INFO)


KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def request_id_of(scope: Scope) -> str:
    """The caller's ``X-Request-ID`` when it is a sane token, otherwise a new one."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            given = value.decode("latin-1")
            if _ACCEPTED_ID.fullmatch(given):
                return str(given)
            break
    return uuid.uuid4().hex


_STATE_KEY = "request_id"


def request_id_in(scope: Scope) -> str | None:
    """The id ``RequestContextMiddleware`` gave this request, also where the middleware has
    already returned (Starlette's catch-all for unexpected errors answers outside it)."""
    request_id = scope.get("state", {}).get(_STATE_KEY)
    return request_id if isinstance(request_id, str) else None


class RequestContextMiddleware:
    """Binds ``request_id`` (and nothing else left from another request) to the structlog
    context while the request is served, and answers it in ``X-Request-ID``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        # request.state: for the catch-all error handler, which answers outside this middleware
        scope.setdefault("state", {})[_STATE_KEY] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        outer = structlog.contextvars.get_contextvars()
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            structlog.contextvars.clear_contextvars()
            structlog.contextvars.bind_contextvars(**outer)


def route_template(scope: Scope) -> str:
    """The path template of the route that served the request, with the prefix of the mount it
    sits under; ``<unmatched>`` when no route matched (a 404)."""
    route: BaseRoute | None = scope.get("route")
    mounted = str(scope.get("root_path", ""))[len(str(scope.get("app_root_path", ""))) :]
    if isinstance(route, Route):
        return mounted + route.path
    if isinstance(route, Mount):
        return f"{route.path}/{{path}}"
    return UNMATCHED


class HTTPMetricsMiddleware:
    """Observes each HTTP request's duration with its method, route template and status. An
    exception that escapes the app counts as a 500 (the error middleware outside answers it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            took = time.perf_counter() - started
            method = scope["method"] if scope["method"] in KNOWN_METHODS else "OTHER"
            route = route_template(scope)
            HTTP_REQUEST_DURATION.labels(method=method, route=route, status=str(status)).observe(
                took
            )
            # the access log, with the request's bound fields (uvicorn's own is turned off)
            log.info(
                "http request",
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(took * 1000, 1),
                },
            )
