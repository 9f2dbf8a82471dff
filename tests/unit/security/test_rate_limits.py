"""Rate limits (hub/app/api/rate_limits.py): each budget refuses the request after its last with
429 and Retry-After, per client address, per credential and on the sign-in pages; the caller
cannot choose its address with X-Forwarded-For; health and metrics are never limited."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import httpx
import pydantic
import pytest
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.api.openapi_document import Section, openapi_document
from hub.app.api.rate_limits import UNLIMITED_PATHS
from hub.app.api.registry_routes import PREFIX, REGISTRY_ENDPOINTS
from hub.app.api.routes import ENDPOINTS
from hub.app.wiring import Hub, build_hub
from hub.auth.tokens import Role
from hub.settings import KhoSettings
from tests.serving import serve_app

CATALOGUE = "/api/v1/catalogue"
RECORDS = "/api/v1/datasets/tthc.dossiers/records"


WIDE = {
    "rate_limits": True,
    "rate_limit_per_address": "1000/minute",
    "rate_limit_signin_per_address": "1000/minute",
    "rate_limit_reads_per_credential": "1000/minute",
    "rate_limit_writes_per_credential": "1000/minute",
}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """One embedded hub for the module: each test builds its own app, so its own limiter, from
    it with the budgets it needs (``limited``)."""
    data = tmp_path_factory.mktemp("rate-limits") / "kho"
    hub = build_hub(KhoSettings(data_dir=data, **WIDE))
    yield hub
    hub.close()


def limited(hub: Hub, **settings: object) -> Hub:
    """The same hub (database, bus, tokens) under other settings."""
    return dataclasses.replace(hub, settings=hub.settings.model_copy(update=settings))


@pytest.fixture
def narrow(shared: Hub) -> Hub:
    return limited(
        shared, rate_limit_per_address="3/minute", rate_limit_signin_per_address="2/minute"
    )


@pytest.fixture
def per_credential(shared: Hub) -> Hub:
    return limited(
        shared,
        rate_limit_reads_per_credential="3/minute",
        rate_limit_writes_per_credential="2/minute",
    )


def refused(answer: httpx.Response, budget: str) -> int:
    """The Retry-After of a 429 from ``budget``, after checking the whole answer."""
    assert answer.status_code == 429
    headers = answer.headers
    retry_after = int(headers["retry-after"])
    assert 1 <= retry_after <= 60
    if headers["content-type"].startswith("application/json"):
        error = answer.json()["error"]
        assert (error["code"], error["budget"]) == ("rate_limited", budget)
        assert f"sau {retry_after} giây" in error["message"]
    return retry_after


def test_an_address_over_its_budget_is_refused_with_retry_after(narrow: Hub) -> None:
    app = build_app(narrow)
    client = TestClient(app, client=("203.0.113.7", 40000))
    assert [client.get(CATALOGUE).status_code for _ in range(3)] == [200, 200, 200]
    refused(client.get(CATALOGUE), "address")
    other = TestClient(app, client=("203.0.113.8", 40000))
    assert other.get(CATALOGUE).status_code == 200


def test_x_forwarded_for_does_not_choose_the_address(narrow: Hub) -> None:
    """Only the server (uvicorn, for proxies it trusts) sets the client address: a header sent
    by the caller itself changes nothing."""
    client = TestClient(build_app(narrow), client=("203.0.113.9", 40000))
    statuses = [
        client.get(CATALOGUE, headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]


def test_sign_in_pages_have_a_smaller_budget_and_answer_in_vietnamese(narrow: Hub) -> None:
    client = TestClient(build_app(narrow), client=("203.0.113.10", 40000))
    assert [client.get("/dang-nhap").status_code for _ in range(2)] == [200, 200]
    page = client.get("/dang-nhap")
    retry_after = refused(page, "signin")
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1" in page.text and "Quá nhiều yêu cầu" in page.text
    assert f"Vui lòng thử lại sau {retry_after} giây." in page.text
    assert client.get(CATALOGUE).status_code == 200  # the address's budget is not spent


def test_health_readiness_and_metrics_are_never_limited(narrow: Hub) -> None:
    client = TestClient(build_app(narrow), client=("203.0.113.11", 40000))
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
        assert client.get("/metrics").status_code == 200
        assert client.get("/readyz").status_code != 429


def test_each_credential_has_a_read_budget_and_a_write_budget(per_credential: Hub) -> None:
    client = TestClient(build_app(per_credential))
    first = per_credential.tokens.create("vp-ubnd", frozenset({Role.PRODUCER})).plaintext
    second = per_credential.tokens.create("vp-ubnd", frozenset({Role.PRODUCER})).plaintext

    def read(token: str) -> int:
        return client.get(CATALOGUE, headers={"Authorization": f"Bearer {token}"}).status_code

    def write(token: str) -> httpx.Response:
        return client.post(RECORDS, json=[], headers={"Authorization": f"Bearer {token}"})

    assert [read(first) for _ in range(3)] == [200, 200, 200]
    refused(client.get(CATALOGUE, headers={"Authorization": f"Bearer {first}"}), "reads")
    assert [write(first).status_code != 429 for _ in range(2)] == [True, True]
    refused(write(first), "writes")
    assert read(second) == 200 and write(second).status_code != 429


def test_knowing_a_tokens_id_does_not_spend_its_budget(per_credential: Hub) -> None:
    """Someone with the token's id (the audit log shows it) but not its secret is refused with
    401 each time, and the token's owner still has its whole budget."""
    client = TestClient(build_app(per_credential))
    issued = per_credential.tokens.create("vp-ubnd", frozenset({Role.CONSUMER}))
    for n in range(5):
        forged = f"kho_{issued.token_id}_{'x' * 40}{n}"
        assert (
            client.get(CATALOGUE, headers={"Authorization": f"Bearer {forged}"}).status_code == 401
        )
    answers = [
        client.get(CATALOGUE, headers={"Authorization": f"Bearer {issued.plaintext}"}).status_code
        for _ in range(3)
    ]
    assert answers == [200, 200, 200]


def test_limits_are_on_by_default_in_production_only_and_checked_at_start() -> None:
    assert KhoSettings(env="production").rate_limits_on
    assert not KhoSettings(env="development").rate_limits_on
    assert KhoSettings(env="development", rate_limits=True).rate_limits_on
    assert not KhoSettings(env="production", rate_limits=False).rate_limits_on
    with pytest.raises(pydantic.ValidationError, match="rate_limit_writes_per_credential"):
        KhoSettings(rate_limit_writes_per_credential="nhiều")


def test_development_serves_without_limits(shared: Hub) -> None:
    unlimited = limited(shared, rate_limits=None, rate_limit_per_address="3/minute")
    assert unlimited.settings.env == "development"
    client = TestClient(build_app(unlimited))
    assert {client.get(CATALOGUE).status_code for _ in range(40)} == {200}


def test_every_limited_operation_documents_429_with_retry_after() -> None:
    document = openapi_document([Section("", ENDPOINTS), Section(PREFIX, REGISTRY_ENDPOINTS)])
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            if path in UNLIMITED_PATHS:
                assert "429" not in responses, (method, path)
                continue
            assert responses["429"]["headers"]["Retry-After"]["required"], (method, path)
            schema = responses["429"]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorAnswer"}, (method, path)
    assert "ErrorAnswer" in document["components"]["schemas"]


@pytest.mark.parametrize(
    ("trusted", "third_from_another_address"), [("127.0.0.1", 200), ("10.9.9.9", 429)]
)
def test_the_address_is_the_proxys_forwarded_one_only_when_uvicorn_trusts_it(
    narrow: Hub, trusted: str, third_from_another_address: int
) -> None:
    """Under uvicorn (as ``kho serve`` runs it), a connection from 127.0.0.1, the proxy uvicorn
    trusts by default, is counted under its X-Forwarded-For address; when the proxy is not
    among ``forwarded_allow_ips`` the header is ignored and the connection's own address
    counts."""
    with (
        serve_app(
            build_app(narrow),
            log_config=None,  # the hub's logging, as ``kho serve`` runs it
            log_level="debug",
            forwarded_allow_ips=trusted,
        ) as url,
        httpx.Client(base_url=url) as client,
    ):
        first = {"X-Forwarded-For": "198.51.100.1"}
        assert [client.get(CATALOGUE, headers=first).status_code for _ in range(3)] == [200] * 3
        assert client.get(CATALOGUE, headers=first).status_code == 429
        second = {"X-Forwarded-For": "198.51.100.2"}
        assert client.get(CATALOGUE, headers=second).status_code == third_from_another_address
