"""Sign-in against the real Keycloak (scripts/services/keycloak.sh, realm kho): the code flow
with PKCE through the hub's pages, refusals audited, logout ending Keycloak's session too, and
Keycloak's access tokens accepted by the API for a citizen and a member of staff."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.wiring import Hub, build_hub
from hub.audit import actions
from hub.audit.entry import AuditFilter
from hub.settings import KhoSettings
from tests.integration.keycloak_flow import (
    CITIZEN,
    HUB_BASE_URL,
    ISSUER,
    STEWARD,
    access_token,
    log_in_at_keycloak,
    secret_file,
    sign_in,
    start_signin,
)


@pytest.fixture(scope="module", autouse=True)
def keycloak_running() -> None:
    try:
        httpx.get(f"{ISSUER}/.well-known/openid-configuration", timeout=5).raise_for_status()
    except httpx.HTTPError as exc:
        pytest.fail(
            f"Keycloak does not answer at {ISSUER} ({exc}): scripts/services.sh start keycloak"
        )


@pytest.fixture
def oidc_hub(embedded_settings: KhoSettings, tmp_path: Path) -> Iterator[Hub]:
    settings = embedded_settings.model_copy(
        update={"oidc_issuer_url": ISSUER, "oidc_client_secret_file": secret_file(tmp_path)}
    )
    hub = build_hub(settings)
    yield hub
    hub.close()


@pytest.fixture
def client(oidc_hub: Hub) -> Iterator[TestClient]:
    with TestClient(build_app(oidc_hub), base_url=HUB_BASE_URL) as client:
        yield client


@pytest.fixture
def browser() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=20) as client:
        yield client


def _refusals(hub: Hub) -> list[str]:
    entries = hub.audit.query(AuditFilter(action=actions.SIGNIN_REFUSED), limit=100)
    return [str(e.details["reason"]) for e in entries]


def test_a_citizen_signs_in_with_code_and_pkce_and_lands_on_the_page_asked(
    client: TestClient, browser: httpx.Client, oidc_hub: Hub
) -> None:
    """The authorization request carries PKCE S256, state and nonce; after Keycloak's login the
    hub checks the ID token and shows the citizen by CCCD on the page asked for."""
    authorize = httpx.URL(start_signin(client, "/tai-khoan"))
    assert str(authorize).startswith(f"{ISSUER}/protocol/openid-connect/auth")
    assert authorize.params["code_challenge_method"] == "S256"
    assert authorize.params["code_challenge"] and authorize.params["nonce"]
    assert authorize.params["state"]
    callback = log_in_at_keycloak(browser, str(authorize), CITIZEN)
    done = client.get(callback.target, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == "/tai-khoan"
    cookie = done.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    page = client.get("/tai-khoan")
    assert page.status_code == 200
    assert "082095000123" in page.text
    assert "Công dân" in page.text
    assert "Đăng nhập thử" not in page.text  # no development banner with a real provider
    signins = oidc_hub.audit.query(AuditFilter(action=actions.SIGNIN), limit=10)
    assert [e.details["via"] for e in signins] == ["oidc"]


def test_a_steward_carries_agency_and_roles(client: TestClient, browser: httpx.Client) -> None:
    """A member of staff is known by the agency and roles claims of the realm."""
    assert sign_in(client, browser, STEWARD) == 303
    page = client.get("/tai-khoan")
    assert "so-nnmt" in page.text
    assert "steward" in page.text


def test_a_forged_state_is_refused_and_audited(
    client: TestClient, browser: httpx.Client, oidc_hub: Hub
) -> None:
    """A callback whose state this session never issued does not sign anyone in."""
    callback = log_in_at_keycloak(browser, start_signin(client), CITIZEN)
    forged = callback.target.replace(callback.state, "forged-state")
    answer = client.get(forged, follow_redirects=False)
    assert answer.status_code == 400
    assert "state" in answer.text
    assert client.get("/tai-khoan", follow_redirects=False).status_code == 303
    assert _refusals(oidc_hub) == ["state_mismatch"]


def test_a_replayed_callback_is_refused_and_audited(
    client: TestClient, browser: httpx.Client, oidc_hub: Hub
) -> None:
    """The same state and code a second time: the state was used up by the first."""
    callback = log_in_at_keycloak(browser, start_signin(client), CITIZEN)
    assert client.get(callback.target, follow_redirects=False).status_code == 303
    again = client.get(callback.target, follow_redirects=False)
    assert again.status_code == 400
    assert _refusals(oidc_hub) == ["state_mismatch"]


def test_a_code_keycloak_refuses_is_refused_and_audited(
    client: TestClient, browser: httpx.Client, oidc_hub: Hub
) -> None:
    """A wrong code with the right state: Keycloak's token endpoint says invalid_grant."""
    callback = log_in_at_keycloak(browser, start_signin(client), CITIZEN)
    wrong = callback.target.replace(callback.code, "not-a-code")
    answer = client.get(wrong, follow_redirects=False)
    assert answer.status_code == 400
    assert _refusals(oidc_hub) == ["code_refused"]


def test_logout_ends_the_hub_session_and_keycloaks(
    client: TestClient, browser: httpx.Client
) -> None:
    """Sign-out posts its CSRF token, ends the hub's session and sends the browser to
    Keycloak's end-session endpoint; afterwards Keycloak asks for the password again."""
    assert sign_in(client, browser, CITIZEN) == 303
    form = client.get("/dang-xuat")
    # the form's redirect goes to Keycloak: the page's CSP lets the form go there, nowhere else
    policy = form.headers["content-security-policy"]
    assert (
        f"form-action 'self' {httpx.URL(ISSUER).scheme}://{httpx.URL(ISSUER).netloc.decode()}"
        in policy
    )
    token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
    out = client.post("/dang-xuat", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    end_session = httpx.URL(out.headers["location"])
    assert str(end_session).startswith(f"{ISSUER}/protocol/openid-connect/logout")
    assert end_session.params["id_token_hint"]
    assert client.get("/tai-khoan", follow_redirects=False).status_code == 303
    # the browser follows the redirect to Keycloak, which ends its SSO session
    cookies = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    ended = browser.get(str(end_session), headers={"Cookie": cookies})
    assert ended.status_code in (200, 302)
    again = browser.get(start_signin(client), headers={"Cookie": cookies})
    assert 'id="kc-form-login"' in again.text  # no silent sign-in: the session is gone


def test_the_api_accepts_keycloak_access_tokens_for_a_citizen_and_a_steward(
    client: TestClient, browser: httpx.Client
) -> None:
    """The same policy whichever way a person arrives: a citizen's token reads /api/v1/me as
    their CCCD; a steward's reaches an agency endpoint as their agency; the citizen's is refused
    there."""
    citizen = access_token(browser, CITIZEN)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {citizen}"})
    assert me.status_code == 200, me.text
    assert "082095000123" in me.text
    with httpx.Client(timeout=20) as other_browser:
        steward = access_token(other_browser, STEWARD)
    staff_on_citizen_page = client.get("/api/v1/me", headers={"Authorization": f"Bearer {steward}"})
    assert staff_on_citizen_page.status_code == 403
    audit = client.get("/api/v1/audit", headers={"Authorization": f"Bearer {steward}"})
    assert audit.status_code == 403  # a steward, not an admin: the policy's answer
    assert audit.json()["error"]["code"] == "not_admin"
    citizen_on_agency = client.get("/api/v1/audit", headers={"Authorization": f"Bearer {citizen}"})
    assert citizen_on_agency.status_code == 403


def test_a_token_for_another_audience_is_refused(
    embedded_settings: KhoSettings, tmp_path: Path, browser: httpx.Client
) -> None:
    """A hub whose client is another one refuses the realm's tokens for kho: 401 naming it."""
    token = access_token(browser, CITIZEN)
    settings = embedded_settings.model_copy(
        update={"oidc_issuer_url": ISSUER, "oidc_client_id": "another-client"}
    )
    hub = build_hub(settings)
    try:
        with TestClient(build_app(hub), base_url=HUB_BASE_URL) as other:
            answer = other.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    finally:
        hub.close()
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "wrong_audience"
