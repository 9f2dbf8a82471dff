"""PostgreSQL restarted under load: producers keep posting batches to the hub's HTTP API
(uvicorn, the real adapters: tokens through the async pool, Idempotency-Keys and the audit log
through the SQLAlchemy engine, records on Kafka) while the database is stopped and started
again. Requests meanwhile are answered 503 with Retry-After, never 500; the same hub process,
never restarted, serves again once the database is back (both pools take new connections), and
every record is on the topic exactly once after the clients retried with their keys.

The database is a private cluster (tests/private_services.py, scripts/services/postgres.sh on a
free port), never the shared one; the bus is the shared broker. Sizes are tuned by
KHO_FAULT_PG_CLIENTS, KHO_FAULT_PG_BATCHES and KHO_FAULT_PG_RECORDS; ``-s`` prints the figures."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from connectors.samples.dossiers import dossier_documents
from hub.app.api import build_app
from hub.app.wiring import Hub, build_hub
from hub.auth.tokens import Role
from hub.bus.reading import read_all
from hub.settings import KhoSettings
from tests.integration.conftest import KAFKA_URL
from tests.private_services import PrivatePostgres, private_postgres
from tests.retrying_clients import Tally, batch_bodies, start_clients, wait_until_answered
from tests.serving import serve_app

CLIENTS = int(os.environ.get("KHO_FAULT_PG_CLIENTS", "4"))
BATCHES = int(os.environ.get("KHO_FAULT_PG_BATCHES", "10"))  # per client
RECORDS = int(os.environ.get("KHO_FAULT_PG_RECORDS", "20"))  # per batch
DOWN_S = float(os.environ.get("KHO_FAULT_PG_DOWN_S", "3"))  # stopped this long
LEASE_S = 3.0  # the Idempotency-Key lease: a claim left by a failed request lapses this fast


@pytest.fixture
def database() -> Iterator[PrivatePostgres]:
    with private_postgres() as started:
        yield started


@pytest.fixture
def hub(
    tmp_path: Path, database: PrivatePostgres, isolated_catalogue: tuple[Path, str]
) -> Iterator[Hub]:
    settings = KhoSettings(
        data_dir=tmp_path / "kho",
        bus_url=KAFKA_URL,
        database_url=database.url,
        portal_url=f"folder:{tmp_path / 'opendata'}",
        catalogue_path=isolated_catalogue[0],
        idempotency_stale_after_s=LEASE_S,
    )
    built = build_hub(settings)
    yield built
    built.close()


def test_postgres_restarted_under_load_answers_503_and_the_hub_recovers(
    hub: Hub, database: PrivatePostgres, isolated_catalogue: tuple[Path, str]
) -> None:
    dataset = isolated_catalogue[1]
    entry = hub.catalogue.entry(dataset)
    token = hub.tokens.create(entry.owner, frozenset({Role.PRODUCER})).plaintext
    documents = dossier_documents(CLIENTS * BATCHES * RECORDS, seed=2325)
    expected = Counter(d["dossier_id"] for d in documents)
    bodies = batch_bodies(documents, RECORDS)
    hub.bus.ensure_topic(entry.topic)
    tally = Tally()

    with serve_app(build_app(hub)) as base:
        url = f"{base}/api/v1/datasets/{dataset}/records"
        key_prefix = f"pg-restart-{dataset}"
        threads = start_clients(url, token, bodies, tally, clients=CLIENTS, key_prefix=key_prefix)
        wait_until_answered(threads, tally, len(bodies) // 4)
        answered_before = tally.answered
        stopped_at = time.monotonic()
        database.stop()
        time.sleep(DOWN_S)
        database.start()
        back_at = time.monotonic()
        for thread in threads:
            thread.join(timeout=300)
        assert not any(t.is_alive() for t in threads)
        caught_up_s = time.monotonic() - back_at
        with httpx.Client(timeout=30) as http:  # the same process serves reads again
            read = http.get(
                f"{base}/api/v1/datasets/{dataset}", headers={"Authorization": f"Bearer {token}"}
            )
        assert read.status_code == 200, read.text

    assert tally.unexpected == []  # no 500, no other refusal, every batch accepted
    assert tally.statuses[500] == 0
    assert tally.statuses[503] > 0  # the restart was seen by the clients
    assert tally.missing_retry_after == 0
    assert answered_before < len(bodies)  # the database went away mid-load
    on_topic = Counter(
        hub.decoder.decode(r.value)["dossier_id"]
        for r in read_all(hub.bus, entry.topic)
        if r.value is not None
    )
    lost = sum((expected - on_topic).values())
    duplicated = sum((on_topic - expected).values())
    assert (lost, duplicated) == (0, 0)
    print(
        f"\nPostgreSQL restarted under load: {len(documents)} records in {len(bodies)} batches"
        f" by {CLIENTS} clients; stopped after {answered_before} batches, back"
        f" {back_at - stopped_at:.1f} s later; answers {dict(sorted(tally.statuses.items()))};"
        f" {tally.statuses[503]} x 503 with Retry-After, 0 x 500; {lost} lost, {duplicated}"
        f" duplicated; every batch accepted {caught_up_s:.1f} s after the database was back,"
        f" the slowest {max(tally.recoveries, default=0.0):.1f} s after its first refusal; the"
        f" same process serves reads again"
    )
