"""Sign-in through the real Keycloak in Chromium (needs scripts/services/keycloak.sh, hence
also marked integration): a citizen asks for a page, signs in on Keycloak's form, lands on the
page with their CCCD; signing out ends Keycloak's session too, and Back shows nothing private.
Signed in the same way, a citizen revokes a consent and the agency's next prefill is refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route

from hub.app.wiring import build_hub
from hub.auth.tokens import Role
from hub.settings import KhoSettings
from hub.vietnam_time import vietnam_today
from tests.browser.conftest import Axe
from tests.browser.serving import HubDidNotStart, ServedHub, serve_hub
from tests.integration.keycloak_flow import CITIZEN, CLIENT_SECRET, ISSUER, KEYCLOAK_URL

pytestmark = pytest.mark.integration

RECORD_PROCEDURE = "1.000656"  # Cấp Phiếu lý lịch tư pháp: the birth certificate needs consent
HUB_PORT = 8765
"""One of the hub ports the development realm's redirect URIs name."""


@pytest.fixture(scope="module")
def keycloak_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedHub]:
    try:
        httpx.get(f"{ISSUER}/.well-known/openid-configuration", timeout=5).raise_for_status()
    except httpx.HTTPError as exc:
        pytest.fail(f"Keycloak does not answer at {ISSUER} ({exc}): scripts/services.sh start")
    folder = tmp_path_factory.mktemp("keycloak-hub")
    secret = folder / "oidc-client-secret"
    secret.write_text(CLIENT_SECRET, encoding="utf-8")
    settings = {"KHO_OIDC_ISSUER_URL": ISSUER, "KHO_OIDC_CLIENT_SECRET_FILE": str(secret)}
    try:
        with serve_hub(folder, port=HUB_PORT, settings=settings) as served:
            yield served
    except HubDidNotStart as exc:
        pytest.fail(str(exc))


@pytest.fixture
def keycloak_page(browser: Browser, keycloak_hub: ServedHub) -> Iterator[Page]:
    """A page that may go to Keycloak (the usual ``page`` fixture stops requests to another
    host); requests anywhere but the hub and Keycloak are still refused."""
    context = browser.new_context(base_url=keycloak_hub.base_url, locale="vi-VN")
    allowed = (keycloak_hub.base_url, KEYCLOAK_URL)
    outside: list[str] = []

    def only_ours(route: Route) -> None:
        if route.request.url.startswith(allowed):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_ours)
    yield context.new_page()
    context.close()
    assert outside == []


def test_a_citizen_signs_in_through_keycloak_and_out_again(
    keycloak_page: Page, keycloak_hub: ServedHub, axe: Axe
) -> None:
    """Page asked, Keycloak's login, back on the page with the CCCD; sign-out ends both
    sessions: Back shows no account, and the next sign-in asks for the password again."""
    page = keycloak_page
    page.goto("/tai-khoan")
    page.wait_for_url(f"{ISSUER}/**")
    page.fill("#username", CITIZEN[0])
    page.fill("#password", CITIZEN[1])
    page.locator("#kc-login").click()
    page.wait_for_url(f"{keycloak_hub.base_url}/tai-khoan")
    assert CITIZEN[0] in page.inner_text("main")
    assert "Đăng nhập thử" not in page.inner_text("body")
    axe(page)
    page.get_by_role("main").get_by_role("link", name="Đăng xuất").click()
    page.get_by_role("main").get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(f"{keycloak_hub.base_url}/")
    page.go_back()
    assert CITIZEN[0] not in page.inner_text("body")
    page.goto("/dang-nhap")
    page.wait_for_url(f"{ISSUER}/**")
    assert page.locator("#password").is_visible()


def test_a_citizen_signed_in_through_keycloak_revokes_a_consent_and_the_prefill_is_refused(
    keycloak_page: Page, keycloak_hub: ServedHub
) -> None:
    """The consent pages behind the real identity provider: a citizen signed in on Keycloak's
    form grants so-yt the use of their birth certificate, so-yt's prefill works, the citizen
    revokes it on the page, and so-yt's very next prefill is refused as ``consent_revoked``."""
    cccd = CITIZEN[0]
    hub = build_hub(KhoSettings(data_dir=keycloak_hub.data_dir))
    try:
        issuer = hub.tokens.create("vp-ubnd", frozenset({Role.PRODUCER})).plaintext
        reader = hub.tokens.create("so-yt", frozenset({Role.CONSUMER})).plaintext
    finally:
        hub.close()
    recorded = httpx.post(
        keycloak_hub.url("/api/v1/evidence"),
        json={
            "evidence_id": "KS-KEYCLOAK-1",
            "subject_id": cccd,
            "evidence_type": "giay-khai-sinh",
            "issuing_agency": "vp-ubnd",
            "issued_on": "1995-03-02",
            "attributes": {"so": "02/1995"},
        },
        headers={"Authorization": f"Bearer {issuer}"},
        timeout=30,
    )
    assert recorded.status_code in (200, 201), recorded.text

    def prefill() -> httpx.Response:
        return httpx.get(
            keycloak_hub.url(f"/api/v1/subjects/{cccd}/prefill"),
            params={"procedure": RECORD_PROCEDURE},
            headers={"Authorization": f"Bearer {reader}"},
            timeout=30,
        )

    page = keycloak_page
    page.goto("/cua-toi/dong-y")
    page.wait_for_url(f"{ISSUER}/**")
    page.fill("#username", CITIZEN[0])
    page.fill("#password", CITIZEN[1])
    page.locator("#kc-login").click()
    page.wait_for_url(f"{keycloak_hub.base_url}/cua-toi/dong-y")
    page.get_by_label("Cơ quan được dùng giấy tờ").select_option("so-yt")
    page.get_by_label("Để làm thủ tục (mục đích)").select_option(RECORD_PROCEDURE)
    page.get_by_label("Giấy khai sinh").check()
    expires = vietnam_today() + dt.timedelta(days=30)
    page.get_by_label("Đồng ý hết hạn vào cuối ngày").fill(expires.isoformat())
    page.get_by_role("button", name="Ghi đồng ý").click()
    page.wait_for_url("**/cua-toi/dong-y?xong=cap")
    assert prefill().status_code == 200

    page.get_by_role("button", name="Rút đồng ý cho Sở Y tế", exact=False).first.click()
    page.wait_for_url("**/cua-toi/dong-y?xong=rut")
    assert "Đã rút đồng ý" in page.get_by_role("main").inner_text()
    refused = prefill()
    assert refused.status_code == 403
    missing = {m["evidence_type"]: m["reason"] for m in refused.json()["error"]["missing"]}
    assert missing["giay-khai-sinh"] == "consent_revoked"
