"""A hub killed with SIGKILL inside an idempotent ingest request, then the client's retry with
the same key: every record once on the topic, every dead letter once on the DLQ, the answer
the first attempt would have given, and the retry served within seconds of the lease's end.

The process is a real one and really killed (``tests/ingest_crash.py``: the real ASGI app;
only the moment of the kill is injected). On the embedded bus and SQLite, and with the real
services, on Kafka and PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from starlette.testclient import TestClient

from connectors.samples.dossiers import dossier_documents
from hub.app.api import build_app
from hub.app.wiring import Hub, build_hub
from hub.auth.tokens import Role
from hub.bus.reading import read_all
from hub.db import create_engine
from hub.ingest.batch_delivery import BATCH_HEADER
from hub.ingest.dead_letter import DeadLetter
from hub.settings import KhoSettings
from tests.conftest import service_port
from tests.paths import CATALOGUE_DIR, PROJECT_ROOT

LEASE_S = 2.0
KAFKA_URL = f"kafka://kho:kho@127.0.0.1:{service_port('KAFKA', 19092)}"
POSTGRES_URL = f"postgresql://kho:kho@127.0.0.1:{service_port('PG', 15432)}/kho"
DATASET = "tthc.dossiers"


@pytest.fixture(params=["embedded", pytest.param("kafka", marks=pytest.mark.integration)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KhoSettings]:
    """Embedded adapters under the test's folder; or Kafka with this run's own dossier topic
    and PostgreSQL with a schema of the run's own (dropped afterwards). A 2 s lease."""
    if request.param == "embedded":
        yield KhoSettings(
            data_dir=tmp_path / "kho",
            bus_url=f"embedded:{tmp_path / 'kho' / 'bus.sqlite3'}",
            database_url=f"sqlite:///{tmp_path / 'kho' / 'kho.sqlite3'}",
            portal_url=f"folder:{tmp_path / 'kho' / 'opendata'}",
            idempotency_stale_after_s=LEASE_S,
        )
        return
    run = uuid.uuid4().hex[:8]
    raw = yaml.safe_load((CATALOGUE_DIR / "datasets.yaml").read_text(encoding="utf-8"))
    dossiers = next(d for d in raw["datasets"] if d["id"] == DATASET)
    dossiers["topic"] = f"{dossiers['topic']}.crash{run}"
    raw["datasets"] = [dossiers]
    catalogue = tmp_path / "datasets.yaml"
    catalogue.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    schema = f"it_{run}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield KhoSettings(
            data_dir=tmp_path / "kho",
            bus_url=KAFKA_URL,
            database_url=f"{POSTGRES_URL}?options=-csearch_path%3D{schema}",
            portal_url=f"folder:{tmp_path / 'opendata'}",
            catalogue_path=catalogue,
            idempotency_stale_after_s=LEASE_S,
        )
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def hub(settings: KhoSettings) -> Iterator[Hub]:
    hub = build_hub(settings)
    yield hub
    hub.close()


def _killed_in_request(
    settings: KhoSettings, point: str, key: str, mode: str, body: bytes, folder: Path
) -> dict[str, Any] | None:
    """Run the request in a hub process killed at ``point``; the answer it was storing, if
    it got that far."""
    documents, answer = folder / "documents.json", folder / "answer.json"
    documents.write_bytes(body)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    env.update(
        KHO_DATA_DIR=str(settings.data_dir),
        KHO_BUS_URL=settings.bus_url,
        KHO_DATABASE_URL=settings.database_url,
        KHO_PORTAL_URL=settings.portal_url,
        KHO_CATALOGUE_PATH=str(settings.catalogue_path),
        KHO_IDEMPOTENCY_STALE_AFTER_S=str(LEASE_S),
    )
    crashed = subprocess.run(  # noqa: S603 - our own test helper
        [sys.executable, "-m", "tests.ingest_crash", point, key, mode, str(documents), str(answer)],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr.decode(errors="replace")
    return json.loads(answer.read_text("utf-8")) if answer.exists() else None


def _retry_until_answered(client: TestClient, hub: Hub, key: str, mode: str, body: bytes) -> Any:
    """The client's retries with the same key: 409 with Retry-After while the dead process's
    lease runs, then the answer."""
    token = hub.tokens.create(hub.catalogue.entry(DATASET).owner, frozenset({Role.PRODUCER}))
    headers = {
        "Authorization": f"Bearer {token.plaintext}",
        "Idempotency-Key": key,
        "Content-Type": "application/json",
    }
    deadline = time.monotonic() + LEASE_S + 30
    while True:
        answer = client.post(
            f"/api/v1/datasets/{DATASET}/records",
            params={"mode": mode},
            content=body,
            headers=headers,
        )
        if answer.status_code != 409:
            return answer
        assert answer.json()["error"]["code"] == "in_progress", answer.text
        assert time.monotonic() < deadline, "the dead attempt's claim was never taken over"
        time.sleep(min(float(answer.headers["Retry-After"]), 1.0))


@pytest.mark.parametrize("point", ["answered", "half", "dead-letters"])
def test_a_retry_after_kill_9_in_the_request_publishes_each_record_once(
    settings: KhoSettings, hub: Hub, point: str, tmp_path: Path
) -> None:
    """Killed after publishing (before its answer was stored), half-way through the records, or
    after the dead letters: the retry leaves each record and letter once, and answers alike."""
    documents = dossier_documents(40, seed=61)
    for bad in (3, 17):
        documents[bad]["applicant_id_number"] = "12345"
    good_ids = [d["dossier_id"] for i, d in enumerate(documents) if i not in (3, 17)]
    body = json.dumps(documents, ensure_ascii=False).encode("utf-8")
    key = f"crash-{point}"
    stored = _killed_in_request(settings, point, key, "partial", body, tmp_path)
    assert (stored is not None) == (point == "answered")

    client = TestClient(build_app(hub), raise_server_exceptions=False)
    started = time.monotonic()
    retried = _retry_until_answered(client, hub, key, "partial", body)
    waited = time.monotonic() - started
    assert retried.status_code == 200, retried.text
    assert waited < LEASE_S + 15
    answer = retried.json()
    if stored is not None:
        assert answer == stored["body"]  # the answer the killed attempt was storing

    entry = hub.catalogue.entry(DATASET)
    records = list(read_all(hub.bus, entry.topic))
    ids = Counter(hub.decoder.decode(r.value)["dossier_id"] for r in records)
    assert ids == Counter(good_ids)  # each once: none lost, none twice
    assert {(r.partition, r.offset) for r in records} == {
        (a["partition"], a["offset"]) for a in answer["accepted"]
    }
    assert all(r.header(BATCH_HEADER) for r in records)
    letters = [DeadLetter.from_bytes(r.value) for r in read_all(hub.bus, entry.dlq_topic)]
    assert sorted(letter.source["position"] for letter in letters) == [3, 17]
    assert answer["accepted_count"] == 38 and answer["rejected_count"] == 2

    replayed = _retry_until_answered(client, hub, key, "partial", body)
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json() == answer
    lost = sum((Counter(good_ids) - ids).values())
    twice = sum((ids - Counter(good_ids)).values())
    print(
        f"\nkill -9 ({point}): {len(good_ids)} records and 2 dead letters, {lost} lost,"
        f" {twice} duplicated; the retry with the same Idempotency-Key was answered"
        f" {waited:.1f} s after it was first sent (lease {LEASE_S:g} s)"
    )
