"""The ingest API on the real engines: Kafka for the topics, PostgreSQL for tokens, the
registry and idempotency keys."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from connectors.samples.dossiers import dossier_documents
from hub.app.api import build_app
from hub.app.wiring import Hub
from hub.auth.tokens import Role
from hub.bus.reading import read_all
from hub.ingest.dead_letter import DeadLetter


def test_partial_batch_and_retry_on_kafka(
    kafka_hub: Hub, isolated_catalogue: tuple[Path, str]
) -> None:
    """Valid records reach the Kafka topic once despite a retry; the bad one is in the DLQ."""
    dataset = isolated_catalogue[1]
    entry = kafka_hub.catalogue.entry(dataset)
    client = TestClient(build_app(kafka_hub))
    token = kafka_hub.tokens.create(entry.owner, frozenset({Role.PRODUCER})).plaintext
    documents = dossier_documents(30, seed=41)
    documents[7]["commune_code"] = "99999"
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"it-{dataset}"}
    url = f"/api/v1/datasets/{dataset}/records"
    first = client.post(url, params={"mode": "partial"}, json=documents, headers=headers)
    retry = client.post(url, params={"mode": "partial"}, json=documents, headers=headers)
    assert first.status_code == retry.status_code == 200, first.text
    assert retry.json() == first.json()
    on_topic = [kafka_hub.decoder.decode(r.value) for r in read_all(kafka_hub.bus, entry.topic)]
    assert sorted(r["dossier_id"] for r in on_topic) == sorted(
        d["dossier_id"] for i, d in enumerate(documents) if i != 7
    )
    (letter,) = [DeadLetter.from_bytes(r.value) for r in read_all(kafka_hub.bus, entry.dlq_topic)]
    assert letter.violations[0].path == "$.commune_code"
    offsets = {(a["partition"], a["offset"]) for a in first.json()["accepted"]}
    assert len(offsets) == 29
