"""Idempotency keys expiring, seen from outside: the ingest API processes a retry after
expiry as a new request, and `kho ingest purge-keys` deletes expired keys and says how many."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient
from typer.testing import CliRunner

from connectors.samples.dossiers import dossier_documents
from hub.app.api import build_app
from hub.app.cli.root import app as kho_app
from hub.app.wiring import Hub, build_hub
from hub.auth.tokens import Role
from hub.bus.reading import read_all
from hub.ingest.idempotency import Claim, StoredAnswer, idempotency_table
from hub.settings import KhoSettings

RECORDS_URL = "/api/v1/datasets/tthc.dossiers/records"
RETENTION_S = 2.0
"""Long enough for a POST and its replay on a loaded machine (0.5 s was not: a cold first POST
took up to 1.4 s there, and the key had expired before the replay)."""


def _keys(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.select(idempotency_table.c.key)).scalars())


@pytest.fixture
def short_lived_hub(embedded_settings: KhoSettings) -> Iterator[Hub]:
    hub = build_hub(embedded_settings.model_copy(update={"idempotency_retention_s": RETENTION_S}))
    yield hub
    hub.close()


def test_api_processes_a_retry_after_expiry_as_new(short_lived_hub: Hub) -> None:
    """A batch retried with its key before expiry is replayed; after expiry it is published
    again as a new request."""
    hub = short_lived_hub
    client = TestClient(build_app(hub))
    issued = hub.tokens.create("vp-ubnd", frozenset({Role.PRODUCER}))
    headers = {"Authorization": f"Bearer {issued.plaintext}", "Idempotency-Key": "lo-7"}
    documents = dossier_documents(3, seed=7)
    warm = client.post(RECORDS_URL, json=documents, headers={**headers, "Idempotency-Key": "w"})
    assert warm.status_code == 200, warm.text  # the app's first request pays its imports
    first = client.post(RECORDS_URL, json=documents, headers=headers)
    replayed = client.post(RECORDS_URL, json=documents, headers=headers)
    assert first.status_code == replayed.status_code == 200, first.text
    assert replayed.headers.get("Idempotent-Replayed") == "true"
    time.sleep(RETENTION_S + 0.1)
    again = client.post(RECORDS_URL, json=documents, headers=headers)
    assert again.status_code == 200, again.text
    assert "Idempotent-Replayed" not in again.headers
    assert again.json()["accepted"] != first.json()["accepted"]
    assert len(list(read_all(hub.bus, "tthc.dossiers"))) == 9  # warm, first, again


def test_kho_ingest_purge_keys_says_how_many_it_deleted(
    embedded_settings: KhoSettings, short_lived_hub: Hub
) -> None:
    """`kho ingest purge-keys` deletes the expired keys and prints how many, in Vietnamese."""
    for key in ("k-1", "k-2"):
        claim = Claim("vp-ubnd", "tthc.dossiers", key)
        assert short_lived_hub.idempotency.claim(claim, "a" * 64) is None
        short_lived_hub.idempotency.finish(claim, StoredAnswer(200, {"accepted_count": 1}))
    time.sleep(RETENTION_S + 0.1)
    env = {
        "KHO_DATA_DIR": str(embedded_settings.data_dir),
        "KHO_BUS_URL": embedded_settings.bus_url,
        "KHO_DATABASE_URL": embedded_settings.database_url,
        "KHO_PORTAL_URL": embedded_settings.portal_url,
        "KHO_IDEMPOTENCY_RETENTION_S": str(RETENTION_S),
        "COLUMNS": "250",
    }
    result = CliRunner().invoke(kho_app, ["ingest", "purge-keys"], env=env)
    assert result.exit_code == 0, result.output
    assert "Đã xoá 2 Idempotency-Key hết hạn" in result.output
    assert _keys(short_lived_hub.engine) == set()


def test_the_api_process_purges_expired_keys_in_the_background(short_lived_hub: Hub) -> None:
    """While the app runs (its lifespan started), an expired key is deleted without any
    request; the app then shuts down cleanly (the context manager's exit)."""
    claim = Claim("vp-ubnd", "tthc.dossiers", "old")
    assert short_lived_hub.idempotency.claim(claim, "a" * 64) is None
    short_lived_hub.idempotency.finish(claim, StoredAnswer(200, {"accepted_count": 1}))
    with TestClient(build_app(short_lived_hub)):
        deadline = time.monotonic() + 5
        while _keys(short_lived_hub.engine) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert _keys(short_lived_hub.engine) == set()
