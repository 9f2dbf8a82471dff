"""The sign-in's foundation on the embedded defaults: the development sign-in, the signed
session cookie, CSRF on every form, the way back to the page asked for, an ended session, and
the refusal to run the development sign-in anywhere but on the embedded defaults."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.web.people import session as session_module
from hub.app.web.people.configuration import SignInMode, signin_settings
from hub.app.web.people.next_path import local_path
from hub.app.wiring import Hub, build_hub
from hub.audit import actions
from hub.audit.entry import AuditFilter
from hub.errors import ConfigurationError
from hub.settings import KhoSettings

POSTGRES = "postgresql://kho:kho@127.0.0.1:1/kho"  # never connected to: settings only


@pytest.fixture
def client(embedded_hub: Hub) -> Iterator[TestClient]:
    with TestClient(build_app(embedded_hub), follow_redirects=False) as client:
        yield client


def _form_field(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found is not None, f"no {name} field"
    return found.group(1)


def _sign_in(client: TestClient, person: str, wanted: str = "/tai-khoan") -> str:
    page = client.get("/dang-nhap", params={"next": wanted})
    answer = client.post(
        "/dang-nhap",
        data={"person": person, "next": wanted, "csrf_token": _form_field(page.text, "csrf_token")},
    )
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def _audited(hub: Hub, action: str) -> list[dict[str, object]]:
    return [e.details for e in hub.audit.query(AuditFilter(action=action), limit=100)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/tai-khoan?x=1", "/tai-khoan?x=1"),
        ("/du-lieu#phan", "/du-lieu#phan"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("tai-khoan", "/"),
        ("/a\r\nLocation: x", "/"),
        ("", "/"),
        (None, "/"),
        ("/" + "a" * 3000, "/"),
    ],
)
def test_next_is_a_path_on_this_hub_only(value: str | None, expected: str) -> None:
    """Only local paths survive; another site, a scheme-relative URL or a header break is home."""
    assert local_path(value) == expected


def test_an_anonymous_visitor_is_sent_to_sign_in_and_back(
    client: TestClient, embedded_hub: Hub
) -> None:
    """A page that needs a person redirects to /dang-nhap with the page in next; after the
    development sign-in the visitor lands on that page, signed in, and it is audited."""
    asked = client.get("/tai-khoan?tab=1")
    assert asked.status_code == 303
    assert asked.headers["location"] == "/dang-nhap?next=%2Ftai-khoan%3Ftab%3D1"
    assert _sign_in(client, "cong-dan-082095000123", "/tai-khoan?tab=1") == "/tai-khoan?tab=1"
    page = client.get("/tai-khoan?tab=1")
    assert page.status_code == 200
    assert "082095000123" in page.text and "Nguyễn Văn An" in page.text
    assert _audited(embedded_hub, actions.SIGNIN) == [{"kind": "citizen", "via": "development"}]


def test_a_posted_next_to_another_site_lands_home(client: TestClient) -> None:
    """A next edited in the form to point elsewhere is replaced by the home page."""
    assert _sign_in(client, "quan-tri", "https://evil.example/") == "/"


def test_the_development_sign_in_lists_sample_people_under_a_banner(client: TestClient) -> None:
    """The page offers the sample citizens, a steward per catalogue agency and the admin, and
    every page says plainly that this is the development sign-in."""
    page = client.get("/dang-nhap")
    assert page.status_code == 200
    assert "Đăng nhập thử (môi trường phát triển)" in page.text
    assert 'value="cong-dan-082195000123"' in page.text
    assert 'value="quan-ly-so-nnmt"' in page.text
    assert 'value="quan-tri"' in page.text
    home = client.get("/")
    assert "Đăng nhập thử (môi trường phát triển)" in home.text
    assert 'href="/dang-nhap?next=/"' in home.text or "/dang-nhap?next=%2F" in home.text


def test_a_staff_member_carries_agency_and_roles(client: TestClient) -> None:
    """The steward of an agency is shown with the agency and the roles of the policy."""
    _sign_in(client, "quan-ly-so-nnmt")
    page = client.get("/tai-khoan")
    assert "so-nnmt" in page.text and "steward" in page.text
    assert "Đăng xuất" in page.text


def test_an_unknown_sample_person_is_a_page_naming_the_field(
    client: TestClient, embedded_hub: Hub
) -> None:
    """A person the list does not have is refused, named, and audited."""
    page = client.get("/dang-nhap")
    answer = client.post(
        "/dang-nhap", data={"person": "ai-do", "csrf_token": _form_field(page.text, "csrf_token")}
    )
    assert answer.status_code == 400
    assert "Trường person" in answer.text
    assert _audited(embedded_hub, actions.SIGNIN_REFUSED)[0]["reason"] == "unknown_sample_person"


def test_a_form_without_its_csrf_token_is_403(client: TestClient, embedded_hub: Hub) -> None:
    """Posting the sign-in or the sign-out without the session's token, or with a made-up one,
    is a 403 page; nobody is signed in or out."""
    client.get("/dang-nhap")  # the session and its token exist
    missing = client.post("/dang-nhap", data={"person": "quan-tri"})
    assert missing.status_code == 403
    assert "csrf_token" in missing.text
    forged = client.post("/dang-nhap", data={"person": "quan-tri", "csrf_token": "x" * 43})
    assert forged.status_code == 403
    assert client.get("/tai-khoan").status_code == 303
    _sign_in(client, "quan-tri")
    assert client.post("/dang-xuat", data={}).status_code == 403
    assert client.get("/tai-khoan").status_code == 200
    reasons = [d["reason"] for d in _audited(embedded_hub, actions.SIGNIN_REFUSED)]
    assert reasons == ["csrf_token", "csrf_token", "csrf_token"]


def test_another_sessions_csrf_token_is_refused(embedded_hub: Hub) -> None:
    """The token is the session's own: one taken from another visitor's page does not pass."""
    app = build_app(embedded_hub)
    with (
        TestClient(app, follow_redirects=False) as one,
        TestClient(app, follow_redirects=False) as two,
    ):
        token = _form_field(one.get("/dang-nhap").text, "csrf_token")
        two.get("/dang-nhap")
        answer = two.post("/dang-nhap", data={"person": "quan-tri", "csrf_token": token})
    assert answer.status_code == 403


def test_the_session_cookie_is_signed_httponly_and_lax(client: TestClient) -> None:
    """The cookie is HttpOnly and SameSite=Lax, not Secure over plain http; a tampered cookie
    signs nobody in."""
    page = client.get("/dang-nhap")
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("kho_session=")
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()
    _sign_in(client, "quan-tri")
    value = client.cookies["kho_session"]
    payload, _, signature = value.partition(".")
    tampered = base64.b64encode(
        base64.b64decode(payload).replace(b"quan-tri", b"quan-trj")
    ).decode()
    client.cookies.clear()
    client.cookies.set("kho_session", f"{tampered}.{signature}")
    assert client.get("/tai-khoan").status_code == 303


def test_the_cookie_is_secure_when_told(embedded_settings: KhoSettings) -> None:
    """KHO_SESSION_COOKIE_SECURE=true marks the cookie Secure (served over https)."""
    hub = build_hub(embedded_settings.model_copy(update={"session_cookie_secure": True}))
    try:
        with TestClient(build_app(hub), base_url="https://testserver") as client:
            cookie = client.get("/dang-nhap").headers["set-cookie"]
    finally:
        hub.close()
    assert "secure" in cookie.lower()


def test_sign_out_ends_the_session(client: TestClient, embedded_hub: Hub) -> None:
    """The sign-out form ends the session; the page then asks to sign in again."""
    _sign_in(client, "quan-ly-vp-ubnd")
    form = client.get("/dang-xuat")
    out = client.post("/dang-xuat", data={"csrf_token": _form_field(form.text, "csrf_token")})
    assert out.status_code == 303 and out.headers["location"] == "/"
    assert client.get("/tai-khoan").status_code == 303
    assert _audited(embedded_hub, actions.SIGNOUT) == [{"kind": "staff"}]


def test_an_ended_session_goes_to_sign_in_then_back(
    embedded_settings: KhoSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the session's time is over the page sends the person to sign in (saying why, and
    auditing it) and then back to the page wanted. The session clock is moved forward: time
    passing is the one thing a test cannot wait for."""
    hub = build_hub(embedded_settings.model_copy(update={"session_max_age_s": 600}))
    try:
        with TestClient(build_app(hub), follow_redirects=False) as client:
            _sign_in(client, "cong-dan-082195000123")
            assert client.get("/tai-khoan").status_code == 200
            later = session_module._now() + 601
            monkeypatch.setattr(session_module, "_now", lambda: later)
            asked = client.get("/tai-khoan?x=2")
            assert asked.status_code == 303
            assert asked.headers["location"] == "/dang-nhap?next=%2Ftai-khoan%3Fx%3D2"
            notice = client.get(asked.headers["location"])
            assert "Phiên đăng nhập đã hết hạn" in notice.text
            assert _sign_in(client, "cong-dan-082195000123", "/tai-khoan?x=2") == "/tai-khoan?x=2"
            assert client.get("/tai-khoan?x=2").status_code == 200
        reasons = [d["reason"] for d in _audited(hub, actions.SIGNIN_REFUSED)]
    finally:
        hub.close()
    assert reasons == ["session_expired"]


def test_the_development_sign_in_refuses_to_start_outside_the_embedded_defaults(
    embedded_settings: KhoSettings,
) -> None:
    """Asked for with a PostgreSQL database, the hub stops at start with one line naming the
    setting."""
    settings = embedded_settings.model_copy(
        update={"database_url": POSTGRES, "development_signin": True}
    )
    with pytest.raises(ConfigurationError, match="KHO_DEVELOPMENT_SIGNIN") as refused:
        signin_settings(settings)
    assert "\n" not in str(refused.value)


def test_the_app_is_not_built_with_an_unsafe_sign_in(embedded_hub: Hub) -> None:
    """build_app itself refuses: the check runs before anything is served."""
    embedded_hub.settings = embedded_hub.settings.model_copy(
        update={"bus_url": "kafka://127.0.0.1:1", "development_signin": True}
    )
    with pytest.raises(ConfigurationError, match="KHO_DEVELOPMENT_SIGNIN"):
        build_app(embedded_hub)


def test_modes_follow_the_settings(embedded_settings: KhoSettings) -> None:
    """Embedded: development; an issuer: OpenID Connect; neither: off. An issuer outside the
    embedded defaults needs the session secret file, named."""
    assert signin_settings(embedded_settings).mode is SignInMode.DEVELOPMENT
    with_issuer = embedded_settings.model_copy(update={"oidc_issuer_url": "http://idp/realms/kho/"})
    chosen = signin_settings(with_issuer)
    assert chosen.mode is SignInMode.OIDC and chosen.issuer == "http://idp/realms/kho"
    production = embedded_settings.model_copy(update={"database_url": POSTGRES})
    assert signin_settings(production).mode is SignInMode.OFF
    no_secret = production.model_copy(update={"oidc_issuer_url": "http://idp/realms/kho"})
    with pytest.raises(ConfigurationError, match="KHO_SESSION_SECRET_FILE"):
        signin_settings(no_secret)
