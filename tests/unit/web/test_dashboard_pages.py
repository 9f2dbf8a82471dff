"""The 766 dashboard's pages on the embedded adapters, against the API over the same reader: the
same figures, ranking and records behind a figure; the records lacking for full points; the
Vietnamese 404 page for an unknown unit, period, indicator or outcome; what a user typed is
escaped; an empty index says so."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import pytest
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.web.templating import vn_number
from hub.app.wiring import Hub
from tests.unit.index766.index_records import (
    DOSSIERS,
    FEEDBACK,
    dossier,
    feedback,
    publish,
    worker,
)


@pytest.fixture
def client(embedded_hub: Hub) -> Iterator[TestClient]:
    with TestClient(build_app(embedded_hub)) as client:
        yield client


@pytest.fixture
def seeded(embedded_hub: Hub) -> Hub:
    """August 2025: so-tp received 3 dossiers (HS-3 still open past its due time: late), so-xd
    1 on time in commune 30002; one feedback about so-tp."""
    publish(
        embedded_hub,
        DOSSIERS,
        [
            dossier("HS-1", agency="so-tp", finished="2025-08-05 10:00"),
            dossier("HS-2", agency="so-tp", finished="2025-08-11 17:00"),
            dossier("HS-3", agency="so-tp"),
            dossier("HS-4", agency="so-xd", commune="30002", finished="2025-08-06 10:00"),
        ],
    )
    publish(embedded_hub, FEEDBACK, [feedback("PA-1", agency_code="so-tp")])
    worker(embedded_hub).drain(idle_timeout_s=5)
    return embedded_hub


def row(html: str, indicator: str) -> str:
    """The table row of one indicator on a unit page."""
    match = re.search(rf'<tr data-indicator="{re.escape(indicator)}">(.*?)</tr>', html, re.S)
    assert match, f"no row for {indicator}"
    return match[1]


def cell(row_html: str, name: str) -> str:
    match = re.search(rf'<td class="num {name}"[^>]*>(.*?)</td>', row_html, re.S)
    assert match, f"no {name} cell"
    return unescape(match[1]).strip()


def test_a_unit_page_shows_the_api_figures_of_every_indicator(
    seeded: Hub, client: TestClient
) -> None:
    """Each indicator's numerator, denominator and points on so-tp's page equal the API's."""
    page = client.get("/chi-so-766/co-quan/so-tp", params={"period": "2025-08"})
    assert page.status_code == 200, page.text
    api = client.get("/api/v1/index766", params={"unit": "agency:so-tp", "period": "2025-08"})
    for group in api.json()["groups"]:
        for indicator in group["indicators"]:
            shown = row(page.text, indicator["id"])
            assert cell(shown, "numerator") == vn_number(indicator["numerator"], 0)
            assert cell(shown, "denominator") == vn_number(indicator["denominator"], 0)
            points = f"{vn_number(indicator['points'], 2)}/{vn_number(indicator['max_points'], 2)}"
            assert cell(shown, "points") == points


def test_a_weak_indicator_links_its_late_dossiers_and_says_what_full_points_take(
    seeded: Hub, client: TestClient
) -> None:
    """so-tp: 1 dossier late of 3, so 1 more on time would give full points; the link opens
    the drill-down listing exactly HS-3, as the API does."""
    page = client.get("/chi-so-766/co-quan/so-tp", params={"period": "2025-08"}).text
    on_time = row(page, "progress.on_time")
    assert "1 hồ sơ trễ hạn" in on_time
    assert "Cần thêm 1 hồ sơ đúng hạn để đạt đủ điểm" in on_time
    link = re.search(r'href="([^"]*outcome=late[^"]*)"', on_time)
    assert link
    behind = client.get(unescape(link[1]))
    assert behind.status_code == 200
    listed = re.findall(r'<tr data-id="([^"]+)">', behind.text)
    api = client.get(
        "/api/v1/index766/dossiers",
        params={
            "unit": "agency:so-tp",
            "period": "2025-08",
            "indicator": "progress.on_time",
            "outcome": "late",
        },
    ).json()
    assert listed == [item["id"] for item in api["items"]] == ["HS-3"]
    assert "082095001234" not in behind.text and "Nguyễn Văn An" not in behind.text


def test_the_dashboard_ranks_as_the_api_with_the_province_score(
    seeded: Hub, client: TestClient
) -> None:
    """Agencies in the API's order with its points; communes on their own URL; the province's
    points as the API gives them."""
    page = client.get("/chi-so-766", params={"period": "2025-08"}).text
    ranking = client.get("/api/v1/index766/ranking", params={"period": "2025-08"}).json()
    shown = re.findall(r'<tr data-unit="([^"]+)">', page)
    assert shown == [u["unit"] for u in ranking["units"]] == ["agency:so-xd", "agency:so-tp"]
    province = client.get("/api/v1/index766", params={"unit": "province", "period": "2025-08"})
    assert f'<span class="points">{vn_number(province.json()["points"], 2)}</span>' in page
    communes = client.get("/chi-so-766", params={"period": "2025-08", "level": "commune"}).text
    assert re.findall(r'<tr data-unit="([^"]+)">', communes) == [
        "commune:30002",
        "commune:30001",
    ]


def test_the_latest_month_is_shown_when_no_period_is_asked(seeded: Hub, client: TestClient) -> None:
    """/chi-so-766 alone shows August 2025, the month of the latest dossier."""
    page = client.get("/chi-so-766")
    assert page.status_code == 200
    assert "Chỉ số 766 · Tháng 8/2025" in page.text


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/chi-so-766/co-quan/so-khong-co", {"period": "2025-08"}),
        ("/chi-so-766/huyen/so-tp", {}),
        ("/chi-so-766", {"period": "2025-13"}),
        ("/chi-so-766", {"period": "1999-01"}),
        ("/chi-so-766", {"level": "huyen"}),
        ("/chi-so-766/tinh/ho-so", {"period": "2025-08", "indicator": "x.y", "outcome": "late"}),
        (
            "/chi-so-766/tinh/ho-so",
            {"period": "2025-08", "indicator": "progress.on_time", "outcome": "paid"},
        ),
        (
            "/chi-so-766/tinh/ho-so",
            {"period": "2025-08", "indicator": "progress.on_time", "outcome": "late", "trang": "9"},
        ),
        (  # a superscript two is a digit to str.isdigit, not to int()
            "/chi-so-766/tinh/ho-so",
            {"period": "2025-08", "indicator": "progress.on_time", "outcome": "late", "trang": "²"},
        ),
    ],
)
def test_an_unknown_unit_period_indicator_or_page_is_the_404_page(
    seeded: Hub, client: TestClient, path: str, params: dict[str, str]
) -> None:
    """Each answers 404 with the Vietnamese page and its way back, never JSON."""
    answer = client.get(path, params=params)
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "Không tìm thấy trang" in answer.text and 'href="/"' in answer.text


def test_a_script_typed_into_the_period_is_escaped(seeded: Hub, client: TestClient) -> None:
    """The period a user typed is shown back as text, never as markup."""
    answer = client.get("/chi-so-766", params={"period": '"><script>alert(1)</script>'})
    assert answer.status_code == 404
    assert "<script>alert(1)</script>" not in answer.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text


def test_an_empty_index_says_so(client: TestClient) -> None:
    """Before any dossier, the dashboard and a unit page say the index is empty."""
    for path in ("/chi-so-766", "/chi-so-766/tinh"):
        answer = client.get(path)
        assert answer.status_code == 200
        assert "Chưa có hồ sơ thủ tục hành chính nào trong chỉ số" in answer.text


def test_without_the_charting_library_the_page_keeps_its_tables(
    seeded: Hub, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When scripts/web-assets.sh has not installed uPlot, the page links no chart script
    (no 404 in the browser) and still holds the trend's table."""
    from hub.app.web.templating import ENVIRONMENT

    with_charts = client.get("/chi-so-766", params={"period": "2025-08"}).text
    assert "/static/vendor/uPlot.iife.min.js" in with_charts
    monkeypatch.setitem(ENVIRONMENT.globals, "charts_available", False)
    page = client.get("/chi-so-766", params={"period": "2025-08"}).text
    assert "uPlot" not in page and "/static/charts.js" not in page
    assert '<table id="trend-table"' in page and 'data-period="2025-08"' in page
