"""Rate limits counted in the real Redis (scripts/services.sh, KHO_SVC_REDIS_PORT): two API
processes' limiters share each budget, and a Redis that does not answer lets requests through
(no 500), with a warning that names the storage without its password."""

from __future__ import annotations

import dataclasses
import logging
import secrets
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from prometheus_client import REGISTRY
from starlette.testclient import TestClient

from hub.app.api import build_app, rate_limits
from hub.app.api.rate_limits import REDIS_KEY_PREFIX, RateLimiter
from hub.app.wiring import Hub, build_hub
from hub.settings import KhoSettings
from tests.conftest import service_port
from tests.integration.tcp_proxy import TcpProxy

# database 15: nothing else of the hub or CKAN uses it
REDIS_URL = f"redis://127.0.0.1:{service_port('REDIS', 16379)}/15"
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
    as a second API process would."""
    settings = hub.settings.model_copy(update={"rate_limit_storage_url": storage_url})
    return TestClient(build_app(dataclasses.replace(hub, settings=settings)))


def test_two_processes_share_one_budget_in_redis(hub: Hub) -> None:
    first, second = on(hub, REDIS_URL), on(hub, REDIS_URL)
    # a credential of its own (a wrong one: 401, counted before authentication all the same)
    headers = {"Authorization": f"Bearer kho_{secrets.token_hex(8)}_{secrets.token_hex(20)}"}
    assert [first.get(CATALOGUE, headers=headers).status_code for _ in range(3)] == [401] * 3
    refused = second.get(CATALOGUE, headers=headers)
    assert refused.status_code == 429
    assert refused.json()["error"]["budget"] == "reads"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    # in memory, a process of its own would still have the whole budget
    assert on(hub, "memory://").get(CATALOGUE, headers=headers).status_code == 401


def test_redis_gone_lets_requests_through_and_warns_without_the_password(
    hub: Hub, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as held:  # a port bound but not listening: every connect is refused
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        password = f"pw-{secrets.token_hex(8)}"
        client = on(hub, f"redis://:{password}@127.0.0.1:{port}/0")
        headers = {"Authorization": f"Bearer kho_{secrets.token_hex(8)}_{secrets.token_hex(20)}"}
        before = unchecked()
        with caplog.at_level(logging.INFO, logger="kho.api.rate_limits"):
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
    first, second = RateLimiter.from_settings(settings), RateLimiter.from_settings(settings)
    address = f"198.51.100.{secrets.randbelow(250) + 1}-{secrets.token_hex(4)}"
    signin = scope(address, "/dang-nhap")
    assert [first.spend(signin), second.spend(signin)] == [None, None]
    refused = [second.spend(signin), first.spend(signin)]
    assert [r.budget if r else None for r in refused] == ["signin", "signin"]
    assert all(r is not None and 1 <= r.retry_after_s <= 2 for r in refused)
    # two counted in the address's 5, not four: three more pages pass, the sixth is refused
    page = scope(address)
    assert [first.spend(page) for _ in range(3)] == [None, None, None]
    exceeded = second.spend(page)
    assert exceeded is not None and exceeded.budget == "address"
    time.sleep(2.05)
    assert first.spend(signin) is not None  # the address's 5 are still spent
    other = scope(f"{address}-b", "/dang-nhap")
    assert [first.spend(other), first.spend(other)] == [None, None]
    assert first.spend(other) is not None
    time.sleep(2.05)
    assert second.spend(other) is None


def test_redis_lost_then_back_counts_again_in_the_windows_it_kept(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(rate_limits, "STORAGE_RETRY_S", 0.3)
    with TcpProxy(service_port("REDIS", 16379)) as proxy:
        limiter = RateLimiter.from_settings(
            KhoSettings(
                rate_limit_reads_per_credential="2/minute",
                rate_limit_storage_url=f"redis://127.0.0.1:{proxy.port}/15",
            )
        )
        request = scope("198.51.100.77", token=secrets.token_hex(16))
        assert [limiter.spend(request), limiter.spend(request)] == [None, None]
        assert limiter.spend(request) is not None
        with caplog.at_level(logging.INFO, logger="kho.api.rate_limits"):
            proxy.cut()
            assert [limiter.spend(request) for _ in range(3)] == [None, None, None]
            proxy.restore()
            time.sleep(0.35)
            refused = limiter.spend(request)
    assert refused is not None and refused.budget == "reads"
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        "rate limit storage unreachable; requests pass unlimited",
        "rate limit storage answers again",
    ]
