"""How people sign in on this hub, decided once from the settings when the app is built.

- ``KHO_OIDC_ISSUER_URL`` set: OpenID Connect at that issuer (client ``KHO_OIDC_CLIENT_ID``,
  secret in ``KHO_OIDC_CLIENT_SECRET_FILE``); the session secret must come from
  ``KHO_SESSION_SECRET_FILE``.
- No issuer, on the embedded defaults (embedded bus, SQLite database): the development sign-in,
  picking a sample person; the session secret is kept in ``<data_dir>/session.key``.
- No issuer and other adapters: no sign-in (the pages say it is not configured). Asking for the
  development sign-in there (``KHO_DEVELOPMENT_SIGNIN=true``) stops the hub at start.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from hub.errors import ConfigurationError
from hub.secret_keys import load_hex_key
from hub.settings import KhoSettings


class SignInMode(StrEnum):
    OIDC = "oidc"
    DEVELOPMENT = "development"
    OFF = "off"


@dataclass(frozen=True)
class SignInSettings:
    mode: SignInMode
    session_secret: str
    cookie_secure: bool
    max_age_s: int
    issuer: str = ""
    client_id: str = ""
    client_secret: str | None = None


def uses_embedded_defaults(settings: KhoSettings) -> bool:
    """The embedded bus and a SQLite database: a developer's machine, not a province's hub."""
    return settings.bus_url.startswith("embedded:") and settings.database_url.startswith("sqlite")


def signin_settings(settings: KhoSettings) -> SignInSettings:
    """The sign-in this hub offers; ConfigurationError (one line naming the setting) when the
    settings ask for something unsafe."""
    embedded = uses_embedded_defaults(settings)
    issuer = settings.oidc_issuer_url.strip().rstrip("/")
    if settings.development_signin and (issuer or not embedded):
        raise ConfigurationError(
            "KHO_DEVELOPMENT_SIGNIN=true chỉ dùng được với cấu hình nhúng mặc định (không"
            " KHO_BUS_URL/KHO_DATABASE_URL riêng, không KHO_OIDC_ISSUER_URL): đăng nhập thử"
            " không được chạy trên hệ thống thật"
        )
    secure = settings.session_cookie_secure
    lifetime = settings.session_max_age_s
    if issuer:
        if settings.session_secret_file is None and not embedded:
            raise ConfigurationError(
                "Cần KHO_SESSION_SECRET_FILE (tệp chứa khoá ký phiên đăng nhập) khi dùng"
                " KHO_OIDC_ISSUER_URL ngoài cấu hình nhúng"
            )
        return SignInSettings(
            SignInMode.OIDC,
            _session_secret(settings),
            issuer=issuer,
            client_id=settings.oidc_client_id,
            client_secret=_read_secret(
                settings.oidc_client_secret_file, "KHO_OIDC_CLIENT_SECRET_FILE"
            ),
            max_age_s=lifetime,
            cookie_secure=secure,
        )
    if embedded and settings.development_signin is not False:
        secret = _session_secret(settings)
        return SignInSettings(
            SignInMode.DEVELOPMENT, secret, max_age_s=lifetime, cookie_secure=secure
        )
    # No sign-in: the session cookie still works (a visitor's CSRF token), with a fresh key.
    secret = _session_secret(settings, ephemeral=True)
    return SignInSettings(SignInMode.OFF, secret, max_age_s=lifetime, cookie_secure=secure)


def _session_secret(settings: KhoSettings, *, ephemeral: bool = False) -> str:
    if settings.session_secret_file is not None:
        secret = _read_secret(settings.session_secret_file, "KHO_SESSION_SECRET_FILE")
        if secret is None or len(secret) < 32:
            raise ConfigurationError("KHO_SESSION_SECRET_FILE phải chứa ít nhất 32 ký tự")
        return secret
    if ephemeral:
        return secrets.token_hex(32)
    key = load_hex_key(None, settings.data_dir / "session.key", setting="KHO_SESSION_SECRET_FILE")
    return key.hex()


def _read_secret(path: Path | None, setting: str) -> str | None:
    if path is None:
        return None
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigurationError(f"{setting}: không đọc được {path} ({exc.strerror})") from exc
    if not secret:
        raise ConfigurationError(f"{setting}: tệp {path} trống")
    return secret
