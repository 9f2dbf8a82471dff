"""The home page and the 766 dashboard in a real browser: each page loads cleanly and passes
axe-core, never scrolls sideways on a phone and reads without JavaScript; the pages show the
API's numbers for the province, an agency and a commune; the drill-down lists exactly the
records the API names; the trend is drawn as a chart; a salinity reading published while the
home page is open appears in it; nothing typed into the URL runs; unknown units and periods get
the Vietnamese 404 page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
from playwright.sync_api import Browser, Page

from hub.app.web.templating import vn_number
from hub.app.wiring import Hub, build_hub
from hub.settings import KhoSettings
from hub.vietnam_time import VIETNAM_TZ
from tests.browser.conftest import Axe, PageProblems
from tests.browser.pages import first_unit, latest_month
from tests.browser.serving import ServedHub

MARKER = "window.__khoInjected"
INJECTION = f'"><script>{MARKER}=1</script><img src=x onerror="{MARKER}=2">'


@pytest.fixture(scope="module")
def month(served_hub: ServedHub) -> str:
    return latest_month(served_hub)


@pytest.fixture(scope="module")
def units(served_hub: ServedHub, month: str) -> dict[str, str]:
    """The page path of the province, the best agency and the best commune of the month."""
    agency = first_unit(served_hub, "agency", month)
    commune = first_unit(served_hub, "commune", month)
    return {
        "province": f"/chi-so-766/tinh?period={month}",
        f"agency:{agency}": f"/chi-so-766/co-quan/{quote(agency)}?period={month}",
        f"commune:{commune}": f"/chi-so-766/xa/{quote(commune)}?period={month}",
    }


def dashboard_pages(month: str, units: dict[str, str]) -> list[str]:
    behind = urlencode({"period": month, "indicator": "progress.on_time", "outcome": "late"})
    return [
        "/",
        "/chi-so-766",
        "/chi-so-766?period=2025-Q3&level=commune",
        "/chi-so-766?period=2025",
        *units.values(),
        f"/chi-so-766/tinh/ho-so?{behind}",
    ]


def test_each_page_loads_cleanly_and_passes_axe(
    page: Page, axe: Axe, month: str, units: dict[str, str]
) -> None:
    """200, one h1, a title ending in "· Kho", no serious or critical accessibility violation
    (the page fixture fails on console errors and requests to other hosts)."""
    for path in dashboard_pages(month, units):
        answer = page.goto(path)
        assert answer is not None and answer.status == 200, path
        assert page.title().endswith("· Kho"), path
        assert page.get_by_role("heading", level=1).count() == 1, path
        axe(page)


def test_a_phone_never_scrolls_sideways(
    browser: Browser, served_hub: ServedHub, month: str, units: dict[str, str]
) -> None:
    """At 390 px every page is at most 390 px wide: wide tables scroll inside their box."""
    context = browser.new_context(
        base_url=served_hub.base_url, viewport={"width": 390, "height": 844}
    )
    phone = context.new_page()
    try:
        for path in dashboard_pages(month, units):
            phone.goto(path)
            width = phone.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 390, f"{path} is {width} px wide"
    finally:
        context.close()


def api_figures(served_hub: ServedHub, unit: str, month: str) -> dict[str, Any]:
    answer = served_hub.api("/api/v1/index766", unit=unit, period=month)
    assert answer.status_code == 200, answer.text
    figures: dict[str, Any] = answer.json()
    return figures


def test_the_unit_pages_show_the_api_numbers(
    page: Page, served_hub: ServedHub, month: str, units: dict[str, str]
) -> None:
    """For the province, an agency and a commune: the total points, and every indicator's
    numerator, denominator and points, as the API answers them."""
    for unit, path in units.items():
        figures = api_figures(served_hub, unit, month)
        page.goto(path)
        assert page.locator(".score .points").inner_text() == vn_number(figures["points"], 2)
        for group in figures["groups"]:
            for indicator in group["indicators"]:
                row = page.locator(f'tr[data-indicator="{indicator["id"]}"]')
                shown = [
                    row.locator(f"td.{name}").inner_text().split(":")[-1].strip()
                    for name in ("numerator", "denominator", "points")
                ]
                expected = [
                    vn_number(indicator["numerator"], 0),
                    vn_number(indicator["denominator"], 0),
                    f"{vn_number(indicator['points'], 2)}/{vn_number(indicator['max_points'], 2)}",
                ]
                assert shown == expected, f"{unit} {indicator['id']}"


def test_the_dashboard_ranks_as_the_api(page: Page, served_hub: ServedHub, month: str) -> None:
    """The communes of the quarter in the API's order, each with the API's points."""
    ranking = served_hub.api("/api/v1/index766/ranking", period="2025-Q3", level="commune")
    units = ranking.json()["units"]
    page.goto("/chi-so-766?period=2025-Q3&level=commune")
    rows = page.locator("#ranking tbody tr")
    assert rows.count() == len(units) > 1
    for index, unit in enumerate(units):
        row = rows.nth(index)
        assert row.get_attribute("data-unit") == unit["unit"]
        assert row.locator("td.points").inner_text() == vn_number(unit["points"], 2)


def test_the_drill_down_lists_exactly_the_records_the_api_names(
    page: Page, served_hub: ServedHub, month: str
) -> None:
    """From the province's page, the late dossiers' link opens a list of the API's ids, in its
    order, with its count in the heading."""
    page.goto(f"/chi-so-766/tinh?period={month}")
    page.locator('tr[data-indicator="progress.on_time"] .drill a').first.click()
    page.wait_for_url(re.compile(r".*/chi-so-766/tinh/ho-so\?.*outcome=late.*"))
    api = served_hub.api(
        "/api/v1/index766/dossiers",
        unit="province",
        period=month,
        indicator="progress.on_time",
        outcome="late",
    ).json()
    assert api["count"] > 0
    listed = page.locator("#behind tbody tr").evaluate_all(
        "rows => rows.map(r => r.getAttribute('data-id'))"
    )
    assert listed == [item["id"] for item in api["items"]]
    assert page.locator(".behind-count").inner_text() == vn_number(api["count"], 0)


def test_the_trend_is_drawn_and_the_tables_read_without_javascript(
    page: Page, browser: Browser, served_hub: ServedHub
) -> None:
    """With JavaScript the trend table gets a chart (a canvas); without it the same table and
    ranking are there, and no chart."""
    page.goto("/chi-so-766")
    page.locator(".chart canvas").wait_for()
    rows = page.locator("#trend-table tbody tr").count()
    assert rows >= 2
    context = browser.new_context(base_url=served_hub.base_url, java_script_enabled=False)
    plain = context.new_page()
    try:
        plain.goto("/chi-so-766")
        assert plain.locator("#trend-table tbody tr").count() == rows
        assert plain.locator("#ranking tbody tr").count() > 0
        assert plain.locator(".chart canvas").count() == 0
    finally:
        context.close()


@pytest.fixture
def writer_hub(served_hub: ServedHub) -> Iterator[Hub]:
    """A second hub process's view of the served hub's embedded bus and database, to publish
    records the served hub then reads, as a connector would."""
    hub = build_hub(KhoSettings(data_dir=served_hub.data_dir))
    yield hub
    hub.close()


def test_a_new_salinity_reading_appears_live_on_the_home_page(page: Page, writer_hub: Hub) -> None:
    """A reading published after the page loaded replaces its station's row within seconds,
    through the dataset's server-sent events."""
    page.goto("/")
    page.get_by_text("Đang theo dõi trực tiếp").wait_for()
    row = page.locator("#salinity tbody tr").first
    station = row.get_attribute("data-station")
    assert station
    writer = writer_hub.writer("salinity.readings")
    measured = dt.datetime.now(VIETNAM_TZ).replace(second=0, microsecond=0)
    writer.publish(
        [
            writer.message(
                {
                    "station_id": station,
                    "station_name": row.locator(".station-name").inner_text(),
                    "river_mouth": row.locator(".station-mouth").inner_text(),
                    "commune_code": "28660",
                    "latitude": 10.3,
                    "longitude": 106.6,
                    "salinity_g_per_l": 12.34,
                    "measured_at": measured,
                }
            )
        ]
    )
    value = page.locator(f'#salinity tr[data-station="{station}"] .salinity-value')
    page.wait_for_function(
        "(cell) => cell.textContent.trim() === '12,34'", arg=value.element_handle(), timeout=15_000
    )
    shown = page.locator(f'#salinity tr[data-station="{station}"] .measured-at').inner_text()
    assert shown == measured.strftime("%d/%m/%Y %H:%M")


@pytest.mark.parametrize(
    "path",
    [
        "/chi-so-766?period=" + quote(INJECTION),
        "/chi-so-766/co-quan/" + quote(INJECTION, safe=""),
        "/chi-so-766/tinh/ho-so?indicator=" + quote(INJECTION) + "&outcome=late",
    ],
)
def test_what_is_typed_into_the_url_never_runs(
    page: Page, page_problems: PageProblems, path: str
) -> None:
    """A script or an onerror attribute in a query parameter or the path is shown as text (or
    not at all) and never runs; the page is the 404 page."""
    page_problems.allow("status of 404")
    answer = page.goto(path)
    assert answer is not None and answer.status == 404
    assert page.evaluate(f"() => {MARKER} === undefined")
    assert page.locator("img[src=x]").count() == 0


@pytest.mark.parametrize(
    "path",
    ["/chi-so-766/co-quan/KHONG-CO-DON-VI", "/chi-so-766/xa/99999", "/chi-so-766?period=2025-13"],
)
def test_unknown_units_and_periods_get_the_404_page(
    page: Page, page_problems: PageProblems, axe: Axe, path: str
) -> None:
    """404, "Không tìm thấy trang", and a link back to the dashboard that works."""
    page_problems.allow("status of 404")
    answer = page.goto(path)
    assert answer is not None and answer.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Không tìm thấy trang"
    axe(page)
    page.get_by_role("link", name="Xem chỉ số 766").click()
    page.wait_for_url("**/chi-so-766")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Chỉ số 766")


def test_every_page_weighs_under_300_kb_without_cache(
    served_hub: ServedHub, month: str, units: dict[str, str]
) -> None:
    """The HTML plus every stylesheet and script it links, fetched fresh, is under 300 KB."""
    for path in dashboard_pages(month, units):
        html = httpx.get(served_hub.url(path), timeout=30)
        assets = set(re.findall(r'(?:href|src)="(/static/[^"?]+)', html.text))
        assert any(a.endswith(".css") for a in assets), path
        weight = len(html.content) + sum(
            len(httpx.get(served_hub.url(asset), timeout=30).content) for asset in assets
        )
        assert weight < 300 * 1024, f"{path} weighs {weight / 1024:.0f} KB"
