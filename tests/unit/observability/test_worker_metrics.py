"""A worker that is not an HTTP process serves its metrics with ``--metrics-port``: scraped while
``kho mask run`` runs, it shows the records it masked and its consumer group's lag, and the
worker still stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from connectors.samples.dossiers import dossier_documents
from hub.app.api import build_app
from hub.app.wiring import build_hub
from hub.auth.tokens import Role
from hub.settings import KhoSettings
from tests.ports import free_port

PSEUDONYM_KEY = "3c" * 32


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_scrape_while_the_masking_worker_runs(tmp_path: Path) -> None:
    """30 dossiers on the topic; the worker's /metrics soon counts 30 masked records of the
    dataset and exports a lag series per partition of its input for the group kho.masker."""
    data = tmp_path / "kho"
    hub = build_hub(KhoSettings(data_dir=data, pseudonym_key=PSEUDONYM_KEY))
    try:
        token = hub.tokens.create("vp-ubnd", frozenset({Role.PRODUCER})).plaintext
        answer = TestClient(build_app(hub)).post(
            "/api/v1/datasets/tthc.dossiers/records",
            json=dossier_documents(30, seed=12),
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200, answer.text
        partitions = hub.bus.partition_count("tthc.dossiers")
    finally:
        hub.close()
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    environment.update(KHO_DATA_DIR=str(data), KHO_PSEUDONYM_KEY=PSEUDONYM_KEY)
    log_file = tmp_path / "worker.log"
    log_handle = log_file.open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "hub.app", "mask", "run", "--dataset", "tthc.dossiers"]
        + ["--metrics-port", str(port), "--report-every", "1"],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=log_handle,
    )
    masked = (
        "kho_records_out_total",
        frozenset({("dataset", "tthc.dossiers"), ("sink", "masked")}),
    )
    seen: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and seen.get(masked) != 30:
            assert worker.poll() is None, log_file.read_text()
            try:
                scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
                assert scraped.status_code == 200
                seen = samples(scraped.text)
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(0.3)
    finally:
        worker.send_signal(signal.SIGTERM)
        returncode = worker.wait(timeout=60)
        log_handle.close()
    assert seen.get(masked) == 30
    lag_partitions = {
        dict(labels)["partition"]
        for name, labels in seen
        if name == "kho_consumer_lag"
        and dict(labels)["group"] == "kho.masker"
        and dict(labels)["topic"] == "tthc.dossiers"
    }
    assert lag_partitions == {str(p) for p in range(partitions)}
    assert returncode == 0


def test_a_busy_metrics_port_is_one_line(tmp_path: Path) -> None:
    """A --metrics-port another process holds: the worker exits 1 with one line naming the
    option, no traceback."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    environment.update(KHO_DATA_DIR=str(tmp_path / "kho"), KHO_PSEUDONYM_KEY=PSEUDONYM_KEY)
    with socket.socket() as holder:
        holder.bind(("0.0.0.0", 0))
        holder.listen()
        port = holder.getsockname()[1]
        finished = subprocess.run(
            [sys.executable, "-m", "hub.app", "mask", "run", "--metrics-port", str(port)],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert finished.returncode == 1
    output = " ".join((finished.stdout + finished.stderr).split())
    assert f"--metrics-port {port}" in output
    assert "Traceback" not in output
