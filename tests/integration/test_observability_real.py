"""Readiness and lag on the real services: /readyz on Kafka and PostgreSQL answers 200 with each
check ok, an external registry is pinged over HTTP, and the lag sampler reads Kafka's end
offsets against a group's committed offsets."""

from __future__ import annotations

import uuid

import pytest
from starlette.testclient import TestClient

from connectors.samples.dossiers import dossier_documents
from hub.app.api import build_app
from hub.app.wiring import Hub
from hub.auth.tokens import Role
from hub.metrics import LagSampler
from hub.registry.errors import RegistryError
from hub.registry.http import ConfluentRegistryClient
from tests.serving import serve_app


def test_readyz_on_kafka_and_postgresql(kafka_hub: Hub) -> None:
    """Every check of /readyz answers on the real broker and database."""
    answer = TestClient(build_app(kafka_hub)).get("/readyz")
    assert answer.status_code == 200, answer.text
    assert answer.json()["checks"] == {"database": "ok", "bus": "ok", "registry": "ok"}


def test_an_external_registry_is_pinged(kafka_hub: Hub) -> None:
    """A Confluent-compatible registry (the hub's own /registry, served by uvicorn) answers the
    readiness ping; a registry where nothing listens raises."""
    with serve_app(build_app(kafka_hub)) as base:
        client = ConfluentRegistryClient(f"{base}/registry")
        try:
            client.ping()
        finally:
            client.close()
    gone = ConfluentRegistryClient(base + "/registry")  # the server stopped
    try:
        with pytest.raises(RegistryError):
            gone.ping()
    finally:
        gone.close()


def test_lag_on_kafka(kafka_hub: Hub, isolated_catalogue: tuple[object, str]) -> None:
    """40 records on this run's topic, read by no group yet: a new group's lag is 40."""
    dataset = isolated_catalogue[1]
    topic = kafka_hub.catalogue.entry(dataset).topic
    token = kafka_hub.tokens.create("vp-ubnd", frozenset({Role.PRODUCER})).plaintext
    answer = TestClient(build_app(kafka_hub)).post(
        f"/api/v1/datasets/{dataset}/records",
        json=dossier_documents(40, seed=71),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.text
    group = f"kho.lag-test.{uuid.uuid4().hex[:8]}"
    sampler = LagSampler(kafka_hub.bus, kafka_hub.group_offsets, group, [topic])
    assert sampler.sample() == 40
