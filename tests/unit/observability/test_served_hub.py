"""The API served by uvicorn in its own process, as in production: /readyz names a bus that does
not answer, and with several workers /metrics adds up every worker's counts (multiprocess mode).
(In a subprocess: kafka-python keeps retrying a dead broker in the background after the check
gave up, which must not outlive the test.)"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.ports import free_port

SERVE = [sys.executable, "-m", "uvicorn", "--factory", "hub.app.api.main:create_app"]


@contextmanager
def served(tmp_path: Path, *options: str, **environment: str) -> Iterator[str]:
    """A hub served by uvicorn on a free port, with the embedded adapters under ``tmp_path``
    and ``environment`` added; the base URL once /healthz answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KHO_", "PROMETHEUS_"))}
    env.update(KHO_DATA_DIR=str(tmp_path / "kho"), **environment)
    server = subprocess.Popen(
        [*SERVE, "--port", str(port), "--log-level", "warning", *options],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, "the hub stopped while starting"
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the hub did not start"
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_readyz_answers_503_naming_the_bus(tmp_path: Path) -> None:
    """Kafka at a port where nothing listens: /readyz is a 503 naming the bus within the checks'
    short deadline, the database and registry are ok, and /healthz still answers 200."""
    with served(tmp_path, KHO_BUS_URL=f"kafka://127.0.0.1:{free_port()}") as base:
        started = time.monotonic()
        answer = httpx.get(f"{base}/readyz", timeout=30)
        took = time.monotonic() - started
        alive = httpx.get(f"{base}/healthz", timeout=5)
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "not_ready" and body["down"] == ["bus"]
    assert body["checks"]["database"] == "ok" and body["checks"]["registry"] == "ok"
    assert "bus sự kiện" in body["message"]
    assert took < 10
    assert alive.status_code == 200


def _healthz_count(text: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "kho_http_request_duration_seconds_count"
        and sample.labels.get("route") == "/healthz"
    )


def test_several_workers_export_one_sum(tmp_path: Path) -> None:
    """Two uvicorn workers with PROMETHEUS_MULTIPROC_DIR: whichever worker answers the scrape,
    /metrics counts every /healthz request served by either."""
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    with served(tmp_path, "--workers", "2", PROMETHEUS_MULTIPROC_DIR=str(metrics_dir)) as base:
        with httpx.Client(base_url=base, timeout=10) as client:
            baseline = _healthz_count(client.get("/metrics").text)
            sent = 0
            # until both workers served some (each writes its own histogram file), at least 40
            while sent < 40 or (len(list(metrics_dir.glob("histogram_*.db"))) < 2 and sent < 2000):
                assert client.get("/healthz", headers={"Connection": "close"}).status_code == 200
                sent += 1
            # a worker records a request just after its answer went out: give it a moment
            deadline = time.monotonic() + 10
            while _healthz_count(client.get("/metrics").text) < baseline + sent:
                assert time.monotonic() < deadline, "the workers' counts never added up"
                time.sleep(0.1)
            counts = {_healthz_count(client.get("/metrics").text) for _ in range(6)}
    assert len(list(metrics_dir.glob("histogram_*.db"))) == 2
    assert counts == {baseline + sent}
