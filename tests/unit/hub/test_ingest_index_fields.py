"""The ingest API takes the fields schema version 2 added for the Decision 766 index, and an
older producer that omits them keeps working (the defaults are written). A dossier whose
component counts contradict each other, or a feedback resolved before it was received, goes
to the dead-letter topic with its rule."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from connectors.samples.dossiers import dossier_documents
from hub.app.api import build_app
from hub.app.wiring import Hub, build_hub
from hub.auth.tokens import Role
from hub.bus.reading import read_all
from hub.ingest.dead_letter import DeadLetter
from hub.settings import KhoSettings

DOSSIERS = "/api/v1/datasets/tthc.dossiers/records"
FEEDBACK = "/api/v1/datasets/feedback.citizen_feedback/records"
INDEX_FIELDS = (
    "synced_national",
    "result_digitised",
    "components_total",
    "components_digitised",
    "reused_components",
    "satisfaction",
)
FEEDBACK_FIELDS = ("agency_code", "dossier_id", "resolved_at", "repeat_of")


@pytest.fixture
def hub(embedded_settings: KhoSettings) -> Iterator[Hub]:
    hub = build_hub(embedded_settings)
    yield hub
    hub.close()


@pytest.fixture
def client(hub: Hub) -> TestClient:
    return TestClient(build_app(hub), raise_server_exceptions=False)


@pytest.fixture
def headers(hub: Hub) -> dict[str, str]:
    issued = hub.tokens.create("vp-ubnd", frozenset({Role.PRODUCER}))
    return {"Authorization": f"Bearer {issued.plaintext}"}


def _on_topic(hub: Hub, topic: str) -> dict[str, dict[str, Any]]:
    records = [hub.decoder.decode(r.value) for r in read_all(hub.bus, topic)]
    key = "dossier_id" if topic == "tthc.dossiers" else "feedback_id"
    return {r[key]: r for r in records}


def _letters(hub: Hub, topic: str) -> list[DeadLetter]:
    return [DeadLetter.from_bytes(r.value) for r in read_all(hub.bus, f"{topic}.dlq")]


def _feedback(number: int, **fields: Any) -> dict[str, Any]:
    return {
        "feedback_id": f"1022-250804-{number:05d}",
        "channel": "app",
        "category": "public_services",
        "commune_code": "28249",
        "text": "Nộp hồ sơ trực tuyến nhưng chưa nhận được phản hồi",
        "status": "resolved",
        "received_at": "2025-08-04T08:30:00+07:00",
        **fields,
    }


def test_the_index_fields_reach_the_topic(client: TestClient, hub: Hub, headers: Any) -> None:
    """The sample documents carry the new fields; the records on the topic keep their values."""
    documents = dossier_documents(30, seed=19)
    assert {d["satisfaction"] for d in documents} > {"none"}
    assert any(d["reused_components"] for d in documents)
    answer = client.post(DOSSIERS, json=documents, headers=headers)
    assert answer.status_code == 200, answer.text
    on_topic = _on_topic(hub, "tthc.dossiers")
    for document in documents:
        record = on_topic[document["dossier_id"]]
        assert {f: record[f] for f in INDEX_FIELDS} == {f: document[f] for f in INDEX_FIELDS}


def test_an_older_producer_omitting_the_new_fields_gets_the_defaults(
    client: TestClient, hub: Hub, headers: Any
) -> None:
    """A version 1 document (no index field) is accepted and written with the defaults."""
    documents = [
        {k: v for k, v in d.items() if k not in INDEX_FIELDS} for d in dossier_documents(5, seed=20)
    ]
    answer = client.post(DOSSIERS, json=documents, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted_count"] == 5
    for record in _on_topic(hub, "tthc.dossiers").values():
        assert {f: record[f] for f in INDEX_FIELDS} == {
            "synced_national": False,
            "result_digitised": False,
            "components_total": 0,
            "components_digitised": 0,
            "reused_components": 0,
            "satisfaction": "none",
        }


@pytest.mark.parametrize(
    ("counts", "rules"),
    [
        ({"components_total": 2, "components_digitised": 3}, {"digitised_within_total"}),
        ({"components_total": 2, "reused_components": 5}, {"reused_within_total"}),
        ({"components_digitised": 1}, {"digitised_within_total"}),  # total omitted: 0
        ({"components_total": -1}, {"components_total_not_negative"}),
        (
            {"components_total": 3, "components_digitised": -2, "reused_components": -1},
            {"components_digitised_not_negative", "reused_components_not_negative"},
        ),
    ],
)
def test_contradicting_counts_are_dead_lettered_with_their_rule(
    client: TestClient, hub: Hub, headers: Any, counts: dict[str, int], rules: set[str]
) -> None:
    """In partial mode the consistent dossier is published and the contradicting one goes to
    the DLQ, its letter naming the rule, the field and the Vietnamese message."""
    good, bad = dossier_documents(2, seed=21)
    bad = {k: v for k, v in bad.items() if not k.startswith(("components_", "reused_"))}
    bad |= counts
    answer = client.post(DOSSIERS, params={"mode": "partial"}, json=[good, bad], headers=headers)
    assert answer.status_code == 200, answer.text
    (rejected,) = answer.json()["rejected"]
    assert {e["rule"] for e in rejected["errors"]} == rules
    assert rejected["dead_letter"]["topic"] == "tthc.dossiers.dlq"
    assert list(_on_topic(hub, "tthc.dossiers")) == [good["dossier_id"]]
    (letter,) = _letters(hub, "tthc.dossiers")
    assert {v.rule for v in letter.violations} == rules
    assert json.loads(letter.original) == bad
    for violation in letter.violations:
        assert violation.path.removeprefix("$.") in counts
        assert "thành phần hồ sơ" in violation.message
        assert "không đánh giá được" not in violation.message


def test_an_atomic_batch_with_contradicting_counts_is_refused_naming_the_field(
    client: TestClient, hub: Hub, headers: Any
) -> None:
    """By default the batch is refused (422), the error pointing at the record and field."""
    documents = dossier_documents(3, seed=22)
    documents[2] |= {"components_total": 1, "components_digitised": 1, "reused_components": 2}
    answer = client.post(DOSSIERS, json=documents, headers=headers)
    assert answer.status_code == 422
    errors = [e for r in answer.json()["rejected"] for e in r["errors"]]
    assert [(e["path"], e["rule"]) for e in errors] == [
        ("$[2].reused_components", "reused_within_total")
    ]
    assert _on_topic(hub, "tthc.dossiers") == {}


def test_feedback_takes_its_new_fields_and_older_feedback_gets_nulls(
    client: TestClient, hub: Hub, headers: Any
) -> None:
    """Feedback names its agency, dossier, resolution time and repeat; without them: null."""
    linked = _feedback(
        1,
        agency_code="UBND-28249",
        dossier_id="DT-250801-00007",
        resolved_at="2025-08-12T10:00:00+07:00",
        repeat_of="1022-250720-00003",
    )
    older = _feedback(2, status="assigned")
    answer = client.post(FEEDBACK, json=[linked, older], headers=headers)
    assert answer.status_code == 200, answer.text
    on_topic = _on_topic(hub, "feedback.citizen_feedback")
    first = on_topic[linked["feedback_id"]]
    assert first["resolved_at"] == dt.datetime.fromisoformat("2025-08-12T10:00:00+07:00")
    assert (first["agency_code"], first["dossier_id"], first["repeat_of"]) == (
        "UBND-28249",
        "DT-250801-00007",
        "1022-250720-00003",
    )
    assert {f: on_topic[older["feedback_id"]][f] for f in FEEDBACK_FIELDS} == dict.fromkeys(
        FEEDBACK_FIELDS
    )


def test_feedback_resolved_before_it_was_received_is_dead_lettered(
    client: TestClient, hub: Hub, headers: Any
) -> None:
    """resolved_at earlier than received_at: the DLQ, rule resolved_not_before_received."""
    early = _feedback(3, resolved_at="2025-08-01T09:00:00+07:00")
    answer = client.post(FEEDBACK, params={"mode": "partial"}, json=[early], headers=headers)
    assert answer.status_code == 200, answer.text
    (rejected,) = answer.json()["rejected"]
    assert [(e["path"], e["rule"]) for e in rejected["errors"]] == [
        ("$[0].resolved_at", "resolved_not_before_received")
    ]
    (letter,) = _letters(hub, "feedback.citizen_feedback")
    assert letter.violations[0].message == "Thời điểm giải quyết sớm hơn thời điểm tiếp nhận"
