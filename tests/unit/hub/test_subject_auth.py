"""Subject sign-in tokens: the production path checks an identity provider's RS256 tokens
against its published keys (JWKS); the embedded path checks the hub's own HS256 tokens.

The identity provider's JWKS endpoint is stood in for by a local HTTP server publishing a real
key set: the code under test (PyJWKClient fetching the keys, PyJWT verifying) is the production
code."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.auth.tokens import AuthError
from hub.errors import ConfigurationError
from hub.provide_once.procedures import SubjectKind
from hub.provide_once.subject_auth import SubjectTokens
from hub.provide_once.subjects import parse_subject
from tests.serving import serve_app

CITIZEN = "082095000123"


@pytest.fixture
def provider() -> Iterator[tuple[SubjectTokens, rsa.RSAPrivateKey]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    key_set = {"keys": [{**public, "kid": "idp-1", "use": "sig"}]}

    async def jwks(request: Request) -> JSONResponse:
        return JSONResponse(key_set)

    with serve_app(Starlette(routes=[Route("/certs", jwks)])) as base_url:
        tokens = SubjectTokens(
            issuer="https://sso.dongthap.gov.vn",
            audience="kho",
            id_claim="cccd",
            jwks_url=f"{base_url}/certs",
        )
        yield tokens, key


def _signed(key: rsa.RSAPrivateKey, **claims: Any) -> str:
    now = dt.datetime.now(dt.UTC)
    base = {
        "iss": "https://sso.dongthap.gov.vn",
        "aud": "kho",
        "cccd": CITIZEN,
        "iat": now,
        "exp": now + dt.timedelta(minutes=10),
    }
    return jwt.encode({**base, **claims}, key, algorithm="RS256", headers={"kid": "idp-1"})


def test_an_identity_provider_token_names_the_subject(
    provider: tuple[SubjectTokens, rsa.RSAPrivateKey],
) -> None:
    tokens, key = provider
    subject = tokens.verify(_signed(key))
    assert (subject.id, subject.kind) == (CITIZEN, SubjectKind.CITIZEN)


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "another-app"}, "invalid_token"),
        ({"iss": "https://evil.example"}, "invalid_token"),
        ({"exp": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)}, "expired_token"),
        ({"cccd": "999095000123"}, "invalid_subject"),
    ],
)
def test_identity_provider_tokens_are_checked(
    provider: tuple[SubjectTokens, rsa.RSAPrivateKey], claims: dict[str, Any], reason: str
) -> None:
    tokens, key = provider
    with pytest.raises(AuthError) as refused:
        tokens.verify(_signed(key, **claims))
    assert refused.value.reason == reason


def test_a_token_signed_by_another_key_or_the_hub_is_refused_in_production(
    provider: tuple[SubjectTokens, rsa.RSAPrivateKey],
) -> None:
    tokens, _ = provider
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(AuthError):
        tokens.verify(_signed(stranger))
    embedded = SubjectTokens(
        issuer=tokens.issuer, audience="kho", id_claim="cccd", signing_key=b"k" * 32
    )
    forged = embedded.issue(parse_subject(CITIZEN), valid_for=dt.timedelta(minutes=5))
    with pytest.raises(AuthError):  # HS256 under any key is not accepted where JWKS is set
        tokens.verify(forged)
    with pytest.raises(ConfigurationError):
        tokens.issue(parse_subject(CITIZEN), valid_for=dt.timedelta(minutes=5))


def test_embedded_tokens_round_trip_and_need_the_same_key() -> None:
    mine = SubjectTokens(issuer="kho", audience="kho", signing_key=b"a" * 32)
    theirs = SubjectTokens(issuer="kho", audience="kho", signing_key=b"b" * 32)
    token = mine.issue(parse_subject("0312345673"), valid_for=dt.timedelta(minutes=5))
    assert mine.verify(token).kind is SubjectKind.ORGANISATION
    with pytest.raises(AuthError) as refused:
        theirs.verify(token)
    assert refused.value.reason == "invalid_token"
