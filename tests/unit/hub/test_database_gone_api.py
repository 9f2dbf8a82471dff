"""The database gone in the middle of a request is a 503 with Retry-After, never a 500.

A token check passed, then the database went away before the Idempotency-Key was claimed (a
PostgreSQL restart under load, tests/integration/test_faults_postgres_restart.py, meets this
window only now and then). The fault is injected: the idempotency store's ``acquire`` raises
the error SQLAlchemy raises for a connection the server closed, since a real server cannot be
made to go away between two statements of one request on cue. Any other database error stays a
500: only the database's absence is worth retrying."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from connectors.samples.dossiers import dossier_documents
from hub.app.api import build_app
from hub.app.wiring import Hub, build_hub
from hub.auth.tokens import Role
from hub.bus.reading import read_all
from hub.settings import KhoSettings

URL = "/api/v1/datasets/tthc.dossiers/records"


@pytest.fixture
def hub(embedded_settings: KhoSettings) -> Iterator[Hub]:
    built = build_hub(embedded_settings)
    yield built
    built.close()


def _post(hub: Hub) -> Any:
    token = hub.tokens.create("vp-ubnd", frozenset({Role.PRODUCER})).plaintext
    client = TestClient(build_app(hub), raise_server_exceptions=False)
    return client.post(
        URL,
        json=dossier_documents(3, seed=5),
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "gone-1"},
    )


def test_a_database_gone_mid_request_is_503_with_retry_after(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    def server_gone(*_: object) -> None:
        raise sa.exc.OperationalError(
            "INSERT INTO ingest_idempotency ...",
            {},
            Exception("server closed the connection unexpectedly"),
        )

    monkeypatch.setattr(hub.idempotency, "acquire", server_gone)
    answer = _post(hub)
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"] == "5"
    assert answer.json()["error"] == {
        "code": "service_unavailable",
        "message": "Không kết nối được tới cơ sở dữ liệu; vui lòng thử lại sau",
    }
    assert "INSERT" not in answer.text  # the statement stays in the log
    assert list(read_all(hub.bus, "tthc.dossiers")) == []


def test_another_database_error_is_still_a_500(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*_: object) -> None:
        raise sa.exc.IntegrityError("INSERT ...", {}, Exception("duplicate key"))

    monkeypatch.setattr(hub.idempotency, "acquire", refused)
    answer = _post(hub)
    assert answer.status_code == 500, answer.text
    assert answer.json()["error"]["code"] == "internal_error"
