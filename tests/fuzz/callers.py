"""Who calls the API in a fuzz run: the public without a token, an agency's token for each role
the hub knows, and a citizen signed in to the pages (the session cookie) who calls the API with
their own sign-in token."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.testclient import TestClient

from hub.app.wiring import Hub
from hub.auth.tokens import Role
from hub.provide_once.subjects import parse_subject

AGENCY = "vp-ubnd"  # owns tthc.dossiers, so its producer and steward reach the write paths
CITIZEN = "082095000123"  # sample citizen Nguyễn Văn An (the development sign-in lists him)
TOKEN_LIFETIME = dt.timedelta(hours=4)  # outlives a deep run
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Caller:
    """What each request of one caller carries besides the generated data."""

    name: str
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    renew: Callable[[], dict[str, str]] | None = None
    """Fresh headers, for a sign-in token that expires during a long run (Keycloak's: 5 min)."""
    renew_every_s: float = 240.0
    renewed_at: float = field(default_factory=time.monotonic)

    def current_headers(self) -> dict[str, str]:
        if self.renew is not None and time.monotonic() - self.renewed_at > self.renew_every_s:
            self.headers = self.renew()
            self.renewed_at = time.monotonic()
        return self.headers


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def agency_callers(hub: Hub) -> list[Caller]:
    """The public, then one token of ``AGENCY`` per role."""
    callers = [Caller("public")]
    for role in Role:
        token = hub.tokens.create(AGENCY, frozenset({role})).plaintext
        callers.append(Caller(f"agency-{role.value}", headers=bearer(token)))
    return callers


def development_citizen(hub: Hub, client: TestClient) -> Caller:
    """The sample citizen signed in through the development sign-in of the embedded defaults
    (the session cookie), calling the API with a sign-in token for the same CCCD."""
    page = client.get("/dang-nhap", params={"next": "/cua-toi"})
    found = _CSRF.search(page.text)
    assert found is not None, page.text[:300]
    answer = client.post(
        "/dang-nhap",
        data={"person": f"cong-dan-{CITIZEN}", "next": "/cua-toi", "csrf_token": found.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    token = hub.subject_tokens.issue(parse_subject(CITIZEN), valid_for=TOKEN_LIFETIME)
    return Caller("citizen", headers=bearer(token), cookies=dict(client.cookies.items()))


def check_recognised(client: TestClient, callers: list[Caller]) -> None:
    """Each caller is who it says: a token the API refused would turn the whole run into
    documented 401s. An agency sees its access in the catalogue, the public does not; the
    citizen is their CCCD on /api/v1/me."""
    for caller in callers:
        if caller.name == "citizen":
            me = client.get("/api/v1/me", headers=caller.current_headers())
            assert me.status_code == 200 and me.json()["subject_id"] == CITIZEN, me.text
            continue
        catalogue = client.get("/api/v1/catalogue", headers=caller.current_headers())
        assert catalogue.status_code == 200, (caller.name, catalogue.text)
        shown = all("your_access" in d for d in catalogue.json()["datasets"])
        assert shown is (caller.name != "public"), caller.name
