"""Rate limits: a moving window per client address and per credential, answered with 429 and
``Retry-After`` (the ``limits`` library, its in-process memory storage).

Budgets, each a ``limits`` expression such as ``3000/minute`` (hub/settings.py):

- every request from one client address (``rate_limit_per_address``);
- the sign-in pages (``/dang-nhap``...) from one address, a smaller budget, since each try
  starts a round trip to the identity provider (``rate_limit_signin_per_address``);
- per credential: the ``Authorization`` header's value, by its SHA-256, with one budget for
  writes (POST, PUT, PATCH, DELETE) and one for reads. The digest, not the token's id, is the
  key: someone who knows only a token's id (it is in the audit log) cannot spend its budget.

The client address is the ASGI scope's ``client``: uvicorn replaces it with the
``X-Forwarded-For`` address only when the connection comes from a proxy it trusts
(``--forwarded-allow-ips`` / ``FORWARDED_ALLOW_IPS``, 127.0.0.1 unless set), so a caller cannot
pick its own address by sending the header. The counts live in the process: with N uvicorn
workers or replicas a client gets up to N times each budget.

Liveness, readiness and metrics are never limited: an orchestrator or Prometheus polling them
must not lock itself out.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.app.api.errors import error_response
from hub.app.web.errors import is_api_path
from hub.settings import KhoSettings

log = logging.getLogger("kho.api.rate_limits")

UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
SIGNIN_PREFIX = "/dang-nhap"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class Budgets:
    """The budgets in force, parsed from the settings."""

    per_address: RateLimitItem
    signin_per_address: RateLimitItem
    reads_per_credential: RateLimitItem
    writes_per_credential: RateLimitItem

    @classmethod
    def from_settings(cls, settings: KhoSettings) -> Budgets:
        return cls(
            per_address=parse(settings.rate_limit_per_address),
            signin_per_address=parse(settings.rate_limit_signin_per_address),
            reads_per_credential=parse(settings.rate_limit_reads_per_credential),
            writes_per_credential=parse(settings.rate_limit_writes_per_credential),
        )


@dataclass(frozen=True, slots=True)
class Exceeded:
    """A budget spent: which one, and how many seconds until it lets a request through."""

    budget: str
    retry_after_s: int


class RateLimiter:
    """The moving windows of one process."""

    def __init__(self, budgets: Budgets) -> None:
        self.budgets = budgets
        self._windows = MovingWindowRateLimiter(MemoryStorage())

    def spend(self, scope: Scope) -> Exceeded | None:
        """Count the request against each budget it falls under, or, when one of them is spent,
        refuse it without counting it anywhere."""
        path: str = scope.get("path", "")
        if path in UNLIMITED_PATHS:
            return None
        address = client_address(scope)
        budgets = [("address", self.budgets.per_address, address)]
        if path == SIGNIN_PREFIX or path.startswith(SIGNIN_PREFIX + "/"):
            budgets.append(("signin", self.budgets.signin_per_address, address))
        authorization = Headers(scope=scope).get("authorization")
        if authorization:
            credential = hashlib.sha256(authorization.encode("utf-8", "replace")).hexdigest()
            if scope.get("method", "GET") in WRITE_METHODS:
                budgets.append(("writes", self.budgets.writes_per_credential, credential))
            else:
                budgets.append(("reads", self.budgets.reads_per_credential, credential))
        for name, item, who in budgets:
            if not self._windows.test(item, name, who):
                return Exceeded(name, self._retry_after_s(item, name, who))
        for name, item, who in budgets:
            self._windows.hit(item, name, who)
        return None

    def _retry_after_s(self, item: RateLimitItem, name: str, who: str) -> int:
        reset_at = self._windows.get_window_stats(item, name, who).reset_time
        return max(1, math.ceil(reset_at - time.time()))


def client_address(scope: Scope) -> str:
    """The caller's address as the server established it (see the module's docstring)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class RateLimitMiddleware:
    """Refuses a request over its budget with 429 and ``Retry-After``: the API's JSON error body
    on API paths, a short Vietnamese text on the pages."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        exceeded = self.limiter.spend(scope)
        if exceeded is None:
            await self.app(scope, receive, send)
            return
        # INFO: under a flood a line per refusal must not drown the warnings; the access line
        # (hub/app/api/observability.py) and the 429s of the HTTP metrics count them too
        log.info(
            "rate limited",
            extra={
                "budget": exceeded.budget,
                "client": client_address(scope),
                "path": scope.get("path", ""),
                "retry_after_s": exceeded.retry_after_s,
            },
        )
        await too_many_requests(scope.get("path", ""), exceeded)(scope, receive, send)


def too_many_requests(path: str, exceeded: Exceeded) -> Response:
    headers = {"Retry-After": str(exceeded.retry_after_s)}
    message = f"Quá nhiều yêu cầu; vui lòng thử lại sau {exceeded.retry_after_s} giây"
    if is_api_path(path):
        return error_response(429, "rate_limited", message, headers=headers, budget=exceeded.budget)
    return PlainTextResponse(message, status_code=429, headers=headers)
