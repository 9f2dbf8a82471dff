"""Kafka restarted mid-ingest: producers keep posting batches to the hub's HTTP API (uvicorn,
the real Kafka and PostgreSQL adapters) while the broker is stopped and started again. No
request is answered 500. A batch the bus has not taken within ``ingest_answer_within_s`` (2 s
here) is answered 503 with Retry-After and goes on publishing under its renewed claim; the
client's retry with the same Idempotency-Key is told 409 in_progress until the bus took the
batch, then gets the stored answer. Afterwards every record is on the topic exactly once.

(Answering 503 by giving up on the producer's flush instead was tried: a record the request
stopped waiting for still landed after the retry had sent it again, a duplicate. The batch
therefore keeps its claim until the producer settled it.)

The broker is the session's private one (tests/private_services.py), never the shared broker.
Sizes are tuned by KHO_FAULT_KAFKA_CLIENTS, KHO_FAULT_KAFKA_BATCHES and KHO_FAULT_KAFKA_RECORDS
(per batch); ``-s`` prints the figures."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.samples.dossiers import dossier_documents
from hub.app.api import build_app
from hub.app.wiring import Hub, build_hub
from hub.auth.tokens import Role
from hub.bus.reading import read_all
from hub.settings import KhoSettings
from tests.integration.conftest import POSTGRES_URL
from tests.private_services import PrivateKafka
from tests.retrying_clients import (
    CLIENT_DEADLINE_S,
    Tally,
    batch_bodies,
    start_clients,
    wait_until_answered,
)
from tests.serving import serve_app

CLIENTS = int(os.environ.get("KHO_FAULT_KAFKA_CLIENTS", "4"))
BATCHES = int(os.environ.get("KHO_FAULT_KAFKA_BATCHES", "10"))  # per client
RECORDS = int(os.environ.get("KHO_FAULT_KAFKA_RECORDS", "25"))  # per batch
DOWN_S = float(os.environ.get("KHO_FAULT_KAFKA_DOWN_S", "1"))  # stopped at least this long
ANSWER_WITHIN_S = 2.0


@pytest.fixture
def hub(
    tmp_path: Path,
    private_broker: PrivateKafka,
    isolated_catalogue: tuple[Path, str],
) -> Iterator[Hub]:
    settings = KhoSettings(
        data_dir=tmp_path / "kho",
        bus_url=private_broker.url,
        database_url=POSTGRES_URL,
        portal_url=f"folder:{tmp_path / 'opendata'}",
        catalogue_path=isolated_catalogue[0],
        ingest_answer_within_s=ANSWER_WITHIN_S,
    )
    built = build_hub(settings)
    yield built
    built.close()


def test_kafka_restarted_mid_ingest_loses_nothing_and_never_answers_500(
    hub: Hub, private_broker: PrivateKafka, isolated_catalogue: tuple[Path, str]
) -> None:
    dataset = isolated_catalogue[1]
    entry = hub.catalogue.entry(dataset)
    token = hub.tokens.create(entry.owner, frozenset({Role.PRODUCER})).plaintext
    documents = dossier_documents(CLIENTS * BATCHES * RECORDS, seed=2323)
    expected = Counter(d["dossier_id"] for d in documents)
    assert len(expected) == len(documents)
    bodies = batch_bodies(documents, RECORDS)
    hub.bus.ensure_topic(entry.topic)
    tally = Tally()

    with serve_app(build_app(hub)) as base:
        url = f"{base}/api/v1/datasets/{dataset}/records"
        key_prefix = f"restart-{dataset}"
        threads = start_clients(url, token, bodies, tally, clients=CLIENTS, key_prefix=key_prefix)
        wait_until_answered(threads, tally, len(bodies) // 4)
        answered_before = tally.answered
        stopped_at = time.monotonic()
        private_broker.stop()
        time.sleep(DOWN_S)
        down_s = time.monotonic() - stopped_at
        start_s = private_broker.start()
        for thread in threads:
            thread.join(timeout=CLIENT_DEADLINE_S + 60)
        assert not any(t.is_alive() for t in threads)

    assert tally.unexpected == []  # no 500, no other refusal, every batch accepted
    assert tally.statuses[500] == 0
    assert tally.statuses[503] > 0  # the broker's start-up alone outlasts the answer window
    assert tally.missing_retry_after == 0
    assert answered_before < len(bodies)  # the broker went away mid-ingest
    on_topic = Counter(
        hub.decoder.decode(r.value)["dossier_id"]
        for r in read_all(hub.bus, entry.topic)
        if r.value is not None
    )
    lost = sum((expected - on_topic).values())
    duplicated = sum((on_topic - expected).values())
    assert (lost, duplicated) == (0, 0)
    print(
        f"\nKafka restarted mid-ingest: {len(documents)} records in {len(bodies)} batches by"
        f" {CLIENTS} clients; broker stopped after {answered_before} batches, down"
        f" {down_s + start_s:.1f} s ({start_s:.1f} s of it starting); answers"
        f" {dict(sorted(tally.statuses.items()))}; {tally.statuses[503]} x 503 with"
        f" Retry-After, 0 x 500; {lost} lost, {duplicated} duplicated; {len(tally.recoveries)}"
        f" batches retried, the slowest accepted {max(tally.recoveries, default=0.0):.1f} s"
        f" after its first refusal; the longest batch took {tally.longest_s:.1f} s from its"
        f" first post to its acceptance"
    )
