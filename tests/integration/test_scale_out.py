"""Two instances of a worker in one consumer group on real Kafka, records produced while they
run, one killed with SIGKILL midway: the survivor takes its partitions over and every record is
handled exactly once (the 766 index, whose offsets live with its state; the masking worker,
whose outputs and offsets are one Kafka transaction)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import kafka
import pytest
import sqlalchemy as sa
import yaml

from connectors.samples.dossiers import dossier_documents
from hub.app.wiring import Hub, build_hub
from hub.bus.kafka_url import parse_kafka_url
from hub.db import create_engine
from hub.settings import KhoSettings
from hub.sharing.masked_records import MASKER_GROUP
from tests.integration.committed_reads import read_committed_to_the_end
from tests.integration.conftest import KAFKA_URL, POSTGRES_URL
from tests.paths import CATALOGUE_DIR
from tests.unit.index766.index_records import index_tables, publish

PARTITIONS = 4
CHUNKS = 8
CHUNK = 500  # dossiers per chunk, produced while the workers run
KILL_AT_CHUNK = 4


@pytest.fixture
def scale_hub(tmp_path: Path, run_id: str) -> Iterator[Hub]:
    """A hub on Kafka and PostgreSQL with this run's own dossier and feedback topics (4
    partitions each) and its tables in a PostgreSQL schema of its own, dropped afterwards."""
    schema = f"it_{run_id}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    raw = yaml.safe_load((CATALOGUE_DIR / "datasets.yaml").read_text("utf-8"))
    wanted = {"tthc.dossiers", "feedback.citizen_feedback"}
    datasets = [d for d in raw["datasets"] if d["id"] in wanted]
    for d in datasets:
        d["id"] = f"{d['id']}_it{run_id}"
        d["topic"] = f"{d['topic']}.it{run_id}"
    raw["datasets"] = datasets
    catalogue = tmp_path / "datasets.yaml"
    catalogue.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    settings = KhoSettings(
        data_dir=tmp_path / "kho",
        bus_url=KAFKA_URL,
        database_url=f"{POSTGRES_URL}?options=-csearch_path%3D{schema}",
        portal_url=f"folder:{tmp_path / 'opendata'}",
        catalogue_path=catalogue,
    )
    hub = build_hub(settings)
    for d in datasets:
        hub.bus.ensure_topic(d["topic"], PARTITIONS)
    try:
        yield hub
    finally:
        hub.close()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def kho(hub: Hub, args: list[str], log: Path) -> subprocess.Popen[bytes]:
    """A ``kho`` command on this hub's settings, its output appended to ``log``."""
    s = hub.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    env.update(
        COLUMNS="200",
        KHO_DATA_DIR=str(s.data_dir),
        KHO_BUS_URL=s.bus_url,
        KHO_DATABASE_URL=s.database_url,
        KHO_CATALOGUE_PATH=str(s.catalogue_path),
    )
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "hub.app", *args], env=env, stdout=out, stderr=subprocess.STDOUT
        )


def wait_for(condition: Callable[[], bool], what: str, log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"{what} not within {timeout_s} s:\n" + log.read_text(
            "utf-8", errors="replace"
        )
        time.sleep(0.1)


def group_members(group: str, topic: str) -> int:
    """How many members of the consumer group subscribe to the topic now, as its coordinator
    describes them (kho.masker is shared with other tests' workers, on other topics)."""
    admin = kafka.KafkaAdminClient(**parse_kafka_url(KAFKA_URL).client_options())
    try:
        described = admin.describe_groups([group])
    finally:
        admin.close()
    members = described.get(group, {}).get("members") or []
    return sum(1 for m in members if topic in str(m.get("member_metadata")))


def produce_killing_one(
    hub: Hub, dataset: str, group: str, workers: list[subprocess.Popen[bytes]], log: Path
) -> list[dict[str, Any]]:
    """Once both workers are members of the group, produce the dossiers chunk by chunk while
    they run; SIGKILL the first worker after chunk KILL_AT_CHUNK. The documents produced."""
    topic = hub.catalogue.entry(dataset).topic
    wait_for(lambda: group_members(group, topic) == 2, "two members in the group", log, 90)
    documents = dossier_documents(CHUNKS * CHUNK, seed=47)
    for chunk in range(CHUNKS):
        publish(hub, dataset, documents[chunk * CHUNK : (chunk + 1) * CHUNK])
        if chunk == KILL_AT_CHUNK:
            os.kill(workers[0].pid, signal.SIGKILL)
            assert workers[0].wait(timeout=30) == -signal.SIGKILL
        for worker in workers[1:]:
            assert worker.poll() is None, log.read_text("utf-8", errors="replace")
        time.sleep(0.5)
    return documents


def stop(worker: subprocess.Popen[bytes], log: Path) -> None:
    """SIGTERM: the survivor finishes its batch, commits and exits 0 within a few seconds."""
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=20) == 0, log.read_text("utf-8", errors="replace")


def test_two_index_workers_one_killed_index_every_dossier_once(
    scale_hub: Hub, run_id: str, tmp_path: Path
) -> None:
    """2 ``kho index run`` in one group over 4 partitions, dossiers produced while they run,
    one SIGKILLed midway: the survivor applies the rest, and the index equals a rebuild."""
    hub = scale_hub
    dataset, feedback_id = f"tthc.dossiers_it{run_id}", f"feedback.citizen_feedback_it{run_id}"
    group = f"kho.index766.it{run_id}"
    args = ["index", "run", "--dossiers", dataset, "--feedback", feedback_id, "--group", group]
    log = tmp_path / "index.log"
    workers = [kho(hub, [*args, "--batch", "100"], log) for _ in range(2)]
    try:
        documents = produce_killing_one(hub, dataset, group, workers, log)

        def applied() -> int:
            return sum(hub.index_store.saved_offsets(group).values())

        wait_for(lambda: applied() == len(documents), "every dossier applied", log, 120)
        stop(workers[1], log)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    incremental = index_tables(hub)
    dossiers, _ = incremental
    assert len(dossiers) == len({d["dossier_id"] for d in documents})

    rebuilt = kho(hub, [*args, "--once", "--rebuild", "--batch", "1000"], log)
    assert rebuilt.wait(timeout=180) == 0, log.read_text("utf-8", errors="replace")
    assert index_tables(hub) == incremental


def test_two_masking_workers_one_killed_mask_every_record_once(
    scale_hub: Hub, run_id: str, tmp_path: Path
) -> None:
    """2 ``kho mask run`` (each its own transactional id) in group kho.masker over 4
    partitions, one SIGKILLed midway: ``.masked`` holds every input key exactly once, in its
    input's partition, and the group has committed every input offset."""
    hub = scale_hub
    dataset = f"tthc.dossiers_it{run_id}"
    entry = hub.catalogue.entry(dataset)
    log = tmp_path / "mask.log"
    args = ["mask", "run", "--dataset", dataset, "--batch", "100"]
    workers = [kho(hub, args, log) for _ in range(2)]
    try:
        documents = produce_killing_one(hub, dataset, MASKER_GROUP, workers, log)

        def committed() -> int:
            offsets = hub.group_offsets()
            try:
                return sum(offsets.committed(MASKER_GROUP, entry.topic).values())
            finally:
                offsets.close()

        wait_for(lambda: committed() == len(documents), "every record masked", log, 120)
        stop(workers[1], log)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    masked = read_committed_to_the_end(entry.masked_topic)
    keys = [r.key for r in masked]
    assert len(masked) == len(documents)  # total records: none twice
    assert len(set(keys)) == len({d["dossier_id"] for d in documents})  # distinct: none lost
    inputs = read_committed_to_the_end(entry.topic)
    partition_of = {r.key: r.partition for r in inputs}
    assert all(r.partition == partition_of[r.key] for r in masked)
