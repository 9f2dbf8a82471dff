"""/metrics on the embedded hub: records in, dead letters and contract failures by rule after an
ingest, HTTP latency by route template; /readyz 200 when every service answers (its 503 is
tested on a served hub, tests/unit/observability/test_served_hub.py)."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from connectors.samples.dossiers import dossier_documents
from hub.app.api import build_app
from hub.app.wiring import Hub
from hub.auth.tokens import Role

URL = "/api/v1/datasets/tthc.dossiers/records"


@pytest.fixture
def client(embedded_hub: Hub) -> TestClient:
    return TestClient(build_app(embedded_hub), raise_server_exceptions=False)


def _token(hub: Hub) -> dict[str, str]:
    issued = hub.tokens.create("vp-ubnd", frozenset({Role.PRODUCER}))
    return {"Authorization": f"Bearer {issued.plaintext}"}


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics, by name and sorted labels."""
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_ingest_and_dead_letter_are_counted(client: TestClient, embedded_hub: Hub) -> None:
    """A partial ingest of 4 records, one refused by the contract, adds 3 accepted, 1 rejected,
    one dead letter and one contract failure under the refused rule."""
    documents = dossier_documents(4, seed=31)
    documents[2]["applicant_id_number"] = "12345"
    before = scrape(client)
    answer = client.post(
        URL, params={"mode": "partial"}, json=documents, headers=_token(embedded_hub)
    )
    assert answer.status_code == 200, answer.text
    rule = answer.json()["rejected"][0]["errors"][0]["rule"]
    after = scrape(client)

    def added(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert added("kho_records_in_total", dataset="tthc.dossiers", outcome="accepted") == 3
    assert added("kho_records_in_total", dataset="tthc.dossiers", outcome="rejected") == 1
    assert added("kho_dead_letters_total", dataset="tthc.dossiers", source="api", rule=rule) == 1
    assert added("kho_contract_failures_total", dataset="tthc.dossiers", rule=rule) == 1


def test_http_latency_is_labelled_by_route_template(client: TestClient) -> None:
    """Requests to two datasets are one series under the route's template; the raw paths and
    an unmatched path never become labels."""
    for dataset in ("tthc.dossiers", "moitruong.salinity"):
        client.get(f"/api/v1/datasets/{dataset}")
    client.get("/khong-co-trang-nay/123456")
    samples = scrape(client)
    routes = {dict(labels)["route"] for name, labels in samples if name.startswith("kho_http_")}
    assert "/api/v1/datasets/{dataset_id}" in routes
    assert "<unmatched>" in routes
    assert not any("tthc.dossiers" in r or "123456" in r for r in routes)
    count = value(
        samples,
        "kho_http_request_duration_seconds_count",
        method="GET",
        route="/api/v1/datasets/{dataset_id}",
        status="200",
    )
    assert count >= 1


def test_registry_mount_routes_keep_their_prefix(client: TestClient) -> None:
    """A route under the /registry mount is labelled with the mount's prefix and its template."""
    client.get("/registry/subjects/tthc.dossiers-value/versions")
    routes = {
        dict(labels)["route"] for name, labels in scrape(client) if name.startswith("kho_http_")
    }
    assert "/registry/subjects/{subject}/versions" in routes


def test_readyz_answers_200_when_everything_answers(client: TestClient) -> None:
    """On the embedded hub the database, the bus and the registry all answer."""
    answer = client.get("/readyz")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ready" and body["down"] == []
    assert body["checks"] == {"database": "ok", "bus": "ok", "registry": "ok"}


def test_request_id_is_echoed_or_made(client: TestClient) -> None:
    """A sane X-Request-ID comes back as given; a missing or unsafe one is replaced."""
    given = client.get("/healthz", headers={"X-Request-ID": "req-42.abc"})
    assert given.headers["X-Request-ID"] == "req-42.abc"
    made = client.get("/healthz")
    assert len(made.headers["X-Request-ID"]) == 32
    unsafe = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert unsafe.headers["X-Request-ID"] != "bad id\twith spaces"
