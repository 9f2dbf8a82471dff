"""The provider's redirect back to /dang-nhap/xong, refused when anything is off, each refusal
audited: an ID token from another issuer, for another audience, with another nonce; a code the
provider refuses; a state without its PKCE verifier. The provider is the local fake of
fake_provider.py (a real one will not sign such tokens); Keycloak runs the real flow in
tests/integration/test_signin_keycloak_real.py."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import itsdangerous
import pytest
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.wiring import Hub, build_hub
from hub.audit import actions
from hub.audit.entry import AuditFilter
from hub.settings import KhoSettings
from tests.unit.web.people.fake_provider import FakeProvider

CITIZEN = {"cccd": "082095000123", "preferred_username": "082095000123", "name": "Nguyễn Văn An"}


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    fake = FakeProvider()
    yield fake
    fake.close()


@pytest.fixture
def hub(embedded_settings: KhoSettings, provider: FakeProvider) -> Iterator[Hub]:
    opened = build_hub(embedded_settings.model_copy(update={"oidc_issuer_url": provider.issuer}))
    yield opened
    opened.close()


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    with TestClient(build_app(hub), follow_redirects=False) as client:
        yield client


def _start(client: TestClient) -> httpx.URL:
    answer = client.get("/dang-nhap", params={"next": "/tai-khoan"})
    assert answer.status_code == 302, answer.text
    return httpx.URL(answer.headers["location"])


def _callback(client: TestClient, authorize: httpx.URL) -> int:
    state = authorize.params["state"]
    return client.get("/dang-nhap/xong", params={"state": state, "code": "c0de"}).status_code


def _answer_with(provider: FakeProvider, id_token: str) -> None:
    provider.token_answer = (
        200,
        {"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": id_token},
    )


def _reasons(hub: Hub) -> list[Any]:
    entries = hub.audit.query(AuditFilter(action=actions.SIGNIN_REFUSED), limit=100)
    return [e.details["reason"] for e in entries]


def test_a_good_id_token_signs_the_citizen_in(
    client: TestClient, provider: FakeProvider, hub: Hub
) -> None:
    """The control: the right issuer, audience and nonce sign the citizen in."""
    authorize = _start(client)
    _answer_with(provider, provider.token(nonce=authorize.params["nonce"], **CITIZEN))
    assert _callback(client, authorize) == 303
    assert client.get("/tai-khoan").status_code == 200
    assert _reasons(hub) == []


@pytest.mark.parametrize(
    "change",
    [{"iss": "http://127.0.0.1:1/realms/other"}, {"aud": "another-client"}, {"nonce": "other"}],
)
def test_an_id_token_from_elsewhere_is_refused_and_audited(
    client: TestClient, provider: FakeProvider, hub: Hub, change: dict[str, str]
) -> None:
    """Another issuer, another audience or another nonce: nobody is signed in."""
    authorize = _start(client)
    claims = {"nonce": authorize.params["nonce"], **CITIZEN, **change}
    _answer_with(provider, provider.token(**claims))
    assert _callback(client, authorize) == 400
    assert client.get("/tai-khoan").status_code == 303
    assert _reasons(hub) == ["invalid_id_token"]


def test_a_code_the_provider_refuses_is_refused_and_audited(
    client: TestClient, provider: FakeProvider, hub: Hub
) -> None:
    """The token endpoint's invalid_grant (a used code, or a wrong PKCE verifier)."""
    provider.token_answer = (400, {"error": "invalid_grant", "error_description": "PKCE"})
    assert _callback(client, _start(client)) == 400
    assert _reasons(hub) == ["code_refused"]


def test_a_state_without_its_pkce_verifier_is_refused_and_audited(
    client: TestClient, provider: FakeProvider, hub: Hub
) -> None:
    """A session whose pending sign-in lacks the PKCE verifier never reaches the provider. The
    session is written as the hub signs it (its key is in the data folder)."""
    authorize = _start(client)
    secret = (hub.settings.data_dir / "session.key").read_text().strip()
    payload, _, _ = client.cookies["kho_session"].partition(".")
    session = json.loads(base64.b64decode(payload))
    key = f"_state_kho_{authorize.params['state']}"
    del session[key]["data"]["code_verifier"]
    data = base64.b64encode(json.dumps(session).encode())
    client.cookies.clear()
    client.cookies.set("kho_session", itsdangerous.TimestampSigner(secret).sign(data).decode())
    _answer_with(provider, provider.token(nonce=authorize.params["nonce"], **CITIZEN))
    assert _callback(client, authorize) == 400
    assert _reasons(hub) == ["missing_pkce_verifier"]


def test_the_provider_saying_no_is_refused_and_audited(client: TestClient, hub: Hub) -> None:
    """The provider's redirect with error=access_denied (the person cancelled)."""
    authorize = _start(client)
    answer = client.get(
        "/dang-nhap/xong", params={"state": authorize.params["state"], "error": "access_denied"}
    )
    assert answer.status_code == 400
    assert "access_denied" in answer.text
    assert _reasons(hub) == ["idp_error"]
