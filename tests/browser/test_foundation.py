"""The pages' foundation in a real browser: a clean load, the 404 page, keyboard navigation."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.conftest import Axe, PageProblems


def test_the_home_page_loads_cleanly_in_vietnamese(page: Page, axe: Axe) -> None:
    """/ loads with status 200, lang vi, a title, and no serious accessibility violation."""
    answer = page.goto("/")
    assert answer is not None and answer.status == 200
    assert page.get_attribute("html", "lang") == "vi"
    assert page.title().strip()
    axe(page)


def test_an_unknown_path_shows_the_vietnamese_404_page(
    page: Page, page_problems: PageProblems, axe: Axe
) -> None:
    """An unknown path answers 404 with a Vietnamese page linking back home."""
    page_problems.allow("status of 404")
    answer = page.goto("/khong-co-trang-nay")
    assert answer is not None and answer.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Không tìm thấy trang"
    page.get_by_role("link", name="Về trang chủ").click()
    page.wait_for_url("**/")
    axe(page)


def test_tab_reaches_the_skip_link_then_every_navigation_link(page: Page) -> None:
    """From the top of the page, Tab reaches the skip link and then each link of the header."""
    page.goto("/")
    reached = []
    for _ in range(6):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("() => document.activeElement.textContent.trim()"))
    assert reached[0] == "Bỏ qua, tới nội dung chính"
    for label in ("Trang chủ", "Chỉ số 766", "Dữ liệu mở"):
        assert label in reached
