"""Rate limits: a moving window per client address and per credential, answered with 429 and
``Retry-After`` (the ``limits`` library's moving windows in memory, or one script in Redis).

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
pick its own address by sending the header.

Where the counts live (``rate_limit_storage_url``): ``memory://``, the default, in the process,
so with N API processes (uvicorn workers, replicas, systemd instances) a client gets up to N times
each budget, and ``KHO_ENV=production`` warns at start; ``redis://[:password@]host:port/db``
(``rediss://`` over TLS), in Redis, one count shared by every process. There, one Lua script
(``SPEND_SCRIPT``) tests every budget of a request and counts it in all of them or in none, in
one round trip, atomic between processes, on Redis's clock; the windows are lists of the
times of the requests counted, newest first, as ``limits`` keeps a moving window. The call is
awaited (``redis.asyncio``): while Redis answers, the event loop serves the other requests,
where a synchronous client would hold every request of the process for each round trip, and
for up to its timeout when Redis hangs. It costs about 0.22 ms of the process's CPU a request
with a token (two budgets), against 0.18 ms with the synchronous client and 0.63 ms for
``limits``' own Redis storage (test, then count, per budget). Connect and read each time out after
``REDIS_TIMEOUT_S``, without retrying: a request waits at most that long for Redis. The
client keeps its connections to the event loop that first used it (uvicorn's, one a process);
the app's shutdown closes them (``RateLimiter.aclose``, hub/app/api/app.py). Counting in
memory stays synchronous: it is CPU only, about 0.04 ms a request.

Redis unreachable (refused, timed out, any Redis error): the request goes through unlimited
(fail open) rather than a 500 or a 503, since a rate limit is a guard against one misbehaving
client and the API must not go down with its guard. The first failure logs a warning (the
storage's host, never its password) and for ``STORAGE_RETRY_S`` seconds the requests pass
without asking Redis, so a dead Redis does not cost every request its timeout; each request let
through unchecked counts in ``kho_rate_limit_unchecked_total``. Redis back: a warning says so and
counting resumes (windows kept in Redis are as Redis kept them).

Liveness, readiness and metrics are never limited: an orchestrator or Prometheus polling them
must not lock itself out.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import redis
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from redis.asyncio import BlockingConnectionPool
from redis.asyncio import Redis as AsyncRedis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.app.api.errors import error_response
from hub.app.web.errors import ErrorPage, error_page, is_api_path
from hub.metrics.definitions import RATE_LIMIT_UNCHECKED
from hub.settings import KhoSettings

log = logging.getLogger("kho.api.rate_limits")

UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
SIGNIN_PREFIX = "/dang-nhap"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Redis: how long a connect or a command may take before the request passes unchecked (no
# retry: a request waits for Redis at most this long), and how long after a failure the
# requests pass without asking Redis again.
REDIS_TIMEOUT_S = 0.25
STORAGE_RETRY_S = 5.0
REDIS_CONNECTIONS = 32
"""Connections one process keeps to Redis at most. A request finding them all busy waits up
to ``REDIS_TIMEOUT_S`` for one (a script takes about 0.2 ms), then passes unchecked like any
other Redis failure; without a bound, a burst of requests opened a connection each."""
REDIS_KEY_PREFIX = "kho-rate-limits"
# KEYS: one window per budget; ARGV: each budget's limit and window in seconds. Returns 0 when
# the request was counted in every window, else {the 1-based budget spent, its seconds to wait}
# (a string: Redis turns a Lua number into an integer). The limit-th newest time still inside
# its window means the window is full.
SPEND_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
for i, key in ipairs(KEYS) do
  local limit, window = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  local oldest = redis.call('LINDEX', key, limit - 1)
  if oldest and tonumber(oldest) > now - window then
    return {i, tostring(tonumber(oldest) + window - now)}
  end
end
for i, key in ipairs(KEYS) do
  local limit, window = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  redis.call('LPUSH', key, string.format('%.6f', now))
  redis.call('LTRIM', key, 0, limit - 1)
  redis.call('EXPIRE', key, math.ceil(window))
end
return 0
"""


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
    """The moving windows of one process, counted in its memory or in a shared Redis."""

    def __init__(self, budgets: Budgets, storage_url: str = "memory://") -> None:
        self.budgets = budgets
        self.where = storage_location(storage_url)
        self.shared = not storage_url.startswith("memory://")
        self._windows = MovingWindowRateLimiter(MemoryStorage())
        self._redis: AsyncRedis | None = None
        self._spend_in_redis: AsyncScript | None = None
        if self.shared:  # nothing is connected to before the first request
            pool = BlockingConnectionPool.from_url(
                storage_url,
                max_connections=REDIS_CONNECTIONS,
                timeout=REDIS_TIMEOUT_S,
                socket_connect_timeout=REDIS_TIMEOUT_S,
                socket_timeout=REDIS_TIMEOUT_S,
                retry=Retry(NoBackoff(), 0),
            )
            self._redis = AsyncRedis.from_pool(pool)  # closed with the client
            self._spend_in_redis = self._redis.register_script(SPEND_SCRIPT)
        self._down_until = 0.0  # time.monotonic() before which Redis is not asked
        self._down = False

    @classmethod
    def from_settings(cls, settings: KhoSettings) -> RateLimiter:
        limiter = cls(Budgets.from_settings(settings), settings.rate_limit_storage_url)
        if settings.env == "production" and not limiter.shared:
            log.warning(
                "rate limits counted in this process only: with more than one API process a"
                " client gets each budget once per process; set KHO_RATE_LIMIT_STORAGE_URL to"
                " a redis:// URL shared by every process"
            )
        return limiter

    async def spend(self, scope: Scope) -> Exceeded | None:
        """Count the request against each budget it falls under, or, when one of them is spent,
        refuse it without counting it anywhere. The storage unreachable: let it through."""
        path: str = scope.get("path", "")
        if path in UNLIMITED_PATHS:
            return None
        if self._down and time.monotonic() < self._down_until:
            RATE_LIMIT_UNCHECKED.inc()
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
        if self._spend_in_redis is None:
            return self._spend(budgets)
        try:
            exceeded = await self._spend_shared(self._spend_in_redis, budgets)
        except redis.RedisError as error:
            self._storage_failed(error)
            RATE_LIMIT_UNCHECKED.inc()
            return None
        if self._down:
            self._down = False
            log.warning("rate limit storage answers again", extra={"storage": self.where})
        return exceeded

    def _spend(self, budgets: list[tuple[str, RateLimitItem, str]]) -> Exceeded | None:
        for name, item, who in budgets:
            if not self._windows.test(item, name, who):
                return Exceeded(name, self._retry_after_s(item, name, who))
        for name, item, who in budgets:
            self._windows.hit(item, name, who)
        return None

    async def aclose(self) -> None:
        """Close the connections to Redis, if any (the app's shutdown)."""
        if self._redis is not None:
            await self._redis.aclose()

    @staticmethod
    async def _spend_shared(
        script: AsyncScript, budgets: list[tuple[str, RateLimitItem, str]]
    ) -> Exceeded | None:
        keys, limits = [], []
        for name, item, who in budgets:
            window = item.get_expiry()
            keys.append(f"{REDIS_KEY_PREFIX}:{name}:{item.amount}/{window}:{who}")
            limits += [item.amount, window]
        spent = await script(keys=keys, args=limits)
        if not spent:
            return None
        index, wait_s = spent
        return Exceeded(budgets[int(index) - 1][0], max(1, math.ceil(float(wait_s))))

    def _storage_failed(self, error: redis.RedisError) -> None:
        self._down_until = time.monotonic() + STORAGE_RETRY_S
        # the error's class only: a Redis error's text may quote the URL it was given
        extra = {
            "storage": self.where,
            "error": type(error).__name__,
            "retry_in_s": STORAGE_RETRY_S,
        }
        if self._down:
            log.info("rate limit storage still unreachable; requests pass unlimited", extra=extra)
        else:
            self._down = True
            log.warning("rate limit storage unreachable; requests pass unlimited", extra=extra)

    def _retry_after_s(self, item: RateLimitItem, name: str, who: str) -> int:
        reset_at = self._windows.get_window_stats(item, name, who).reset_time
        return max(1, math.ceil(reset_at - time.time()))


def storage_location(url: str) -> str:
    """The storage URL without its user and password, for the logs: ``redis://host:port/db``."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return url.split("://", 1)[0] + "://?"
    return f"{parts.scheme}://{host}{port}{parts.path}"


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
        exceeded = await self.limiter.spend(scope)
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
        await too_many_requests(Request(scope), exceeded)(scope, receive, send)


def too_many_requests(request: Request, exceeded: Exceeded) -> Response:
    path = request.url.path
    headers = {"Retry-After": str(exceeded.retry_after_s)}
    message = f"Quá nhiều yêu cầu; vui lòng thử lại sau {exceeded.retry_after_s} giây"
    if is_api_path(path):
        return error_response(429, "rate_limited", message, headers=headers, budget=exceeded.budget)
    seconds = exceeded.retry_after_s
    page = ErrorPage(
        "Quá nhiều yêu cầu",
        f"Kho vừa nhận quá nhiều yêu cầu từ máy của bạn nên tạm ngừng trả lời trong {seconds}"
        " giây. Dữ liệu của bạn không bị ảnh hưởng.",
        (f"Vui lòng thử lại sau {seconds} giây.",),
    )
    return error_page(request, page, 429, headers)
