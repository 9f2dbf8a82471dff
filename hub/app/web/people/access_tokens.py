"""The identity provider's access tokens on the API: a bearer JWT whose ``iss`` is the
configured issuer is checked here (signature by the provider's JWKS, found through its
discovery document; audience = the hub's client id; expiry) and becomes a ``Person``, which
the API turns into the same ``Subject`` or ``Credential`` its policy already decides on."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import httpx
import jwt

from hub.app.web.people.person import NotAPerson, Person, person_from_claims
from hub.auth.tokens import AuthError
from hub.errors import UnreachableError

_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]
_LEEWAY = dt.timedelta(seconds=30)


class PersonTokens:
    """Checks access tokens from one issuer for one audience; its keys are fetched on first use
    and kept (``PyJWKClient`` refetches when a token names a key it does not know)."""

    def __init__(self, issuer: str, audience: str) -> None:
        self.issuer = issuer
        self.audience = audience
        self._keys: jwt.PyJWKClient | None = None
        self._lock = threading.Lock()

    def issued_here(self, token: str) -> bool:
        """Whether the token claims to come from this issuer (not yet checked)."""
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return False
        return claims.get("iss") == self.issuer

    def verify(self, token: str) -> Person:
        """The person the token stands for; AuthError with a reason code otherwise."""
        try:
            key = self._jwks().get_signing_key_from_jwt(token).key
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=_ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                leeway=_LEEWAY,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthError("expired_token", "Phiên đăng nhập đã hết hạn") from exc
        except jwt.PyJWKClientConnectionError as exc:
            raise UnreachableError("hệ thống định danh", self.issuer) from exc
        except jwt.InvalidAudienceError as exc:
            raise AuthError(
                "wrong_audience", f"Mã truy cập không dành cho Kho (aud phải là {self.audience})"
            ) from exc
        except jwt.PyJWTError as exc:
            raise AuthError(
                "invalid_token", f"Mã truy cập không hợp lệ ({type(exc).__name__})"
            ) from exc
        try:
            return person_from_claims(claims)
        except NotAPerson as exc:
            raise AuthError(exc.reason, str(exc)) from exc

    def _jwks(self) -> jwt.PyJWKClient:
        with self._lock:
            if self._keys is None:
                self._keys = jwt.PyJWKClient(
                    _jwks_uri(self.issuer), cache_keys=True, lifespan=300, timeout=5
                )
            return self._keys


def _jwks_uri(issuer: str) -> str:
    """The provider's key set, from its discovery document."""
    try:
        answer = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=5)
        answer.raise_for_status()
        return str(answer.json()["jwks_uri"])
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        raise UnreachableError("hệ thống định danh", issuer) from exc
