"""The citizen's pages in a real browser: a citizen signs in through the development sign-in,
reads their evidence, grants a consent in the form, sees the agency's read in "Ai đã xem dữ liệu
của tôi", revokes the consent, and the agency's next prefill through the API is refused; axe-core
on each page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page

from hub.app.wiring import Hub, build_hub
from hub.auth.tokens import Role
from hub.settings import KhoSettings
from hub.vietnam_time import vietnam_today
from tests.browser.conftest import Axe, PageProblems, ServedHub

AN = "082095000123"  # the development sign-in's sample citizen Nguyễn Văn An
RECORD_PROCEDURE = "1.000656"  # Cấp Phiếu lý lịch tư pháp: the birth certificate needs consent
EVIDENCE_ID = "KS-TRINH-DUYET-1"


@pytest.fixture
def agencies(served_hub: ServedHub) -> Iterator[dict[str, str]]:
    """Tokens of the issuing agency (vp-ubnd, producer) and of so-yt (consumer), made in a second
    hub process's view of the served hub's database."""
    hub: Hub = build_hub(KhoSettings(data_dir=served_hub.data_dir))
    try:
        yield {
            "vp-ubnd": hub.tokens.create("vp-ubnd", frozenset({Role.PRODUCER})).plaintext,
            "so-yt": hub.tokens.create("so-yt", frozenset({Role.CONSUMER})).plaintext,
        }
    finally:
        hub.close()


def _prefill(served: ServedHub, token: str) -> httpx.Response:
    return httpx.get(
        served.url(f"/api/v1/subjects/{AN}/prefill"),
        params={"procedure": RECORD_PROCEDURE},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def test_a_citizen_grants_then_revokes_a_consent_and_the_next_prefill_is_refused(
    page: Page,
    page_problems: PageProblems,
    served_hub: ServedHub,
    agencies: dict[str, str],
    axe: Axe,
) -> None:
    """Evidence, consent form, access log and revocation, each page clean under axe-core; the
    agency's prefill works while the consent holds and is refused right after it is revoked."""
    page_problems.allow("status of 422")  # the form posted empty answers 422 on purpose
    recorded = httpx.post(
        served_hub.url("/api/v1/evidence"),
        json={
            "evidence_id": EVIDENCE_ID,
            "subject_id": AN,
            "evidence_type": "giay-khai-sinh",
            "issuing_agency": "vp-ubnd",
            "issued_on": "1995-03-02",
            "attributes": {"so": "01/1995"},
        },
        headers={"Authorization": f"Bearer {agencies['vp-ubnd']}"},
        timeout=30,
    )
    assert recorded.status_code in (200, 201), recorded.text

    page.goto("/cua-toi")
    page.wait_for_url("**/dang-nhap?next=%2Fcua-toi")
    page.get_by_label("Nguyễn Văn An", exact=False).check()
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/cua-toi")
    main = page.get_by_role("main")
    assert EVIDENCE_ID in main.inner_text()
    assert "Giấy khai sinh" in main.inner_text()
    axe(page)

    page.get_by_role("banner").get_by_role("link", name="Dữ liệu của tôi").click()
    own_nav = page.get_by_role("navigation", name="Dữ liệu của tôi")
    own_nav.get_by_role("link", name="Các đồng ý của tôi").click()
    page.wait_for_url("**/cua-toi/dong-y")
    page.get_by_role("button", name="Ghi đồng ý").click()  # empty: errors by the fields
    assert page.locator("#agency-error").inner_text().startswith("Hãy chọn cơ quan")
    axe(page)
    page.get_by_label("Cơ quan được dùng giấy tờ").select_option("so-yt")
    page.get_by_label("Để làm thủ tục (mục đích)").select_option(RECORD_PROCEDURE)
    page.get_by_label("Giấy khai sinh").check()
    expires = vietnam_today() + dt.timedelta(days=30)
    page.get_by_label("Đồng ý hết hạn vào cuối ngày").fill(expires.isoformat())
    page.get_by_role("button", name="Ghi đồng ý").click()
    page.wait_for_url("**/cua-toi/dong-y?xong=cap")
    assert "Đang hiệu lực" in main.inner_text()
    axe(page)

    assert _prefill(served_hub, agencies["so-yt"]).status_code == 200
    own_nav.get_by_role("link", name="Ai đã xem dữ liệu của tôi").click()
    page.wait_for_url("**/cua-toi/ai-da-xem")
    assert "Sở Y tế" in main.inner_text()
    assert "theo đồng ý của bạn" in main.inner_text()
    axe(page)

    own_nav.get_by_role("link", name="Các đồng ý của tôi").click()
    page.get_by_role("button", name="Rút đồng ý cho Sở Y tế", exact=False).first.click()
    page.wait_for_url("**/cua-toi/dong-y?xong=rut")
    assert "Đã rút đồng ý" in main.inner_text()
    axe(page)
    refused = _prefill(served_hub, agencies["so-yt"])
    assert refused.status_code == 403
    missing = {m["evidence_type"]: m["reason"] for m in refused.json()["error"]["missing"]}
    assert missing["giay-khai-sinh"] == "consent_revoked"
