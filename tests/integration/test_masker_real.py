"""The masking worker on real Kafka: killed in the middle of a transaction, restarted, and
`<topic>.masked` read with read_committed holds each input record exactly once, masked."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import kafka

from connectors.samples.dossiers import dossier_documents
from hub.app.wiring import Hub
from hub.bus.kafka_url import parse_kafka_url
from hub.bus.relay_factory import group_offsets_factory, relay_factory
from hub.sharing.mask_lag import read_masking_lag
from hub.sharing.masked_worker import MaskingPorts, MaskingWorker

RECORDS = 60
BATCH = 20

# Runs in its own process: masks in batches of BATCH and, in the second transaction, after the
# masked records are sent and flushed but before the offsets and the commit, kills itself with
# SIGKILL (fault injection: a real crash, nothing is closed or aborted).
CRASHING_WORKER = """
import os, signal, sys
from hub.settings import KhoSettings
from hub.bus.relay_factory import group_offsets_factory, relay_factory
from hub.sharing.masked_worker import MaskingPorts, MaskingWorker
from hub.app.wiring import build_hub

transactions = 0

def die_in_the_second_transaction():
    global transactions
    transactions += 1
    if transactions == 2:
        os.kill(os.getpid(), signal.SIGKILL)

hub = build_hub(KhoSettings())
url = hub.settings.bus_url
ports = MaskingPorts(bus=hub.bus, relays=relay_factory(url),
                     group_offsets=group_offsets_factory(url), registry=hub.registry,
                     decoder=hub.decoder, pseudonymiser=hub.pseudonymiser)
MaskingWorker(hub.catalogue, ports, [sys.argv[1]], batch_size=int(sys.argv[2]),
              after_write=die_in_the_second_transaction).drain()
"""


def kafka_ports(hub: Hub) -> MaskingPorts:
    """The worker's ports on real Kafka, passed in: the bus, transactional relays and committed
    offsets on its broker, the registry and its decoder, the pseudonymiser."""
    url, client_id = hub.settings.bus_url, hub.settings.client_id
    return MaskingPorts(
        bus=hub.bus,
        relays=relay_factory(url, client_id=client_id),
        group_offsets=group_offsets_factory(url, client_id=client_id),
        registry=hub.registry,
        decoder=hub.decoder,
        pseudonymiser=hub.pseudonymiser,
    )


def read_topic(url: str, topic: str, isolation_level: str) -> list[Any]:
    """Every record of the topic as a reader with this isolation level sees it."""
    consumer = kafka.KafkaConsumer(
        **parse_kafka_url(url).client_options(),
        group_id=None,
        enable_auto_commit=False,
        isolation_level=isolation_level,
    )
    try:
        partitions = [kafka.TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        ends = consumer.end_offsets(partitions)
        records: list[Any] = []
        deadline = time.monotonic() + 30
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            assert time.monotonic() < deadline, f"{topic} not read to its end in 30 s"
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def crash_a_worker(hub: Hub, dataset: str) -> subprocess.CompletedProcess[str]:
    settings = hub.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    env.update(
        KHO_BUS_URL=settings.bus_url,
        KHO_DATABASE_URL=settings.database_url,
        KHO_DATA_DIR=str(settings.data_dir),
        KHO_CATALOGUE_PATH=str(settings.catalogue_path),
        KHO_PORTAL_URL=settings.portal_url,
    )
    return subprocess.run(
        [sys.executable, "-c", CRASHING_WORKER, dataset, str(BATCH)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_worker_killed_mid_transaction_loses_and_duplicates_nothing(
    kafka_hub: Hub, isolated_catalogue: tuple[Path, str]
) -> None:
    """A worker is SIGKILLed after sending its second batch of masked records, before
    committing. The restarted worker (same transactional id) fences it, aborts its transaction
    and resumes after the first batch: read_committed sees each dossier once, in its input
    partition, with no personal field in clear, while read_uncommitted still sees the aborted
    copies. The lag ends at 0."""
    dataset = isolated_catalogue[1]
    entry = kafka_hub.catalogue.entry(dataset)
    writer = kafka_hub.writer(dataset)
    records = [writer.json_reader.read(d) for d in dossier_documents(RECORDS, seed=23)]
    positions = writer.publish([writer.message(r) for r in records])
    partition_of = {r["dossier_id"]: p.partition for r, p in zip(records, positions, strict=True)}

    crashed = crash_a_worker(kafka_hub, dataset)
    assert crashed.returncode == -9, crashed.stderr  # killed by its own SIGKILL
    committed_before = len(
        read_topic(kafka_hub.settings.bus_url, entry.masked_topic, "read_committed")
    )
    assert 0 < committed_before < RECORDS  # the first transaction only

    ports = kafka_ports(kafka_hub)
    restarted = MaskingWorker(kafka_hub.catalogue, ports, [dataset], batch_size=BATCH).drain()

    assert restarted.drained
    assert restarted.masked == RECORDS - committed_before
    url = kafka_hub.settings.bus_url
    committed = read_topic(url, entry.masked_topic, "read_committed")
    keys = sorted(r.key.decode() for r in committed)
    assert keys == sorted(partition_of)  # each input key exactly once
    secrets = [r["applicant_name"] for r in records] + [r["applicant_id_number"] for r in records]
    for message in committed:
        assert message.partition == partition_of[message.key.decode()]
        assert not any(secret.encode() in message.value for secret in secrets)
        datum = kafka_hub.decoder.decode(message.value)
        assert "applicant_name" not in datum
        assert datum["applicant_id_number"].startswith("ps_")

    uncommitted = read_topic(url, entry.masked_topic, "read_uncommitted")
    assert len(uncommitted) > RECORDS  # the killed transaction's records are in the log, aborted
    lag = read_masking_lag(kafka_hub.catalogue, ports.bus, ports.group_offsets, [dataset])
    assert [d.lag for d in lag] == [0]
