"""A steward corrects a dead letter in a real browser: so-nnmt's producer posts a salinity
reading out of range through the served hub's API; the steward of so-nnmt signs in through the
development sign-in, finds the letter under its rule, corrects it in the form (a value still out
of range first: refused by the field, nothing written), and the corrected reading appears on the
dataset's topic. axe-core runs on every dead-letter page shown, and a phone never scrolls them
sideways."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
from playwright.sync_api import Page

from hub.app.wiring import build_hub
from hub.auth.tokens import Role
from hub.bus.reading import read_all
from hub.settings import KhoSettings
from tests.browser.conftest import Axe, PageProblems, ServedHub

DATASET = "salinity.readings"
STEWARD = "quan-ly-so-nnmt"  # the development sign-in's steward of so-nnmt, the owner
ROOT = "/quan-ly/ban-ghi-loi"


def _post_bad_reading(served: ServedHub, station: str) -> str:
    """A reading with salinity 55 g/l, posted by a producer of so-nnmt in partial mode; the
    address of the dead letter it became."""
    hub = build_hub(KhoSettings(data_dir=served.data_dir))
    try:
        token = hub.tokens.create("so-nnmt", frozenset({Role.PRODUCER})).plaintext
    finally:
        hub.close()
    measured = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    reading = {
        "station_id": station,
        "station_name": "Trạm thử cửa Đại",
        "river_mouth": "cửa Đại",
        "commune_code": "28756",
        "latitude": 10.2,
        "longitude": 106.7,
        "salinity_g_per_l": 55.0,
        "measured_at": measured.isoformat(),
    }
    answer = httpx.post(
        served.url(f"/api/v1/datasets/{DATASET}/records"),
        params={"mode": "partial"},
        json=[reading],
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    (rejected,) = answer.json()["rejected"]
    kept = rejected["dead_letter"]
    return f"{kept['partition']}:{kept['offset']}"


def _readings_of(served: ServedHub, station: str) -> list[dict[str, Any]]:
    """The station's readings on the dataset's topic, read in a second hub process."""
    hub = build_hub(KhoSettings(data_dir=served.data_dir))
    try:
        decoded = (hub.decoder.decode(r.value) for r in read_all(hub.bus, DATASET))
        return [r for r in decoded if r["station_id"] == station]
    finally:
        hub.close()


def test_a_steward_corrects_a_dead_letter_and_it_reaches_the_topic(
    page: Page, page_problems: PageProblems, served_hub: ServedHub, axe: Axe
) -> None:
    """Overview, list by rule, letter and form (with a 422 on the way), each clean under axe;
    the corrected reading is on the topic once, the refused attempt wrote nothing."""
    page_problems.allow("status of 422")  # the still-wrong correction answers 422 on purpose
    station = f"THU-{uuid.uuid4().hex[:8]}"
    address = _post_bad_reading(served_hub, station)

    page.goto(ROOT)
    page.wait_for_url("**/dang-nhap?next=%2Fquan-ly%2Fban-ghi-loi")
    page.check(f'input[name="person"][value="{STEWARD}"]')
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"**{ROOT}")
    main = page.get_by_role("main")
    assert "Độ mặn phải từ 0 đến 40 g/l" in main.inner_text()
    axe(page)

    main.get_by_role("link", name="salinity_range").first.click()
    page.wait_for_url(f"**{ROOT}/{DATASET}?quy-tac=salinity_range")
    assert "mới nhất trước" in main.inner_text()
    axe(page)

    main.get_by_role("link", name=f"Bản ghi {address}", exact=True).click()
    page.wait_for_url(f"**{ROOT}/{DATASET}/{address}")
    assert "salinity_range" in main.inner_text() and station in main.inner_text()
    axe(page)

    salinity = page.locator('input[name="truong.salinity_g_per_l"]')
    assert salinity.input_value() == "55.0"
    salinity.fill("41")
    page.get_by_role("button", name="Kiểm tra và phát lại").click()
    error = page.locator(f"#{salinity.get_attribute('aria-describedby')}")
    assert error.inner_text().startswith("Độ mặn phải từ 0 đến 40 g/l")
    assert salinity.get_attribute("aria-invalid") == "true"
    assert _readings_of(served_hub, station) == []
    axe(page)

    salinity.fill("12.5")
    page.get_by_role("button", name="Kiểm tra và phát lại").click()
    page.wait_for_url(f"**{ROOT}/{DATASET}/{address}?xong=phat-lai")
    assert "Đã phát lại" in main.inner_text()
    axe(page)
    (published,) = _readings_of(served_hub, station)
    assert published["salinity_g_per_l"] == 12.5

    page.set_viewport_size({"width": 390, "height": 844})
    for path in (ROOT, f"{ROOT}/{DATASET}", f"{ROOT}/{DATASET}/{address}"):
        page.goto(path)
        sideways = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert sideways <= 0, f"{path} scrolls {sideways}px sideways on a phone"
