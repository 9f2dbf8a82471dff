"""Drives the development Keycloak (scripts/services/keycloak.sh, realm services/keycloak/
realm-kho.json) as a browser would, with httpx: the hub's /dang-nhap redirect, Keycloak's login
form posted with a sample user's password, and Keycloak's redirect back to the hub."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
from starlette.testclient import TestClient

from tests.conftest import service_port

KEYCLOAK_URL = f"http://127.0.0.1:{service_port('KEYCLOAK', 18080)}"
ISSUER = f"{KEYCLOAK_URL}/realms/kho"
CLIENT_ID = "kho"
CLIENT_SECRET = "kho-dev-client-secret"  # noqa: S105 (the development realm's, documented)
HUB_BASE_URL = "http://127.0.0.1:8000"
"""The hub as the realm's redirect URIs know it; TestClient answers under this name."""

CITIZEN = ("082095000123", "dev-citizen-1")
STEWARD = ("quanly.nnmt", "dev-steward-2")
_FORM_ACTION = re.compile(r'<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"')


@dataclass
class Callback:
    """Keycloak's redirect back to the hub: the path and query to open on the hub."""

    target: str
    state: str
    code: str


def secret_file(folder: Path) -> Path:
    path = folder / "oidc-client-secret"
    path.write_text(CLIENT_SECRET, encoding="utf-8")
    return path


def start_signin(hub: TestClient, next_path: str = "/tai-khoan") -> str:
    """The Keycloak authorization URL the hub's /dang-nhap redirects to."""
    answer = hub.get("/dang-nhap", params={"next": next_path}, follow_redirects=False)
    if answer.status_code not in (302, 303):
        raise AssertionError(f"/dang-nhap answered {answer.status_code}: {answer.text[:300]}")
    return answer.headers["location"]


def log_in_at_keycloak(
    browser: httpx.Client, authorize_url: str, user: tuple[str, str]
) -> Callback:
    """Opens Keycloak's login page and posts the user's name and password."""
    page = browser.get(authorize_url)
    page.raise_for_status()
    found = _FORM_ACTION.search(page.text)
    if found is None:
        raise AssertionError(f"no login form at {authorize_url}: {page.text[:300]}")
    # Keycloak marks its cookies Secure (a browser counts 127.0.0.1 as a secure origin; httpx's
    # jar does not), so they are sent back by hand
    cookies = "; ".join(f"{name}={value}" for name, value in page.cookies.items())
    posted = browser.post(
        html.unescape(found.group(1)),
        data={"username": user[0], "password": user[1], "credentialId": ""},
        headers={"Cookie": cookies},
    )
    if posted.status_code != 302:
        raise AssertionError(f"Keycloak login answered {posted.status_code}: {posted.text[:300]}")
    location = posted.headers["location"]
    parts = urlsplit(location)
    query = parse_qs(parts.query)
    return Callback(f"{parts.path}?{parts.query}", query["state"][0], query["code"][0])


def sign_in(hub: TestClient, browser: httpx.Client, user: tuple[str, str]) -> int:
    """The whole flow; the status of the hub's answer to Keycloak's redirect back."""
    callback = log_in_at_keycloak(browser, start_signin(hub), user)
    return hub.get(callback.target, follow_redirects=False).status_code


def access_token(browser: httpx.Client, user: tuple[str, str]) -> str:
    """A Keycloak access token for the user, by the same code flow with PKCE (as a client
    application of the realm would get one)."""
    import base64
    import hashlib
    import secrets

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    redirect_uri = f"{HUB_BASE_URL}/dang-nhap/xong"
    authorize = httpx.URL(
        f"{ISSUER}/protocol/openid-connect/auth",
        params={
            "client_id": CLIENT_ID,
            "response_type": "code",
            "scope": "openid",
            "redirect_uri": redirect_uri,
            "state": secrets.token_urlsafe(16),
            "code_challenge": challenge.decode(),
            "code_challenge_method": "S256",
        },
    )
    callback = log_in_at_keycloak(browser, str(authorize), user)
    answer = httpx.post(
        f"{ISSUER}/protocol/openid-connect/token",
        data={
            "grant_type": "authorization_code",
            "code": callback.code,
            "redirect_uri": redirect_uri,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "code_verifier": verifier,
        },
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])
