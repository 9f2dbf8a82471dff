"""Sign-in through the real Keycloak in Chromium (needs scripts/services/keycloak.sh, hence
also marked integration): a citizen asks for a page, signs in on Keycloak's form, lands on the
page with their CCCD; signing out ends Keycloak's session too, and Back shows nothing private."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route

from tests.browser.conftest import Axe
from tests.browser.serving import HubDidNotStart, ServedHub, serve_hub
from tests.integration.keycloak_flow import CITIZEN, CLIENT_SECRET, ISSUER, KEYCLOAK_URL

pytestmark = pytest.mark.integration

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
