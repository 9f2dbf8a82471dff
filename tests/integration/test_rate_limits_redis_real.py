"""Rate limits counted in the real Redis (scripts/services.sh, KHO_SVC_REDIS_PORT): two API
processes' limiters share each budget, and a Redis that does not answer lets requests through
(no 500), with a warning that names the storage without its password, without holding the
event loop while it waits; the app's shutdown closes its connections to Redis."""

from __future__ import annotations

import dataclasses
import logging
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from types import TracebackType
from typing import Any

import anyio
import httpx
import psutil
import pytest
import redis
from prometheus_client import REGISTRY
from starlette.responses import PlainTextResponse
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from hub.app.api import build_app, rate_limits
from hub.app.api.rate_limits import (
    REDIS_KEY_PREFIX,
    Exceeded,
    RateLimiter,
    RateLimitMiddleware,
)
from hub.app.wiring import Hub, build_hub
from hub.settings import KhoSettings
from tests.conftest import service_port
from tests.integration.tcp_proxy import TcpProxy

# database 15: nothing else of the hub or CKAN uses it
REDIS_PORT = service_port("REDIS", 16379)
REDIS_URL = f"redis://127.0.0.1:{REDIS_PORT}/15"
CATALOGUE = "/api/v1/catalogue"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("rate-limits-redis") / "kho"
    built = build_hub(
        KhoSettings(
            data_dir=data,
            rate_limits=True,
            rate_limit_per_address="1000/minute",
            rate_limit_reads_per_credential="3/minute",
        )
    )
    yield built
    built.close()
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{REDIS_KEY_PREFIX}*"))
    if keys:
        client.delete(*keys)
    client.close()


def unchecked() -> float:
    return REGISTRY.get_sample_value("kho_rate_limit_unchecked_total") or 0.0


def on(hub: Hub, storage_url: str) -> TestClient:
    """An app of its own (its own limiter, its own Redis connections) counting in ``storage_url``,
    as a second API process would. Used in a ``with`` block, as uvicorn serves it: one event
    loop for every request (the limiter's Redis connections belong to it) and the app's
    shutdown at the end."""
    settings = hub.settings.model_copy(update={"rate_limit_storage_url": storage_url})
    return TestClient(build_app(dataclasses.replace(hub, settings=settings)))


def test_two_processes_share_one_budget_in_redis(hub: Hub) -> None:
    # a credential of its own (a wrong one: 401, counted before authentication all the same)
    headers = {"Authorization": f"Bearer kho_{secrets.token_hex(8)}_{secrets.token_hex(20)}"}
    with on(hub, REDIS_URL) as first, on(hub, REDIS_URL) as second:
        assert [first.get(CATALOGUE, headers=headers).status_code for _ in range(3)] == [401] * 3
        refused = second.get(CATALOGUE, headers=headers)
    assert refused.status_code == 429
    assert refused.json()["error"]["budget"] == "reads"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    # in memory, a process of its own would still have the whole budget
    with on(hub, "memory://") as alone:
        assert alone.get(CATALOGUE, headers=headers).status_code == 401


def test_redis_gone_lets_requests_through_and_warns_without_the_password(
    hub: Hub, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as held:  # a port bound but not listening: every connect is refused
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        password = f"pw-{secrets.token_hex(8)}"
        headers = {"Authorization": f"Bearer kho_{secrets.token_hex(8)}_{secrets.token_hex(20)}"}
        before = unchecked()
        with (
            on(hub, f"redis://:{password}@127.0.0.1:{port}/0") as client,
            caplog.at_level(logging.INFO, logger="kho.api.rate_limits"),
        ):
            statuses = [client.get(CATALOGUE, headers=headers).status_code for _ in range(6)]
    assert statuses == [401] * 6  # over the 3/minute, unlimited: neither 429 nor 500
    assert unchecked() - before == 6
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "rate limit storage unreachable; requests pass unlimited"
    ]
    assert warnings[0].__dict__["storage"] == f"redis://127.0.0.1:{port}/0"
    for record in caplog.records:
        assert password not in repr(record.__dict__)


def scope(address: str, path: str = CATALOGUE, token: str | None = None) -> dict[str, Any]:
    headers = [(b"authorization", f"Bearer {token}".encode())] if token else []
    return {
        "type": "http",
        "method": "GET",
        "path": path,
        "client": (address, 1),
        "headers": headers,
    }


def test_a_refused_request_counts_nowhere_and_the_window_moves() -> None:
    """The script tests every budget before it counts in any: the sign-in budget spent, the
    address's is not touched. Once the oldest request leaves the window (Retry-After), one
    more passes."""
    settings = KhoSettings(
        rate_limit_per_address="5/minute",
        rate_limit_signin_per_address="2 per 2 seconds",
        rate_limit_storage_url=REDIS_URL,
    )

    async def scenario() -> None:
        first, second = RateLimiter.from_settings(settings), RateLimiter.from_settings(settings)
        try:
            await spend_and_wait(first, second)
        finally:
            await first.aclose()
            await second.aclose()

    async def spend_and_wait(first: RateLimiter, second: RateLimiter) -> None:
        address = f"198.51.100.{secrets.randbelow(250) + 1}-{secrets.token_hex(4)}"
        signin = scope(address, "/dang-nhap")
        assert [await first.spend(signin), await second.spend(signin)] == [None, None]
        refused = [await second.spend(signin), await first.spend(signin)]
        assert [r.budget if r else None for r in refused] == ["signin", "signin"]
        assert all(r is not None and 1 <= r.retry_after_s <= 2 for r in refused)
        # two counted in the address's 5, not four: three more pages pass, the sixth is refused
        page = scope(address)
        assert [await first.spend(page) for _ in range(3)] == [None, None, None]
        exceeded = await second.spend(page)
        assert exceeded is not None and exceeded.budget == "address"
        await anyio.sleep(2.05)
        assert await first.spend(signin) is not None  # the address's 5 are still spent
        other = scope(f"{address}-b", "/dang-nhap")
        assert [await first.spend(other), await first.spend(other)] == [None, None]
        assert await first.spend(other) is not None
        await anyio.sleep(2.05)
        assert await second.spend(other) is None

    anyio.run(scenario)


def test_redis_lost_then_back_counts_again_in_the_windows_it_kept(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(rate_limits, "STORAGE_RETRY_S", 0.3)
    request = scope("198.51.100.77", token=secrets.token_hex(16))

    async def lose_and_find(proxy: TcpProxy) -> Exceeded | None:
        limiter = RateLimiter.from_settings(
            KhoSettings(
                rate_limit_reads_per_credential="2/minute",
                rate_limit_storage_url=f"redis://127.0.0.1:{proxy.port}/15",
            )
        )
        try:
            assert [await limiter.spend(request), await limiter.spend(request)] == [None, None]
            assert await limiter.spend(request) is not None
            with caplog.at_level(logging.INFO, logger="kho.api.rate_limits"):
                proxy.cut()
                assert [await limiter.spend(request) for _ in range(3)] == [None, None, None]
                proxy.restore()
                await anyio.sleep(0.35)
                return await limiter.spend(request)
        finally:
            await limiter.aclose()

    with TcpProxy(REDIS_PORT) as proxy:
        refused = anyio.run(lose_and_find, proxy)
    assert refused is not None and refused.budget == "reads"
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        "rate limit storage unreachable; requests pass unlimited",
        "rate limit storage answers again",
    ]


class NeverAnswers:
    """Fault injection: a "Redis" that accepts every connection and never replies, as a hung
    Redis (or a network that drops its packets) looks to a client; a real Redis cannot be
    asked to hang on cue."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self._held.append(connection)

    def __enter__(self) -> NeverAnswers:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._listener.close()
        for connection in self._held:
            connection.close()


async def answer_at_once(scope: Scope, receive: Receive, send: Send) -> None:
    """The app behind the middleware: 200 without waiting for anything."""
    await PlainTextResponse("ok")(scope, receive, send)


def test_a_redis_that_never_answers_does_not_hold_the_event_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While one request waits for a Redis that never answers (up to its timeout, then it
    passes unchecked), the event loop keeps running: a task ticking every 10 ms is never late
    by more than a fraction of that wait. A synchronous Redis client would hold the loop, and
    every other request of the process, for the whole timeout."""
    monkeypatch.setattr(rate_limits, "REDIS_TIMEOUT_S", 1.0)  # a wait long enough to measure
    ticks: list[float] = []

    async def tick() -> None:
        while True:
            ticks.append(time.monotonic())
            await anyio.sleep(0.01)

    async def one_request(port: int) -> tuple[int, float]:
        limiter = RateLimiter.from_settings(
            KhoSettings(rate_limit_storage_url=f"redis://127.0.0.1:{port}/15")
        )
        transport = httpx.ASGITransport(app=RateLimitMiddleware(answer_at_once, limiter))
        try:
            async with (
                httpx.AsyncClient(transport=transport, base_url="http://kho") as client,
                anyio.create_task_group() as ticker,
            ):
                ticker.start_soon(tick)
                await anyio.sleep(0.05)
                started = time.monotonic()
                status = (await client.get(CATALOGUE)).status_code
                waited = time.monotonic() - started
                await anyio.sleep(0.05)  # a tick after the wait: a stalled loop shows as a gap
                ticker.cancel_scope.cancel()
        finally:
            await limiter.aclose()
        return status, waited

    before = unchecked()
    with NeverAnswers() as redis_hung:
        status, waited = anyio.run(one_request, redis_hung.port)
    assert status == 200 and unchecked() - before == 1  # passed unchecked once the wait ended
    assert 0.9 <= waited < 1.5  # it did wait for Redis, no longer than the timeout
    late = max(later - earlier for earlier, later in zip(ticks, ticks[1:], strict=False))
    assert late < 0.2, f"the event loop stalled {late:.3f} s"


def redis_sockets() -> set[tuple[str, int]]:
    """This process's open TCP connections to the test Redis, by local address."""
    return {
        (c.laddr.ip, c.laddr.port)
        for c in psutil.Process().net_connections(kind="tcp")
        if c.raddr and c.raddr.port == REDIS_PORT and c.status == psutil.CONN_ESTABLISHED
    }


def test_the_apps_shutdown_closes_its_connections_to_redis(hub: Hub) -> None:
    before = redis_sockets()
    with on(hub, REDIS_URL) as client:
        assert client.get(CATALOGUE).status_code == 200
        opened = redis_sockets() - before
    assert opened  # the limiter counted the request in Redis
    assert not redis_sockets() & opened


def test_a_burst_of_requests_shares_a_bounded_pool_of_connections() -> None:
    """200 requests at once through one process's limiter: each counted in Redis (the budget of
    250 has 50 left, the 251st request is refused), over at most ``REDIS_CONNECTIONS``
    connections (the pool keeps each one it opened until it closes), where an unbounded pool
    opened one per request in flight."""
    settings = KhoSettings(rate_limit_per_address="250/minute", rate_limit_storage_url=REDIS_URL)
    address = f"203.0.113.{secrets.randbelow(250) + 1}-{secrets.token_hex(4)}"
    before = redis_sockets()
    unchecked_before = unchecked()

    async def burst() -> tuple[list[Exceeded | None], int]:
        limiter = RateLimiter.from_settings(settings)
        answers: list[Exceeded | None] = [None] * 200

        async def one(i: int) -> None:
            answers[i] = await limiter.spend(scope(address))

        try:
            async with anyio.create_task_group() as requests:
                for i in range(200):
                    requests.start_soon(one, i)
            opened = len(redis_sockets() - before)
            assert [await limiter.spend(scope(address)) for _ in range(50)] == [None] * 50
            last = await limiter.spend(scope(address))
            assert last is not None and last.budget == "address"
        finally:
            await limiter.aclose()
        return answers, opened

    answers, opened = anyio.run(burst)
    assert answers == [None] * 200
    assert unchecked() == unchecked_before  # none passed for want of a connection
    assert 1 <= opened <= rate_limits.REDIS_CONNECTIONS
    assert not redis_sockets() - before  # closed with the limiter
