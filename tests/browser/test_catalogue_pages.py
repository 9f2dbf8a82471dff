"""The open-data catalogue in a real browser: the pages load cleanly and pass axe-core, a search
typed without diacritics finds "Độ mặn", the filters work without JavaScript, nothing a user or
the catalogue typed runs as a script, and a phone never scrolls sideways."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml
from playwright.sync_api import Browser, ConsoleMessage, Page

from hub.app.api import build_app
from hub.app.wiring import build_hub
from hub.settings import KhoSettings
from tests.browser.conftest import Axe, PageProblems, ServedHub
from tests.paths import CATALOGUE_DIR
from tests.serving import serve_app

PAGES = (
    "/du-lieu",
    "/du-lieu?q=do+man&class=open",
    "/du-lieu/salinity.readings",
    "/du-lieu/tthc.dossiers",
    "/du-lieu/feedback.citizen_feedback",
)
MARKER = "window.__khoInjected"
INJECTION = f'<script>{MARKER}=1</script><img src=x onerror="{MARKER}=2">'


@pytest.mark.parametrize("path", PAGES)
def test_each_catalogue_page_loads_cleanly_and_passes_axe(page: Page, axe: Axe, path: str) -> None:
    """200, a title naming the page, and no serious or critical accessibility violation (the
    page fixture fails on console errors and requests to other hosts)."""
    answer = page.goto(path)
    assert answer is not None and answer.status == 200
    assert page.title().endswith("· Kho")
    assert page.get_by_role("heading", level=1).count() == 1
    axe(page)


def test_typing_do_man_finds_salinity_first(page: Page) -> None:
    """Typed without diacritics into the search box and sent with Enter, "do man" lists
    "Số đo độ mặn tại các cửa sông" first, at a URL of its own."""
    page.goto("/du-lieu")
    box = page.get_by_role("searchbox")
    box.fill("do man")
    box.press("Enter")
    page.wait_for_url("**/du-lieu?q=do+man*")
    first = page.locator(".dataset-list h3 a").first
    assert first.inner_text() == "Số đo độ mặn tại các cửa sông"
    first.click()
    page.wait_for_url("**/du-lieu/salinity.readings")
    assert page.get_by_role("heading", level=1).inner_text() == "Số đo độ mặn tại các cửa sông"


def test_a_filter_chosen_and_sent_without_javascript(browser: Browser, served_hub_url: str) -> None:
    """With JavaScript off, opening the filters, choosing "Dữ liệu mở" and pressing Tìm lists
    only open datasets, and the filters stay open showing the choice."""
    context = browser.new_context(base_url=served_hub_url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/du-lieu")
        page.locator("summary", has_text="Lọc theo lĩnh vực").click()  # opens the details
        page.get_by_label("Phân loại dữ liệu").select_option("open")
        page.get_by_role("button", name="Tìm").click()
        page.wait_for_url("**class=open*")
        tags = page.locator(".dataset-card .dataset-tags .tag:first-child").all_inner_texts()
        assert tags and all(tag == "Dữ liệu mở" for tag in tags)
        assert page.get_by_label("Phân loại dữ liệu").input_value() == "open"
    finally:
        context.close()


@pytest.fixture
def served_hub_url(served_hub: ServedHub) -> str:
    return served_hub.base_url


def test_a_script_typed_into_the_search_does_not_run(page: Page) -> None:
    """The script and the image's handler stay text: nothing sets the marker, no dialog opens,
    and the box and the result line show exactly what was typed."""
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto("/du-lieu")
    box = page.get_by_role("searchbox")
    box.fill(INJECTION)
    box.press("Enter")
    page.wait_for_load_state("load")
    assert page.evaluate(f"() => typeof {MARKER}") == "undefined"
    assert not dialogs
    assert page.get_by_role("searchbox").input_value() == INJECTION
    assert page.get_by_text("thẻ HTML").count() == 1


def test_an_unknown_dataset_offers_the_way_back(page: Page, page_problems: PageProblems) -> None:
    """/du-lieu/khong.co is the Vietnamese 404 page; its link leads back to the catalogue."""
    page_problems.allow("status of 404")
    answer = page.goto("/du-lieu/khong.co")
    assert answer is not None and answer.status == 404
    assert "khong.co" in page.locator("main").inner_text()
    page.get_by_role("link", name="Tìm dữ liệu mở").click()
    page.wait_for_url("**/du-lieu")


@pytest.mark.parametrize("path", ["/du-lieu", "/du-lieu/tthc.dossiers"])
def test_a_phone_never_scrolls_sideways(browser: Browser, served_hub_url: str, path: str) -> None:
    """At 390 px the page is no wider than the screen: wide tables scroll inside their box."""
    context = browser.new_context(base_url=served_hub_url, viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(path)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


@pytest.fixture(scope="module")
def tampered_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A hub served (in a thread) on a catalogue copy whose salinity title and description hold
    a script and an image with an error handler."""
    folder = tmp_path_factory.mktemp("tampered")
    catalogue = yaml.safe_load((CATALOGUE_DIR / "datasets.yaml").read_text(encoding="utf-8"))
    for entry in catalogue["datasets"]:
        if entry["id"] == "salinity.readings":
            entry["title"]["vi"] += " " + INJECTION
            entry["description"]["vi"] = f"Độ mặn {INJECTION}"
    copy = folder / "datasets.yaml"
    copy.write_text(yaml.safe_dump(catalogue, allow_unicode=True), encoding="utf-8")
    data = folder / "kho"
    hub = build_hub(
        KhoSettings(
            data_dir=data,
            bus_url=f"embedded:{data / 'bus.sqlite3'}",
            database_url=f"sqlite:///{data / 'kho.sqlite3'}",
            catalogue_path=copy,
        )
    )
    try:
        with serve_app(build_app(hub)) as url:
            yield url
    finally:
        hub.close()


@pytest.mark.parametrize("path", ["/du-lieu/salinity.readings", "/du-lieu?q=do+man"])
def test_a_script_in_a_dataset_description_does_not_run(
    browser: Browser, tampered_url: str, path: str
) -> None:
    """The injected title and description show as text; no script runs, no handler fires and
    the browser logs no error (a blocked inline script would be one)."""
    context = browser.new_context(base_url=tampered_url)
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda m: _keep_error(m, errors))
        page.on("pageerror", lambda error: errors.append(str(error)))
        answer = page.goto(path)
        assert answer is not None and answer.status == 200
        page.wait_for_load_state("load")
        assert page.evaluate(f"() => typeof {MARKER}") == "undefined"
        assert INJECTION in page.locator("main").inner_text()
        assert page.locator("main script, main img").count() == 0
        assert not errors
    finally:
        context.close()


def _keep_error(message: ConsoleMessage, errors: list[str]) -> None:
    if message.type == "error":
        errors.append(message.text)
