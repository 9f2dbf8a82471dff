"""Where the home page's figures come from: records shared per sector this month from the audit
log's writes, the freshest salinity reading of each station from the end of its topic, and the
newest open datasets from what the publisher recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.web.salinity_now import salinity_now
from hub.app.web.sector_counts import month_start, shared_this_month
from hub.app.wiring import Hub
from hub.audit.entry import CLI
from hub.audit.trail import record_write
from hub.vietnam_time import VIETNAM_TZ


def write(hub: Hub, dataset: str, count: int, dead_letters: int = 0) -> None:
    record_write(hub.audit, CLI, dataset, {"count": count, "dead_letters": dead_letters})


def test_records_shared_this_month_are_summed_per_sector(embedded_hub: Hub) -> None:
    """Two writes of salinity and one of crop areas make one sector of 3 + 4 + 5 records in
    two datasets; health's batch made only dead letters and is not a share."""
    write(embedded_hub, "salinity.readings", 3)
    write(embedded_hub, "salinity.readings", 4)
    write(embedded_hub, "agriculture.crop_areas", 5)
    write(embedded_hub, "health.facilities", 0, dead_letters=2)
    shares = shared_this_month(embedded_hub, dt.datetime.now(dt.UTC))
    assert [(s.sector, s.records, s.datasets) for s in shares.sectors] == [
        ("agriculture-environment", 12, 2)
    ]
    assert shares.total == 12 and shares.complete


def test_writes_of_an_earlier_month_are_not_counted(embedded_hub: Hub) -> None:
    """Counted from the first of the month in Vietnam time: next month, nothing."""
    write(embedded_hub, "salinity.readings", 3)
    next_month = month_start(dt.datetime.now(dt.UTC)) + dt.timedelta(days=40)
    assert shared_this_month(embedded_hub, next_month).sectors == []


def test_the_month_starts_at_midnight_vietnam_time() -> None:
    """17:30 UTC on 31 July is already 1 August in Vietnam."""
    start = month_start(dt.datetime(2025, 7, 31, 17, 30, tzinfo=dt.UTC))
    assert start == dt.datetime(2025, 8, 1, tzinfo=VIETNAM_TZ)


def reading(station: str, salinity: float, at: str) -> dict[str, object]:
    return {
        "station_id": station,
        "station_name": f"Trạm {station}",
        "river_mouth": "cửa Đại",
        "commune_code": "28660",
        "latitude": 10.3,
        "longitude": 106.6,
        "salinity_g_per_l": salinity,
        "measured_at": dt.datetime.fromisoformat(at).replace(tzinfo=VIETNAM_TZ),
    }


def publish_readings(hub: Hub, *readings: dict[str, object]) -> None:
    writer = hub.writer("salinity.readings")
    writer.publish([writer.message(r) for r in readings])


def test_each_station_shows_its_latest_reading(embedded_hub: Hub) -> None:
    """Two readings of A (the later wins) and one of B; the stream resumes after them."""
    publish_readings(
        embedded_hub,
        reading("A", 4.5, "2025-03-15 07:00"),
        reading("A", 5.25, "2025-03-15 08:00"),
        reading("B", 1.5, "2025-03-15 07:00"),
    )
    now = salinity_now(embedded_hub)
    assert [(r.station_id, r.salinity_g_per_l) for r in now.readings] == [("A", 5.25), ("B", 1.5)]
    assert now.stream_url is not None and "after=" in now.stream_url


@pytest.fixture
def client(embedded_hub: Hub) -> Iterator[TestClient]:
    with TestClient(build_app(embedded_hub)) as client:
        yield client


def test_the_home_page_shows_them_and_escapes_what_records_carry(
    embedded_hub: Hub, client: TestClient
) -> None:
    """A station name holding a script is shown as text; the sector table counts the write."""
    publish_readings(
        embedded_hub,
        {**reading("X", 2.0, "2025-03-15 07:00"), "station_name": "<script>alert(1)</script>"},
    )
    write(embedded_hub, "salinity.readings", 1)
    page = client.get("/")
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert 'data-sector="agriculture-environment"' in page.text
    assert "Chưa có hồ sơ thủ tục hành chính nào trong chỉ số" in page.text
