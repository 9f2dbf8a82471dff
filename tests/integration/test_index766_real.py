"""``kho index run`` on real Kafka and PostgreSQL, killed with SIGKILL mid-backfill and started
again: the index's states equal those of a clean ``--rebuild`` (exactly once: states and offsets
are one transaction), later records of a dossier having replaced the earlier ones."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from connectors.samples.dossiers import dossier_documents
from hub.app.wiring import Hub, build_hub
from hub.db import create_engine
from hub.index766.periods import PROVINCE
from hub.index766.tables import index_dossiers_table
from hub.settings import KhoSettings
from tests.integration.conftest import KAFKA_URL, POSTGRES_URL
from tests.paths import CATALOGUE_DIR
from tests.unit.index766.index_records import feedback, index_tables, publish

DOSSIER_COUNT = 12_000
UPDATED = 2_000  # dossiers sent a second time, finished and rated
FEEDBACK_COUNT = 600
KILL_AFTER = 3_000  # records applied (saved offsets) before the kill
BATCH = "200"


@pytest.fixture
def index_hub(tmp_path: Path, run_id: str) -> Iterator[Hub]:
    """A hub on Kafka and PostgreSQL with this run's own dossier and feedback topics, and its
    tables in a PostgreSQL schema of its own (``search_path``), dropped afterwards."""
    schema = f"it_{run_id}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    raw = yaml.safe_load((CATALOGUE_DIR / "datasets.yaml").read_text("utf-8"))
    wanted = {"tthc.dossiers": "dossiers", "feedback.citizen_feedback": "feedback"}
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
    try:
        yield hub
    finally:
        hub.close()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _kho(hub: Hub, args: list[str], log: Path) -> subprocess.Popen[bytes]:
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
            [sys.executable, "-m", "hub.app", "index", "run", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _applied(hub: Hub, group: str) -> int:
    return sum(hub.index_store.saved_offsets(group).values())


def test_index_run_killed_mid_backfill_equals_a_clean_rebuild(
    index_hub: Hub, run_id: str, tmp_path: Path
) -> None:
    """SIGKILL after a few thousand records, restart to the end: every dossier once, in its
    latest state, and the tables equal a ``--rebuild`` from offset 0."""
    hub = index_hub
    dossiers_id, feedback_id = f"tthc.dossiers_it{run_id}", f"feedback.citizen_feedback_it{run_id}"
    documents = dossier_documents(DOSSIER_COUNT, seed=31)
    publish(hub, dossiers_id, documents)
    updates: list[dict[str, Any]] = []
    for document in documents[:UPDATED]:
        later = dict(document)
        later.update(
            status="finished",
            finished_at=document["due_at"],  # exactly at its due time: on time
            satisfaction="dissatisfied",
        )
        updates.append(later)
    publish(hub, dossiers_id, updates)
    publish(
        hub,
        feedback_id,
        [
            feedback(f"PA-{i:05d}", agency_code=documents[i]["receiving_agency_code"])
            for i in range(FEEDBACK_COUNT)
        ],
    )
    total = DOSSIER_COUNT + UPDATED + FEEDBACK_COUNT
    group = f"kho.index766.it{run_id}"
    args = ["--dossiers", dossiers_id, "--feedback", feedback_id, "--group", group]
    log = tmp_path / "index.log"

    first = _kho(hub, [*args, "--batch", BATCH], log)
    deadline = time.monotonic() + 180
    while _applied(hub, group) < KILL_AFTER:
        assert first.poll() is None, log.read_text("utf-8", errors="replace")
        assert time.monotonic() < deadline, "the worker applied nothing within 180 s"
        time.sleep(0.02)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    killed_at = _applied(hub, group)
    assert KILL_AFTER <= killed_at < total

    finished = _kho(hub, [*args, "--batch", BATCH, "--once"], log)
    assert finished.wait(timeout=300) == 0, log.read_text("utf-8", errors="replace")
    assert _applied(hub, group) == total
    incremental = index_tables(hub)

    rebuilt = _kho(hub, [*args, "--batch", "1000", "--once", "--rebuild"], log)
    assert rebuilt.wait(timeout=300) == 0, log.read_text("utf-8", errors="replace")

    assert index_tables(hub) == incremental
    dossiers, feedbacks = incremental
    assert len(dossiers) == len({d["dossier_id"] for d in documents}) == DOSSIER_COUNT
    assert len(feedbacks) == FEEDBACK_COUNT
    columns = list(index_dossiers_table.c.keys())
    by_id = {row[0]: dict(zip(columns, row, strict=True)) for row in dossiers}
    for later in updates:
        state = by_id[later["dossier_id"]]
        assert state["status"] == "finished" and state["satisfaction"] == "dissatisfied"

    # The reads the API makes, on PostgreSQL: the latest month's province figures count every
    # dossier the index holds for that month.
    month = hub.index_reader.latest_month()
    assert month is not None
    held = hub.index_store.dossiers(PROVINCE, month)
    figures = hub.index_reader.figures(PROVINCE, month, dt.datetime.now(dt.UTC))
    on_time = next(i for g in figures.groups for i in g.indicators if i.id == "progress.on_time")
    assert on_time.denominator == len(held) > 0
