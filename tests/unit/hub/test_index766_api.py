"""The 766 index's public API on the embedded adapters: exactly the figures' shape, a later
record of a dossier replacing the earlier one in the answer within the worker's cycle, the
ranking, the monthly trend, the records behind a figure (nothing personal), and 400/404 naming
what is wrong."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.wiring import Hub
from tests.unit.index766.index_records import (
    DOSSIERS,
    FEEDBACK,
    dossier,
    feedback,
    publish,
    worker,
)

FIGURES_KEYS = {
    "unit",
    "period",
    "as_of",
    "method_version",
    "points",
    "max_points",
    "computed_max",
    "score",
    "groups",
}
GROUP_KEYS = {"id", "title", "points", "max_points", "indicators"}
INDICATOR_KEYS = {
    "id",
    "title",
    "numerator",
    "denominator",
    "ratio",
    "points",
    "max_points",
    "computed",
    "no_data",
}


@pytest.fixture
def client(embedded_hub: Hub) -> Iterator[TestClient]:
    with TestClient(build_app(embedded_hub)) as client:
        yield client


def indicator(answer: dict[str, Any], indicator_id: str) -> dict[str, Any]:
    return next(i for g in answer["groups"] for i in g["indicators"] if i["id"] == indicator_id)


def seed(hub: Hub) -> None:
    """August 2025: so-tp received 3 dossiers (one still open past its due time: late), so-xd
    received 1 on time; one feedback about so-tp."""
    publish(
        hub,
        DOSSIERS,
        [
            dossier("HS-1", agency="so-tp", finished="2025-08-05 10:00"),
            dossier("HS-2", agency="so-tp", finished="2025-08-11 17:00"),  # exactly at due
            dossier("HS-3", agency="so-tp"),  # never finished: late at the end of August
            dossier("HS-4", agency="so-xd", commune="30002", finished="2025-08-06 10:00"),
        ],
    )
    publish(hub, FEEDBACK, [feedback("PA-1", agency_code="so-tp")])
    worker(hub).drain(idle_timeout_s=5)


def test_the_figures_have_exactly_the_published_shape(
    embedded_hub: Hub, client: TestClient
) -> None:
    """The answer's keys are exactly the issue's, and on-time counts the dossier finished at
    its due time and not the one still open after it."""
    seed(embedded_hub)
    answer = client.get("/api/v1/index766", params={"unit": "agency:so-tp", "period": "2025-08"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == FIGURES_KEYS
    assert all(set(g) == GROUP_KEYS for g in body["groups"])
    assert all(set(i) == INDICATOR_KEYS for g in body["groups"] for i in g["indicators"])
    assert (body["unit"], body["period"], body["as_of"]) == (
        "agency:so-tp",
        "2025-08",
        "2025-09-01T00:00:00+07:00",
    )
    on_time = indicator(body, "progress.on_time")
    assert (on_time["numerator"], on_time["denominator"]) == (2, 3)
    assert on_time["points"] == pytest.approx(20 * 2 / 3)
    assert body["score"] == pytest.approx(body["points"] / body["computed_max"] * 100)


def test_a_later_record_replaces_the_earlier_in_the_answer_within_a_cycle(
    embedded_hub: Hub, client: TestClient
) -> None:
    """With the worker running, a dossier re-sent as finished on time turns the late count
    from 1 to 0 in the API within seconds."""
    hub = embedded_hub
    seed(hub)
    params = {"unit": "agency:so-tp", "period": "2025-08"}
    late = client.get(
        "/api/v1/index766/dossiers",
        params={**params, "indicator": "progress.on_time", "outcome": "late"},
    ).json()
    assert [item["id"] for item in late["items"]] == ["HS-3"]

    stop = threading.Event()
    running = threading.Thread(target=lambda: worker(hub).run(stop, report_every_s=60))
    running.start()
    try:
        publish(hub, DOSSIERS, [dossier("HS-3", agency="so-tp", finished="2025-08-08 09:00")])
        sent = time.monotonic()
        while time.monotonic() - sent < 10:
            body = client.get("/api/v1/index766", params=params).json()
            if indicator(body, "progress.on_time")["numerator"] == 3:
                break
            time.sleep(0.1)
        took = time.monotonic() - sent
    finally:
        stop.set()
        running.join(timeout=10)
    on_time = indicator(body, "progress.on_time")
    assert (on_time["numerator"], on_time["denominator"]) == (3, 3), f"after {took:.1f}s"
    assert took < 5


def test_the_records_behind_a_figure_carry_nothing_personal(
    embedded_hub: Hub, client: TestClient
) -> None:
    """The late dossier comes with its id, procedure and times only: no applicant field."""
    seed(embedded_hub)
    answer = client.get(
        "/api/v1/index766/dossiers",
        params={
            "unit": "province",
            "period": "2025-Q3",
            "indicator": "progress.on_time",
            "outcome": "late",
        },
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert item["id"] == "HS-3" and item["procedure_code"] == "1.001193"
    assert "applicant" not in answer.text and "082095001234" not in answer.text


def test_ranking_and_trend(embedded_hub: Hub, client: TestClient) -> None:
    """Agencies best first with their points; a trend of three months, August holding data."""
    seed(embedded_hub)
    ranking = client.get("/api/v1/index766/ranking", params={"period": "2025-08"}).json()
    assert [u["unit"] for u in ranking["units"]] == ["agency:so-xd", "agency:so-tp"]
    points = [u["points"] for u in ranking["units"]]
    assert points == sorted(points, reverse=True) and points[0] > points[1]
    assert [u["rank"] for u in ranking["units"]] == [1, 2]
    communes = client.get(
        "/api/v1/index766/ranking", params={"period": "2025-08", "level": "commune"}
    ).json()
    assert {u["unit"] for u in communes["units"]} == {"commune:30001", "commune:30002"}

    trend = client.get(
        "/api/v1/index766/trend",
        params={"unit": "agency:so-tp", "from": "2025-07", "to": "2025-09"},
    )
    assert trend.status_code == 200, trend.text
    months = trend.json()["months"]
    assert [m["period"] for m in months] == ["2025-07", "2025-08", "2025-09"]
    august = client.get(
        "/api/v1/index766", params={"unit": "agency:so-tp", "period": "2025-08"}
    ).json()
    assert months[1]["points"] == august["points"]


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        ("/api/v1/index766", {"unit": "tinh", "period": "2025-08"}, "unit"),
        ("/api/v1/index766", {"unit": "province", "period": "2025-13"}, "period"),
        ("/api/v1/index766", {"unit": "province"}, "period"),
        ("/api/v1/index766/ranking", {"period": "2025-08", "level": "huyen"}, "level"),
        ("/api/v1/index766/trend", {"unit": "province", "from": "2025-08", "to": "x"}, "to"),
        ("/api/v1/index766/trend", {"unit": "province", "from": "2025-09", "to": "2025-08"}, "to"),
        (
            "/api/v1/index766/dossiers",
            {"unit": "province", "period": "2025-08", "indicator": "x.y", "outcome": "late"},
            "indicator",
        ),
        (
            "/api/v1/index766/dossiers",
            {
                "unit": "province",
                "period": "2025-08",
                "indicator": "progress.on_time",
                "outcome": "lost",
            },
            "outcome",
        ),
    ],
)
def test_bad_input_is_a_400_naming_it(
    embedded_hub: Hub, client: TestClient, path: str, params: dict[str, str], parameter: str
) -> None:
    """Whatever does not parse is refused with its parameter's name, in Vietnamese."""
    seed(embedded_hub)
    answer = client.get(path, params=params)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "bad_query" and error["parameter"] == parameter


def test_an_unknown_unit_is_a_404(embedded_hub: Hub, client: TestClient) -> None:
    """A well-formed agency no dossier names is not found, on every endpoint that takes one."""
    seed(embedded_hub)
    for path, extra in (
        ("/api/v1/index766", {"period": "2025-08"}),
        ("/api/v1/index766/trend", {"from": "2025-08", "to": "2025-08"}),
    ):
        answer = client.get(path, params={"unit": "agency:so-khong-co", **extra})
        assert answer.status_code == 404, answer.text
        assert "so-khong-co" in answer.json()["error"]["message"]
