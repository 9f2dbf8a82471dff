"""The load run (tests/load, ``make load``) in little: 12 s at a twentieth of the rate on the
real Kafka and PostgreSQL, every path at once through 2 ``kho serve`` with the masking and
index workers running. No error of any kind, every figure of the report produced, and the
Idempotency-Key table kept within its bound by the API's purge (keys kept 3 s here). Memory
growth is computed but not judged: 12 s says nothing about it (``make load`` judges it)."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from tests.integration.conftest import KAFKA_URL, POSTGRES_URL
from tests.load.plan import LoadPlan
from tests.load.runner import run

SMOKE = LoadPlan(
    duration_s=12,
    warm_up_s=5,
    records_per_s=100,
    producers=4,
    batch=25,
    readers=6,
    sensor_per_s=2,
    prefills_per_s=5,
    apis=2,
    idempotency_retention_s=3,
    sample_every_s=2,
    subjects=20,
)


def test_every_path_at_once_without_an_error(tmp_path: Path) -> None:
    console = Console(width=120, record=True)
    outcome = run(
        SMOKE,
        kafka_url=KAFKA_URL,
        postgres_url=POSTGRES_URL,
        folder=tmp_path,
        console=console,
        check_memory=False,
        check_rate=False,  # 12 s is too short to judge a rate or memory growth
    )
    assert outcome.errors == {}
    assert outcome.missed == []
    by_path = {p.path: p for p in outcome.paths}
    assert set(by_path) == {"ingest", "sensor", "prefill", "sse"}
    for figures in by_path.values():
        assert figures.count > 0 and figures.p50_ms is not None and figures.p99_ms is not None
    # every reader received every reading the station posted
    assert by_path["sse"].count == SMOKE.readers * by_path["sensor"].count
    assert {g.process for g in outcome.growth} == {"api-0", "api-1", "masker", "index", "generator"}
    keys = {t.table: t for t in outcome.tables}["ingest_idempotency"]
    posted = by_path["ingest"].count + by_path["sensor"].count
    assert keys.at_end is not None and keys.at_end < posted  # expired keys were purged
    report = json.loads(outcome.report_path.read_text("utf-8"))
    assert report["errors"] == {} and len(report["samples"]) >= 5
    assert "ingest_idempotency" in console.export_text()
