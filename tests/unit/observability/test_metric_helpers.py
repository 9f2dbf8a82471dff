"""The metric helpers on the embedded hub: the lag sampler reads the bus's end offsets against the
group's committed ones, and a publication is timed under the portal's action or ``error``."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY
from starlette.testclient import TestClient

from connectors.samples.dossiers import dossier_documents
from hub.app.api import build_app
from hub.app.wiring import Hub
from hub.auth.tokens import Role
from hub.metrics import LagSampler, timed_publication
from hub.sharing.masked_records import MASKER_GROUP


def _lag(partition: int) -> float | None:
    return REGISTRY.get_sample_value(
        "kho_consumer_lag",
        {"group": MASKER_GROUP, "topic": "tthc.dossiers", "partition": str(partition)},
    )


def test_lag_falls_to_zero_once_the_worker_caught_up(embedded_hub: Hub) -> None:
    """25 dossiers nobody masked are a lag of 25 over the partitions; after the masking worker
    drained them, every partition's lag is 0."""
    token = embedded_hub.tokens.create("vp-ubnd", frozenset({Role.PRODUCER})).plaintext
    answer = TestClient(build_app(embedded_hub)).post(
        "/api/v1/datasets/tthc.dossiers/records",
        json=dossier_documents(25, seed=44),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200
    sampler = LagSampler(
        embedded_hub.bus, embedded_hub.group_offsets, MASKER_GROUP, ["tthc.dossiers"]
    )
    assert sampler.sample() == 25
    partitions = range(embedded_hub.bus.partition_count("tthc.dossiers"))
    assert sum(_lag(p) or 0 for p in partitions) == 25
    run = embedded_hub.masking_worker(["tthc.dossiers"]).drain(idle_timeout_s=10)
    assert run.masked == 25
    assert sampler.sample() == 0
    assert [_lag(p) for p in partitions] == [0.0 for _ in partitions]


def _publications(outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "kho_publications_total", {"dataset": "test.timed", "outcome": outcome}
    )
    return value or 0.0


def test_a_publication_is_timed_under_its_outcome() -> None:
    """A call that reports ``created`` counts as created; one that raises counts as error, and
    the error still goes up."""
    created, errors = _publications("created"), _publications("error")
    with timed_publication("test.timed") as outcome:
        outcome.append("created")
    with pytest.raises(RuntimeError), timed_publication("test.timed"):
        raise RuntimeError("portal down")
    assert _publications("created") == created + 1
    assert _publications("error") == errors + 1
    count = REGISTRY.get_sample_value(
        "kho_publish_duration_seconds_count", {"dataset": "test.timed", "outcome": "created"}
    )
    assert count is not None and count >= 1
