"""The development sign-in in a real browser: the page under its banner, choosing a sample
person, the account page, signing out, and Back afterwards showing nothing private."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.conftest import Axe


def test_a_steward_signs_in_sees_their_account_and_signs_out(page: Page, axe: Axe) -> None:
    """From a page that needs a person to the development sign-in and back, then sign-out; Back
    after it shows the sign-in again, not the steward's account."""
    page.goto("/tai-khoan")
    page.wait_for_url("**/dang-nhap?next=%2Ftai-khoan")
    assert "Đăng nhập thử (môi trường phát triển)" in page.inner_text("body")
    axe(page)
    page.get_by_label("Cán bộ quản lý dữ liệu, Sở Nông nghiệp", exact=False).check()
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/tai-khoan")
    assert "so-nnmt" in page.inner_text("main")
    axe(page)
    page.get_by_role("main").get_by_role("link", name="Đăng xuất").click()
    page.wait_for_url("**/dang-xuat")
    page.get_by_role("main").get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(lambda url: url.endswith("/"))
    assert "Đăng nhập" in page.inner_text("header")
    page.go_back()
    assert "so-nnmt" not in page.inner_text("body")
