"""The corpus through the staff pages' correction form (``/quan-ly/ban-ghi-loi/.../sua``): each
bad value a steward could type into a salinity reading's field is replayed onto the topic
(303) or shown again with the rule by its field (422), never a 500; text typed into a field
that is not text is read as JSON, so JSON nested too deep is among them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from hub.app.wiring import Hub
from hub.auth.tokens import Role
from hub.bus.reading import read_all
from tests.corpus.inputs import bad_values
from tests.corpus.tally import Tally
from tests.unit.web.staff.staff_visit import StaffVisit, staff_visit, steward

DATASET = "salinity.readings"
ROOT = "/quan-ly/ban-ghi-loi"
FIELDS = {
    "text": "station_name",
    "key": "station_id",
    "number": "salinity_g_per_l",
    "code": "commune_code",
}
DEEP = "[" * 100_000 + "]" * 100_000
REFUSED_HERE = {"oversized-text"}
"""0.6 MB of "Đ" is 1.8 MB URL-encoded: over Starlette's 1 MiB for a form field, a 400."""


@pytest.fixture
def visit(embedded_hub: Hub) -> Iterator[StaffVisit]:
    yield from staff_visit(embedded_hub)


def _reading(number: int) -> dict[str, Any]:
    measured = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    return {
        "station_id": f"TIEU-{number:03d}",
        "station_name": "Trạm cửa Tiểu",
        "river_mouth": "cửa Tiểu",
        "commune_code": "28756",
        "latitude": 10.27,
        "longitude": 106.75,
        "salinity_g_per_l": 55.0,  # out of range: each is a dead letter to correct
        "measured_at": measured.isoformat(),
    }


def _letters(visit: StaffVisit, count: int) -> list[str]:
    token = visit.hub.tokens.create("so-nnmt", frozenset({Role.PRODUCER})).plaintext
    with TestClient(visit.client.app) as api:
        answer = api.post(
            f"/api/v1/datasets/{DATASET}/records",
            params={"mode": "partial"},
            json=[_reading(i) for i in range(count)],
            headers={"Authorization": f"Bearer {token}"},
        )
    assert answer.json()["rejected_count"] == count
    return [str(v.address) for v in visit.hub.steward_desk(DATASET).letters().letters]


def _form(html: str) -> dict[str, str]:
    return {
        name: value.replace("&#34;", '"').replace("&amp;", "&")
        for name, value in re.findall(r'name="(truong\.[^"]+)" value="([^"]*)"', html)
    }


@pytest.mark.usefixtures("no_tracebacks")
def test_values_typed_into_the_correction_form(visit: StaffVisit, tally: Tally) -> None:
    """Each bad value a form can carry (a browser sends no lone surrogate), and JSON nested
    too deep in a number's field: 303 and on the topic, or 422 naming the field's rule."""
    cases = [
        (v.name, FIELDS[v.target], v.cell_text(), "refused" if v.name in REFUSED_HERE else v.expect)
        for v in bad_values()
    ]
    cases = [c for c in cases if not re.search("[\ud800-\udfff]", c[2])]
    cases.append(("deep-json-in-a-number", "salinity_g_per_l", DEEP, "refused"))
    addresses = _letters(visit, len(cases))
    visit.sign_in(steward("so-nnmt"))
    counts = tally.path("staff correction form: values")
    wrong = []
    for (name, field, typed, expect), address in zip(cases, addresses, strict=True):
        page = f"{ROOT}/{DATASET}/{address}"
        fields = {**_form(visit.get(page).text), "truong.salinity_g_per_l": "12.5"}
        answer = visit.post_form(
            page + "/sua", {**fields, f"truong.{field}": typed}, form_page=page
        )
        assert answer.status_code in (303, 400, 413, 422), (
            name,
            answer.status_code,
            answer.text[:300],
        )
        if answer.status_code == 413:  # a field over the form's 1 MiB: the Vietnamese page
            assert "1 MB" in answer.text and "Traceback" not in answer.text
        outcome = "accepted" if answer.status_code == 303 else "refused"
        if answer.status_code == 422:
            assert f'name="truong.{field}"' in answer.text and "Traceback" not in answer.text
        counts.sent_one(outcome)  # type: ignore[arg-type]
        if outcome != expect:
            wrong.append((name, outcome))
    assert counts.adds_up()
    assert wrong == []
    on_topic = sum(1 for _ in read_all(visit.hub.bus, DATASET))
    assert on_topic == counts.outcomes["accepted"]
