"""``kho connector run`` killed with SIGKILL mid-run and started again: every source record is
on the topic (or its DLQ) exactly once — for a CSV file and for a SQL table on PostgreSQL and
MariaDB, with Kafka as the bus and the checkpoints in PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import yaml

from connectors.checkpoints import CheckpointStore
from connectors.config import ConnectorConfig, load_connector_config
from connectors.delivery import POSITION_HEADER, STREAM_HEADER
from connectors.samples.dossiers import write_dossier_export
from hub.app.wiring import Hub
from hub.bus import read_all
from hub.db import create_engine, create_tables
from tests.integration.conftest import KAFKA_URL, POSTGRES_URL
from tests.integration.department_db import DepartmentTable
from tests.paths import DOSSIER_CONNECTOR

CSV_CONFIG = load_connector_config(DOSSIER_CONNECTOR)
ROWS = 30_000
KILL_AFTER = 3_000  # acknowledged records before the kill


def _kho(args: list[str], catalogue: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    env.update(
        COLUMNS="200",
        KHO_DATA_DIR=str(log.parent / "kho"),
        KHO_BUS_URL=KAFKA_URL,
        KHO_DATABASE_URL=POSTGRES_URL,
        KHO_CATALOGUE_PATH=str(catalogue),
        KHO_PUBLISH_BATCH_SIZE="500",
        KHO_CHECKPOINT_INTERVAL_S="0",  # saved after each batch: the kill lands between saves
    )
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "hub.app", "connector", "run", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _kill_mid_run(
    process: subprocess.Popen[bytes], store: CheckpointStore, name: str, *, worker: bool
) -> int:
    """SIGKILL once the checkpoint shows KILL_AFTER records acknowledged; how many it showed.
    ``worker``: the connector has a worker process then, which must not outlive it."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        done = sum(cp.accepted + cp.rejected for cp in store.of_connector(name))
        if done >= KILL_AFTER:
            children = _children(process.pid)
            assert bool(children) == worker, children
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            _wait_gone(children)
            return done
        assert process.poll() is None, "the connector finished before it could be killed"
        time.sleep(0.02)
    pytest.fail("the connector acknowledged nothing within 180 s")


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (the connector's worker process, if any)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _wait_gone(pids: set[int]) -> None:
    """A killed connector leaves no worker process behind: it stops within seconds."""
    deadline = time.monotonic() + 30
    while pids and time.monotonic() < deadline:
        pids = {p for p in pids if Path(f"/proc/{p}").exists() and not _zombie(p)}
        time.sleep(0.1)
    assert not pids, f"worker processes {pids} outlived their killed connector"


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _kill_then_finish(
    args: list[str], catalogue: Path, tmp_path: Path, name: str, *, worker: bool = False
) -> None:
    engine = create_engine(POSTGRES_URL)
    create_tables(engine)
    store = CheckpointStore(engine)
    log = tmp_path / "connector.log"
    try:
        killed_at = _kill_mid_run(_kho(args, catalogue, log), store, name, worker=worker)
        assert killed_at < ROWS
        finished = _kho(args, catalogue, log)
        assert finished.wait(timeout=300) == 0, log.read_text(encoding="utf-8", errors="replace")
        (checkpoint,) = store.of_connector(name)
        # Skipped on restart: at most the batch acknowledged but not saved, and the one
        # travelling behind it.
        assert checkpoint.accepted + checkpoint.rejected >= ROWS - 2 * 500
    finally:
        engine.dispose()


def _positions(hub: Hub, dataset: str) -> tuple[Counter[str], set[str]]:
    entry = hub.catalogue.entry(dataset)
    seen: Counter[str] = Counter()
    streams = set()
    for topic in (entry.topic, entry.dlq_topic):
        for record in read_all(hub.bus, topic):
            seen[(record.header(POSITION_HEADER) or b"").decode()] += 1
            streams.add((record.header(STREAM_HEADER) or b"").decode())
    return seen, streams


def _write_config(tmp_path: Path, config: ConnectorConfig) -> Path:
    path = tmp_path / f"{config.name}.yaml"
    path.write_text(
        yaml.safe_dump(config.model_dump(mode="json", exclude_none=True), allow_unicode=True),
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("worker_process", [False, True], ids=["in-process", "worker-process"])
def test_a_csv_run_killed_mid_file_publishes_every_row_once(
    kafka_hub: Hub, isolated_catalogue: tuple[Path, str], tmp_path: Path, worker_process: bool
) -> None:
    """With the rows prepared in a worker process, the kill leaves no worker behind."""
    catalogue, dataset = isolated_catalogue
    export = write_dossier_export(tmp_path / "ho-so.csv", rows=ROWS, seed=21)
    config = CSV_CONFIG.model_copy(
        update={
            "name": f"csv-{uuid.uuid4().hex[:8]}",
            "dataset": dataset,
            "worker_process": worker_process,
        }
    )
    path = _write_config(tmp_path, config)
    _kill_then_finish(
        [str(path), "--input", str(export.path)],
        catalogue,
        tmp_path,
        config.name,
        worker=worker_process,
    )
    seen, streams = _positions(kafka_hub, dataset)
    assert seen == Counter({str(row): 1 for row in range(2, ROWS + 2)})
    assert len(streams) == 1


def test_a_sql_run_killed_mid_poll_publishes_every_row_once(
    kafka_hub: Hub,
    isolated_catalogue: tuple[Path, str],
    department: DepartmentTable,
    tmp_path: Path,
) -> None:
    catalogue, dataset = isolated_catalogue
    total = department.load(
        write_dossier_export(tmp_path / "a.csv", rows=ROWS, seed=22).path, CSV_CONFIG
    )
    config = department.connector(CSV_CONFIG, f"sql-{uuid.uuid4().hex[:8]}", dataset)
    path = _write_config(tmp_path, config)
    _kill_then_finish([str(path)], catalogue, tmp_path, config.name)
    seen, _ = _positions(kafka_hub, dataset)
    ids = Counter(int(key.rsplit(",", 1)[1].rstrip("]")) for key in seen.elements())
    assert ids == Counter(range(1, total + 1))
