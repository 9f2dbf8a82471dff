"""The ingest API: producers post JSON batches; bad input gets a clear 4xx and is never lost."""

from __future__ import annotations

import datetime as dt
import json
import threading
import unicodedata
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from connectors.samples.dossiers import dossier_documents
from hub.app.api import build_app
from hub.app.wiring import Hub, build_hub
from hub.auth.tokens import Role
from hub.bus.reading import read_all
from hub.ingest.dead_letter import DeadLetter
from hub.settings import KhoSettings
from tests.serving import serve_app

URL = "/api/v1/datasets/tthc.dossiers/records"


@pytest.fixture
def hub(embedded_settings: KhoSettings) -> Iterator[Hub]:
    settings = embedded_settings.model_copy(
        update={"ingest_max_body_bytes": 256 * 1024, "ingest_max_records": 500}
    )
    hub = build_hub(settings)
    yield hub
    hub.close()


@pytest.fixture
def client(hub: Hub) -> TestClient:
    return TestClient(build_app(hub), raise_server_exceptions=False)


def _token(hub: Hub, agency: str = "vp-ubnd", *roles: Role) -> dict[str, str]:
    issued = hub.tokens.create(agency, frozenset(roles or (Role.PRODUCER,)))
    return {"Authorization": f"Bearer {issued.plaintext}"}


def _records_on_topic(hub: Hub, topic: str = "tthc.dossiers") -> list[dict[str, Any]]:
    return [hub.decoder.decode(r.value) for r in read_all(hub.bus, topic)]


def _letters(hub: Hub) -> list[DeadLetter]:
    return [DeadLetter.from_bytes(r.value) for r in read_all(hub.bus, "tthc.dossiers.dlq")]


def test_valid_batch_is_published_with_offsets(client: TestClient, hub: Hub) -> None:
    """Every record of a valid batch is on the topic, and the answer gives each one's offset."""
    documents = dossier_documents(20, seed=1)
    answer = client.post(URL, json=documents, headers=_token(hub))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["accepted_count"] == 20 and body["rejected"] == []
    assert sorted(a["index"] for a in body["accepted"]) == list(range(20))
    on_topic = _records_on_topic(hub)
    assert sorted(r["dossier_id"] for r in on_topic) == sorted(d["dossier_id"] for d in documents)
    first = next(r for r in on_topic if r["dossier_id"] == documents[0]["dossier_id"])
    assert first["received_at"] == dt.datetime.fromisoformat(documents[0]["received_at"])


def test_atomic_batch_with_one_bad_record_publishes_nothing(client: TestClient, hub: Hub) -> None:
    """By default one invalid record refuses the whole batch, with errors by JSON path."""
    documents = dossier_documents(5, seed=2)
    documents[3]["fee_vnd"] = "mười nghìn"
    documents[4]["nickname"] = "x"
    answer = client.post(URL, json=documents, headers=_token(hub))
    assert answer.status_code == 422
    body = answer.json()
    assert body["accepted"] == [] and body["rejected_count"] == 2
    errors = {e["path"]: e["rule"] for r in body["rejected"] for e in r["errors"]}
    assert errors == {"$[3].fee_vnd": "avro_type", "$[4].nickname": "unknown_field"}
    assert _records_on_topic(hub) == []
    assert _letters(hub) == []


def test_partial_batch_publishes_valid_and_dead_letters_invalid(
    client: TestClient, hub: Hub
) -> None:
    """In partial mode the valid records land on the topic, the invalid one in the DLQ."""
    documents = dossier_documents(4, seed=3)
    documents[1]["applicant_id_number"] = "12345"
    answer = client.post(URL, params={"mode": "partial"}, json=documents, headers=_token(hub))
    assert answer.status_code == 200
    body = answer.json()
    assert body["accepted_count"] == 3
    (rejected,) = body["rejected"]
    assert rejected["index"] == 1
    assert rejected["errors"][0]["path"] == "$[1].applicant_id_number"
    assert rejected["dead_letter"]["topic"] == "tthc.dossiers.dlq"
    assert len(_records_on_topic(hub)) == 3
    (letter,) = _letters(hub)
    assert json.loads(letter.original) == documents[1]
    assert letter.source == {"kind": "api", "name": "vp-ubnd", "position": 1}
    assert letter.violations[0].path == "$.applicant_id_number"


def test_idempotency_key_makes_a_retry_publish_nothing_twice(client: TestClient, hub: Hub) -> None:
    """The same batch posted twice with one key is published once; the retry gets the answer."""
    documents = dossier_documents(10, seed=4)
    headers = {**_token(hub), "Idempotency-Key": "lo-2025-07-01-001"}
    first = client.post(URL, json=documents, headers=headers)
    second = client.post(URL, json=documents, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(_records_on_topic(hub)) == 10


def test_idempotency_key_reused_for_another_body_is_refused(client: TestClient, hub: Hub) -> None:
    """A key cannot be reused for a different batch: 409, and nothing more is published."""
    headers = {**_token(hub), "Idempotency-Key": "k-1"}
    assert client.post(URL, json=dossier_documents(2, seed=5), headers=headers).status_code == 200
    other = client.post(URL, json=dossier_documents(3, seed=6), headers=headers)
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "key_reused"
    assert len(_records_on_topic(hub)) == 2


def test_failed_publication_releases_the_idempotency_key(
    client: TestClient, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When publishing fails, the key is released so the retry publishes (fault injected)."""
    from hub.bus.errors import BusUnavailable

    documents = dossier_documents(3, seed=7)
    headers = {**_token(hub), "Idempotency-Key": "k-retry"}
    writer = hub.writer("tthc.dossiers")
    real_publish = writer.publish

    def broker_down(messages: Any) -> Any:
        raise BusUnavailable("Kafka", "127.0.0.1:1", "injected")

    monkeypatch.setattr(writer, "publish", broker_down)
    failed = client.post(URL, json=documents, headers=headers)
    assert failed.status_code == 503
    assert failed.headers["Retry-After"] == "5"
    monkeypatch.setattr(writer, "publish", real_publish)
    retried = client.post(URL, json=documents, headers=headers)
    assert retried.status_code == 200
    assert len(_records_on_topic(hub)) == 3


def test_nfd_text_is_normalised_to_nfc(client: TestClient, hub: Hub) -> None:
    """Vietnamese typed in NFD is stored in NFC, not refused."""
    (document,) = dossier_documents(1, seed=8)
    document["applicant_name"] = unicodedata.normalize("NFD", "Nguyễn Thị Hạnh")
    answer = client.post(URL, json=[document], headers=_token(hub))
    assert answer.status_code == 200
    (stored,) = _records_on_topic(hub)
    assert stored["applicant_name"] == "Nguyễn Thị Hạnh"
    assert unicodedata.is_normalized("NFC", stored["applicant_name"])


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "missing_token"),
        ({"Authorization": "Basic abc"}, 401, "malformed_token"),
        ({"Authorization": "Bearer abc"}, 401, "malformed_token"),
        ({"Authorization": "Bearer kho_000000000000_nope"}, 401, "unknown_token"),
    ],
)
def test_bad_tokens_are_refused(
    client: TestClient, headers: dict[str, str], status: int, code: str
) -> None:
    """A missing or malformed token is a 401 naming the problem."""
    answer = client.post(URL, json=dossier_documents(1), headers=headers)
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code


def test_revoked_and_expired_tokens_are_refused(client: TestClient, hub: Hub) -> None:
    """A revoked token stops working at once; an expired one too."""
    revoked = hub.tokens.create("vp-ubnd", frozenset({Role.PRODUCER}))
    hub.tokens.revoke(revoked.token_id)
    expired = hub.tokens.create(
        "vp-ubnd", frozenset({Role.PRODUCER}), valid_for=dt.timedelta(seconds=-1)
    )
    for issued, code in ((revoked, "revoked_token"), (expired, "expired_token")):
        answer = client.post(
            URL, json=dossier_documents(1), headers={"Authorization": f"Bearer {issued.plaintext}"}
        )
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == code


def test_only_a_producer_of_the_owner_agency_may_write(client: TestClient, hub: Hub) -> None:
    """Another agency's producer, or the owner's consumer token, gets 403."""
    other = client.post(URL, json=dossier_documents(1), headers=_token(hub, "so-khcn"))
    assert other.status_code == 403 and other.json()["error"]["code"] == "not_owner"
    reader = client.post(
        URL, json=dossier_documents(1), headers=_token(hub, "vp-ubnd", Role.CONSUMER)
    )
    assert reader.status_code == 403 and reader.json()["error"]["code"] == "not_a_producer"
    assert _records_on_topic(hub) == []


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        (b'[{"dossier_id": "x",', "application/json", 400, "malformed_json"),
        (b"\xff\xfe[]", "application/json", 400, "malformed_json"),
        (b"dossier_id,x", "text/csv", 415, "unsupported_media_type"),
        (b'{"dossier_id": "x"}', "application/json", 400, "not_an_array"),
        (b"[]", "application/json", 400, "empty_batch"),
    ],
)
def test_malformed_bodies_are_refused_with_the_reason(
    client: TestClient, hub: Hub, content: bytes, content_type: str, status: int, code: str
) -> None:
    """Broken JSON, another content type, a non-array or an empty batch: a 4xx with a code."""
    answer = client.post(
        URL, content=content, headers={**_token(hub), "Content-Type": content_type}
    )
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code


def test_malformed_json_names_line_and_column(client: TestClient, hub: Hub) -> None:
    """A JSON syntax error says where it is."""
    answer = client.post(
        URL,
        content=b'[\n  {"dossier_id": }\n]',
        headers={**_token(hub), "Content-Type": "application/json"},
    )
    assert "dòng 2" in answer.json()["error"]["message"]


def test_oversized_body_is_413_with_the_limit(client: TestClient, hub: Hub) -> None:
    """A body over the byte limit is refused with 413 and the limit."""
    big = [{"dossier_id": "x" * 1000}] * 300
    answer = client.post(URL, json=big, headers=_token(hub))
    assert answer.status_code == 413
    assert answer.json()["error"]["limit"] == 256 * 1024


def test_ten_thousand_records_over_the_count_limit_is_413(embedded_settings: KhoSettings) -> None:
    """A 10,000-record batch exceeds the default 5,000-record limit: 413, nothing published."""
    hub = build_hub(embedded_settings)
    try:
        client = TestClient(build_app(hub))
        documents = dossier_documents(10_000, seed=11)
        answer = client.post(URL, json=documents, headers=_token(hub))
        assert answer.status_code == 413
        error = answer.json()["error"]
        assert (error["limit"], error["received"]) == (5000, 10_000)
        assert _records_on_topic(hub) == []
    finally:
        hub.close()


def test_unknown_dataset_and_bad_mode(client: TestClient, hub: Hub) -> None:
    """An unknown dataset is 404; an unknown mode is 400."""
    unknown = client.post(
        "/api/v1/datasets/khong.co/records", json=dossier_documents(1), headers=_token(hub)
    )
    assert unknown.status_code == 404
    bad_mode = client.post(
        URL, params={"mode": "most"}, json=dossier_documents(1), headers=_token(hub)
    )
    assert bad_mode.status_code == 400


def test_two_writers_at_once_lose_nothing(client: TestClient, hub: Hub) -> None:
    """Batches posted from four threads at once all land, each record exactly once."""
    headers = _token(hub)
    batches = [dossier_documents(50, seed=100, start=i * 50) for i in range(8)]
    answers: list[int] = []

    def post(batch: list[dict[str, Any]]) -> None:
        answers.append(client.post(URL, json=batch, headers=headers).status_code)

    threads = [threading.Thread(target=post, args=(b,)) for b in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200] * 8
    ids = [r["dossier_id"] for r in _records_on_topic(hub)]
    assert len(ids) == 400 and len(set(ids)) == 400


def test_a_first_batch_waiting_on_the_registry_holds_up_no_other_request(hub: Hub) -> None:
    """A dataset's first batch registers its schema. While the registry does not answer (the
    fault, injected by wrapping the real registry's ``register``), other requests are served:
    the registration runs off the event loop."""
    entered, released = threading.Event(), threading.Event()
    register = hub.registry.register

    def unanswered_register(subject: str, schema: str) -> int:
        entered.set()
        released.wait(20)
        return register(subject, schema)

    hub.registry.register = unanswered_register  # type: ignore[method-assign]
    documents = dossier_documents(3, seed=5)
    with serve_app(build_app(hub)) as base:
        answers: list[httpx.Response] = []
        posting = threading.Thread(
            target=lambda: answers.append(
                httpx.post(f"{base}{URL}", json=documents, headers=_token(hub), timeout=30)
            )
        )
        posting.start()
        try:
            assert entered.wait(10), "the batch never asked the registry"
            health = httpx.get(f"{base}/healthz", timeout=5)  # not behind the registration
            assert health.status_code == 200
        finally:
            released.set()
            posting.join(30)
    assert [a.status_code for a in answers] == [200]
