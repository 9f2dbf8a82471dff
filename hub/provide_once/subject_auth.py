"""Citizens and organisations signing in: a bearer JWT whose subject claim is their CCCD or MST.

- Production: the province's identity provider (the single sign-on that VNeID logins go
  through) signs the tokens; the hub checks them against its JWKS (``KHO_SUBJECT_JWKS_URL``),
  with the configured issuer and audience. The hub never issues them.
- Embedded: the hub signs its own HS256 tokens with a key kept in ``data_dir`` (or
  ``KHO_SUBJECT_SIGNING_KEY``); ``kho subject token CCCD`` issues one, so that the demo and the
  tests sign in without an identity provider.

Either way a token needs ``exp``, the right ``iss`` and ``aud``, and a valid identifier in the
subject claim.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import jwt

from hub.auth.tokens import AuthError
from hub.errors import ConfigurationError, UnreachableError
from hub.provide_once.errors import InvalidIdentifier
from hub.provide_once.subjects import Subject, parse_subject

_ASYMMETRIC = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]
_LEEWAY = dt.timedelta(seconds=30)


@dataclass(frozen=True)
class SubjectTokens:
    issuer: str
    audience: str
    id_claim: str = "sub"
    jwks_url: str | None = None
    signing_key: bytes | None = None

    def __post_init__(self) -> None:
        if (self.jwks_url is None) == (self.signing_key is None):
            raise ConfigurationError("Cần đúng một trong KHO_SUBJECT_JWKS_URL hoặc khoá ký nội bộ")

    def verify(self, token: str) -> Subject:
        """The subject the token stands for; AuthError with a reason code otherwise."""
        try:
            if self.jwks_url is not None:
                key = _jwks(self.jwks_url).get_signing_key_from_jwt(token).key
                algorithms = _ASYMMETRIC
            else:
                assert self.signing_key is not None  # noqa: S101 (post_init holds it)
                key, algorithms = self.signing_key, ["HS256"]
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self.audience,
                issuer=self.issuer,
                leeway=_LEEWAY,
                options={"require": ["exp", "iss", "aud", self.id_claim]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthError("expired_token", "Phiên đăng nhập đã hết hạn") from exc
        except jwt.PyJWKClientConnectionError as exc:
            raise UnreachableError("hệ thống định danh", str(self.jwks_url)) from exc
        except jwt.PyJWTError as exc:
            raise AuthError(
                "invalid_token", f"Phiên đăng nhập không hợp lệ ({type(exc).__name__})"
            ) from exc
        try:
            return parse_subject(str(claims[self.id_claim]))
        except InvalidIdentifier as exc:
            raise AuthError("invalid_subject", f"Định danh trong phiên đăng nhập: {exc}") from exc

    def issue(self, subject: Subject, *, valid_for: dt.timedelta) -> str:
        """A token for the subject, on the embedded defaults only."""
        if self.signing_key is None:
            raise ConfigurationError(
                "Phiên đăng nhập của công dân do hệ thống định danh của tỉnh cấp"
                " (KHO_SUBJECT_JWKS_URL); kho không tự cấp"
            )
        now = dt.datetime.now(dt.UTC)
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            self.id_claim: subject.id,
            "iat": now,
            "exp": now + valid_for,
        }
        return jwt.encode(claims, self.signing_key, algorithm="HS256")


_clients: dict[str, jwt.PyJWKClient] = {}


def _jwks(url: str) -> jwt.PyJWKClient:
    """One JWKS client per URL for the process: it caches the provider's keys."""
    if url not in _clients:
        _clients[url] = jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=5)
    return _clients[url]


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and token.startswith("eyJ")
