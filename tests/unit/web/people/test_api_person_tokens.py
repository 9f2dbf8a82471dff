"""The API accepts a person's access token from the configured identity provider and decides
on it with the one policy: a citizen as their CCCD, staff as their agency and roles. Machine
tokens keep working beside it.

The provider here is a fake: a tiny local HTTP server publishing a discovery document and a
JWKS for a key the test makes, so that tokens from another issuer, for another audience, signed
by another key or expired can be made at will (a real provider will not sign those). The real
path is tested against Keycloak in tests/integration/test_signin_keycloak_real.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.wiring import Hub, build_hub
from hub.auth.tokens import Role
from hub.settings import KhoSettings
from tests.unit.web.people.fake_provider import FakeProvider


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
    with TestClient(build_app(hub)) as client:
        yield client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


CITIZEN = {"cccd": "082095000123", "preferred_username": "082095000123", "name": "Nguyễn Văn An"}
ADMIN = {"agency": "vp-ubnd", "roles": ["admin", "unknown-role"], "preferred_username": "quantri"}
STEWARD = {"agency": "so-nnmt", "roles": ["steward"], "preferred_username": "quanly.nnmt"}


def test_a_citizens_token_is_their_subject(client: TestClient, provider: FakeProvider) -> None:
    """/api/v1/me answers the CCCD carried in the cccd claim."""
    answer = client.get("/api/v1/me", headers=_bearer(provider.token(**CITIZEN)))
    assert answer.status_code == 200, answer.text
    assert answer.json()["subject_id"] == "082095000123"


def test_a_staff_token_is_their_agency_and_roles(
    client: TestClient, provider: FakeProvider
) -> None:
    """An admin's token reads the admin's audit log; a steward's is refused there by the same
    policy as a steward's machine token; a staff token on a citizen's page is a 403."""
    admin = client.get("/api/v1/audit", headers=_bearer(provider.token(**ADMIN)))
    assert admin.status_code == 200, admin.text
    steward = client.get("/api/v1/audit", headers=_bearer(provider.token(**STEWARD)))
    assert steward.status_code == 403
    assert steward.json()["error"]["code"] == "not_admin"
    on_citizen_page = client.get("/api/v1/me", headers=_bearer(provider.token(**STEWARD)))
    assert on_citizen_page.status_code == 403


def test_machine_tokens_keep_working(client: TestClient, hub: Hub) -> None:
    """An agency's kho_ token still opens the audit log for an admin."""
    issued = hub.tokens.create("vp-ubnd", frozenset({Role.ADMIN}))
    answer = client.get("/api/v1/audit", headers=_bearer(issued.plaintext))
    assert answer.status_code == 200


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"aud": "another-client"}, "wrong_audience"),
        ({"exp": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}, "expired_token"),
        ({"cccd": "12345"}, "invalid_cccd"),
        ({"cccd": None}, "no_identity"),
    ],
)
def test_a_bad_token_from_the_issuer_is_a_401_naming_why(
    client: TestClient, provider: FakeProvider, change: dict[str, Any], reason: str
) -> None:
    """Audience, expiry and the identity claims are checked; the refusal names what failed."""
    claims = {**CITIZEN, **change}
    answer = client.get("/api/v1/me", headers=_bearer(provider.token(**claims)))
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == reason


def test_a_token_signed_by_another_key_is_refused(
    client: TestClient, provider: FakeProvider
) -> None:
    """The issuer's name on a token signed with a key not in its JWKS proves nothing."""
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    answer = client.get("/api/v1/me", headers=_bearer(provider.token(key=other, **CITIZEN)))
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "invalid_token"


def test_a_token_from_another_issuer_is_refused(client: TestClient, provider: FakeProvider) -> None:
    """A well-signed token naming another issuer is not the configured provider's: 401."""
    token = provider.token(iss="http://127.0.0.1:1/realms/other", **CITIZEN)
    answer = client.get("/api/v1/me", headers=_bearer(token))
    assert answer.status_code == 401
