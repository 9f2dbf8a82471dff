"""The dossier feed on real Kafka and PostgreSQL: two feeds in one consumer group store each
finished dossier's evidence once; the same group again reads nothing, a reset group replays
everything and changes nothing; the update events reach the evidence topic once each; a
spoiled message lands in the evidence dead-letter topic."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from connectors.samples.dossiers import dossier_documents
from hub.app.wiring import Hub, build_hub
from hub.bus import OutgoingMessage, read_all
from hub.bus.relay_factory import group_offsets_factory
from hub.dlq import DeadLetterQueue
from hub.provide_once.dossier_feed import (
    FEED_GROUP,
    FEED_SOURCE,
    UNDECODABLE_RULE,
    DossierFeed,
    FeedPorts,
    FeedRun,
)
from hub.provide_once.evidence import EVIDENCE_DATASET
from hub.provide_once.tables import evidence_outbox_table, evidence_table, evidence_versions_table
from hub.settings import KhoSettings
from tests.integration.conftest import KAFKA_URL, POSTGRES_URL
from tests.paths import CATALOGUE_DIR

COUNT = 80
SPOILED = b"\x00\x00\x0f\x42\x3f spoiled on its way"


def feed(hub: Hub, dataset: str, *, group: str = FEED_GROUP, batch_size: int = 500) -> DossierFeed:
    """The feed on real Kafka and PostgreSQL, its ports passed in: the bus and the committed
    offsets on the broker, the decoder, the procedures, the store, its outbox, the evidence
    writer."""
    ports = FeedPorts(
        bus=hub.bus,
        group_offsets=group_offsets_factory(hub.settings.bus_url),
        decoder=hub.decoder,
        procedures=hub.procedures,
        store=hub.provide_once,
        outbox=hub.evidence_outbox,
        evidence_writer=lambda: hub.writer(EVIDENCE_DATASET),
    )
    return DossierFeed(hub.catalogue.entry(dataset), ports, group=group, batch_size=batch_size)


@pytest.fixture
def feed_hub(tmp_path: Path, run_id: str) -> Iterator[Hub]:
    """A hub on Kafka and PostgreSQL with this run's own dossier and evidence topics."""
    raw = yaml.safe_load((CATALOGUE_DIR / "datasets.yaml").read_text("utf-8"))
    dossiers = next(d for d in raw["datasets"] if d["id"] == "tthc.dossiers")
    evidence = next(d for d in raw["datasets"] if d["id"] == EVIDENCE_DATASET)
    dossiers["id"] = f"tthc.dossiers_it{run_id}"
    dossiers["topic"] = f"tthc.dossiers.it{run_id}"
    evidence["topic"] = f"evidence.citizen_evidence.it{run_id}"  # the id is the hub's constant
    raw["datasets"] = [dossiers, evidence]
    path = tmp_path / "datasets.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    hub = build_hub(
        KhoSettings(
            data_dir=tmp_path / "kho",
            bus_url=KAFKA_URL,
            database_url=POSTGRES_URL,
            portal_url=f"folder:{tmp_path / 'opendata'}",
            catalogue_path=path,
        )
    )
    yield hub
    hub.close()


def stored(hub: Hub, ids: list[str]) -> tuple[int, int, int]:
    """This run's evidence, versions and unsent outbox rows (the database is shared)."""
    e, v, o = evidence_table.c, evidence_versions_table.c, evidence_outbox_table.c
    with hub.engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).where(e.evidence_id.in_(ids)))
        versions = conn.execute(sa.select(sa.func.count()).where(v.evidence_id.in_(ids)))
        unsent = conn.execute(
            sa.select(sa.func.count()).where(o.evidence_id.in_(ids), o.sent_at.is_(None))
        )
        return int(count.scalar_one()), int(versions.scalar_one()), int(unsent.scalar_one())


def feed_in_threads(hubs: list[Hub], dataset: str, until: Any, timeout_s: float) -> list[FeedRun]:
    """Run one feed per hub, all in the default group, until ``until()`` holds."""
    stop = threading.Event()
    runs: list[FeedRun] = []
    errors: list[BaseException] = []

    def work(hub: Hub) -> None:
        try:
            runs.append(feed(hub, dataset, batch_size=25).run(stop))
        except BaseException as exc:  # noqa: BLE001 (reported by the test below)
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(hub,)) for hub in hubs]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout_s
    try:
        while not until() and time.monotonic() < deadline and not errors:
            time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not errors, errors
    return runs


def test_two_feeds_in_one_group_store_each_evidence_once(feed_hub: Hub, run_id: str) -> None:
    hub = feed_hub
    dataset = next(e.id for e in hub.catalogue.catalogue.datasets if e.id != EVIDENCE_DATASET)
    documents = [
        {**d, "dossier_id": f"{d['dossier_id']}-{run_id}"}
        for d in dossier_documents(COUNT, seed=31)
    ]
    writer = hub.writer(dataset)
    half = COUNT // 2
    writer.publish([writer.message(writer.json_reader.read(d)) for d in documents[:half]])
    hub.bus.publish(writer.entry.topic, [OutgoingMessage(None, SPOILED)])
    writer.publish([writer.message(writer.json_reader.read(d)) for d in documents[half:]])

    def issues(document: dict[str, Any]) -> bool:
        procedure = hub.procedures.procedure(document["procedure_code"])
        return document["status"] == "finished" and bool(procedure and procedure.result)

    expected = sorted(f"hs:{d['dossier_id']}" for d in documents if issues(d))
    assert expected

    second = build_hub(hub.settings)  # another process of the same deployment
    try:
        runs = feed_in_threads(
            [hub, second],
            dataset,
            until=lambda: stored(hub, expected) == (len(expected), len(expected), 0),
            timeout_s=120,
        )
    finally:
        second.close()
    assert stored(hub, expected) == (len(expected), len(expected), 0)
    assert sum(r.created for r in runs) == len(expected)
    assert sum(r.corrected for r in runs) == 0
    assert sum(r.dead_letters for r in runs) == 1

    # The same group again: everything is committed, nothing is read.
    again = feed(hub, dataset).drain(idle_timeout_s=30)
    assert again.drained and again.records == 0

    # A reset group reads everything again and stores nothing new.
    replay = feed(hub, dataset, group=f"kho.evidence-feed.it{run_id}").drain(idle_timeout_s=30)
    assert replay.drained and replay.records == COUNT + 1
    assert (replay.created, replay.corrected, replay.unchanged) == (0, 0, len(expected))
    assert stored(hub, expected) == (len(expected), len(expected), 0)

    evidence_topic = hub.catalogue.entry(EVIDENCE_DATASET).topic
    events = [hub.decoder.decode(m.value) for m in read_all(hub.bus, evidence_topic)]
    mine = sorted(e["evidence_id"] for e in events if e["evidence_id"] in set(expected))
    assert mine == expected  # one update event per evidence
    assert {e["version"] for e in events if e["evidence_id"] in set(expected)} == {1}

    dlq_topic = hub.catalogue.entry(EVIDENCE_DATASET).dlq_topic
    letters = list(DeadLetterQueue(hub.bus, EVIDENCE_DATASET, dlq_topic).letters())
    assert len(letters) == 2  # once from the group, once from the replay
    for stored_letter in letters:
        letter = stored_letter.letter
        assert letter.original == SPOILED
        assert letter.source["kind"] == FEED_SOURCE
        assert letter.violations[0].rule == UNDECODABLE_RULE and letter.reason
