"""scripts/stack.sh on the real services: the compose file's topology as processes (two API
processes, one of each worker), dossiers posted through one API process and read from the 766
index through the other, then every process stopped by SIGTERM after its last batch."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
import yaml
from psycopg import sql

from bench.harness import default_admin_url
from connectors.samples.dossiers import dossier_documents
from hub.app.wiring import build_hub
from hub.auth.tokens import Role
from hub.settings import KhoSettings
from tests.conftest import service_port
from tests.integration.conftest import KAFKA_URL
from tests.paths import CATALOGUE_DIR, PROJECT_ROOT

STACK = PROJECT_ROOT / "scripts" / "stack.sh"
API_PORTS = (18101, 18102)
WORKERS = (
    "masker",
    "evidence-feed",
    "index766",
    "publisher",
    "connector-tthc-dossiers",
    "connector-salinity",
)
# the workers that print this line once SIGTERM let them commit their last batch
COMMITTED_ON_STOP = "Đã dừng sau khi cam kết lô cuối."


def _stack(action: str, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(STACK), action],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def stack_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The stack's settings: every topic of the catalogue suffixed for this run, a database of
    its own (dropped afterwards), the portal a folder, the MQTT connector on a client id of its
    own, its pid files, logs and data under the test's folder."""
    run = uuid.uuid4().hex[:8]
    raw = yaml.safe_load((CATALOGUE_DIR / "datasets.yaml").read_text(encoding="utf-8"))
    for dataset in raw["datasets"]:
        dataset["topic"] = f"{dataset['topic']}.stack{run}"
    catalogue = tmp_path / "datasets.yaml"
    catalogue.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    database = f"kho_stack_{run}"
    pg_port = service_port("PG", 15432)
    env = {
        **os.environ,
        "KHO_STACK_DIR": str(tmp_path / "stack"),
        "KHO_CATALOGUE_PATH": str(catalogue),
        "KHO_BUS_URL": KAFKA_URL,
        "KHO_DATABASE_URL": f"postgresql://kho:kho@127.0.0.1:{pg_port}/{database}",
        "KHO_PORTAL_URL": f"folder:{tmp_path / 'opendata'}",
        "KHO_STACK_STOP_TIMEOUT": "90",
    }
    yield env
    _stack("down", env, timeout=300)
    with psycopg.connect(default_admin_url(), autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
        )


def _agencies_in_index(port: int, year: str) -> set[str]:
    answer = httpx.get(
        f"http://127.0.0.1:{port}/api/v1/index766/ranking",
        params={"period": year, "level": "agency"},
        timeout=10,
    )
    if answer.status_code != 200:
        return set()
    return {unit["unit"] for unit in answer.json()["units"]}


def test_the_stack_runs_the_compose_topology_and_stops_on_sigterm(
    stack_env: dict[str, str], tmp_path: Path
) -> None:
    """stack.sh up starts 2 APIs and every worker; records posted through the first API are in
    the index read through the second; down stops all, the workers after their last commit."""
    up = _stack("up", stack_env, timeout=480)
    assert up.returncode == 0, up.stderr
    status = _stack("status", stack_env, timeout=60)
    assert status.returncode == 0, status.stdout
    lines = {line.split()[0]: line for line in status.stdout.splitlines()[1:]}
    assert set(lines) == {"hub-1", "hub-2", *WORKERS}
    for name in ("hub-1", "hub-2"):
        assert "healthy (/healthz)" in lines[name], lines[name]
    for name in WORKERS:
        assert "running (/metrics)" in lines[name], lines[name]
    pids = {name: int(line.split()[2]) for name, line in lines.items()}
    for port in API_PORTS:  # what Prometheus scrapes from each API process
        scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
        assert scraped.status_code == 200 and "kho_" in scraped.text, port

    settings = KhoSettings(
        data_dir=tmp_path / "client",
        bus_url=stack_env["KHO_BUS_URL"],
        database_url=stack_env["KHO_DATABASE_URL"],
        catalogue_path=Path(stack_env["KHO_CATALOGUE_PATH"]),
    )
    hub = build_hub(settings)
    try:
        owner = hub.catalogue.entry("tthc.dossiers").owner
        token = hub.tokens.create(owner, frozenset({Role.PRODUCER})).plaintext
    finally:
        hub.close()
    documents = dossier_documents(24, seed=22)
    posted = httpx.post(
        f"http://127.0.0.1:{API_PORTS[0]}/api/v1/datasets/tthc.dossiers/records",
        json=documents,
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "stack-1"},
        timeout=60,
    )
    assert posted.status_code == 200, posted.text
    assert posted.json()["accepted_count"] == len(documents)

    agencies = {f"agency:{d['receiving_agency_code']}" for d in documents}
    years = {d["received_at"][:4] for d in documents}
    deadline = time.monotonic() + 120
    seen: set[str] = set()
    while time.monotonic() < deadline and seen != agencies:
        seen = set().union(*(_agencies_in_index(API_PORTS[1], year) for year in years))
        time.sleep(1)
    assert seen == agencies

    down = _stack("down", stack_env, timeout=300)
    assert down.returncode == 0, down.stderr
    assert "SIGKILL" not in down.stderr
    for name, pid in pids.items():
        assert not Path(f"/proc/{pid}").exists(), f"{name} (pid {pid}) still runs"
    logs = Path(stack_env["KHO_STACK_DIR"])
    for name in ("masker", "evidence-feed", "index766"):
        assert COMMITTED_ON_STOP in (logs / f"{name}.log").read_text(encoding="utf-8"), name
    after = _stack("status", stack_env, timeout=60)
    assert after.returncode == 1
    assert all(line.rstrip().endswith("down") for line in after.stdout.splitlines()[1:])
