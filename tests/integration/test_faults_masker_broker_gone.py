"""The masking worker with the broker gone in the middle of its transaction: the transaction's
steps wait at most ``KHO_KAFKA_TRANSACTION_WAIT_S``, the worker keeps polling while the broker
is away, and once it is back the worker goes on from the committed offsets: `<topic>.masked`,
read with read_committed, holds each input record exactly once. The worker is never stuck: it
stops when told to.

The broker is the session's private one (tests/private_services.py). It is frozen (SIGSTOP)
right after the worker's second batch of masked records was sent, before the offsets and the
commit: the connections stay open and nothing answers, the case only a timeout catches
(kafka-python's own commit_transaction waits for ever there). ``-s`` prints the figures."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.samples.dossiers import dossier_documents
from hub.app.wiring import Hub, build_hub
from hub.settings import KhoSettings
from hub.sharing.mask_lag import read_masking_lag
from hub.sharing.masked_worker import MaskingPorts, MaskingWorker
from tests.integration.conftest import POSTGRES_URL
from tests.integration.test_masker_real import read_topic
from tests.private_services import PrivateKafka

RECORDS = 60
BATCH = 20
WAIT_S = 2.0  # KHO_KAFKA_TRANSACTION_WAIT_S for this test (30 s by default)
FROZEN_S = 2 * WAIT_S + 1  # the broker stays away through a timeout and a failed reconnect
DEADLINE_S = 90.0


@pytest.fixture
def hub(
    tmp_path: Path, private_broker: PrivateKafka, isolated_catalogue: tuple[Path, str]
) -> Iterator[Hub]:
    settings = KhoSettings(
        data_dir=tmp_path / "kho",
        bus_url=private_broker.url,
        database_url=POSTGRES_URL,
        portal_url=f"folder:{tmp_path / 'opendata'}",
        catalogue_path=isolated_catalogue[0],
        kafka_transaction_wait_s=WAIT_S,
    )
    built = build_hub(settings)
    yield built
    built.close()


def test_a_commit_with_the_broker_gone_times_out_and_the_worker_recovers(
    hub: Hub,
    private_broker: PrivateKafka,
    isolated_catalogue: tuple[Path, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    dataset = isolated_catalogue[1]
    entry = hub.catalogue.entry(dataset)
    writer = hub.writer(dataset)
    records = [writer.json_reader.read(d) for d in dossier_documents(RECORDS, seed=2324)]
    writer.publish([writer.message(r) for r in records])

    transactions = 0
    frozen_at: list[float] = []

    def freeze_in_the_second_transaction() -> None:
        nonlocal transactions
        transactions += 1
        if transactions == 2:
            private_broker.freeze()
            frozen_at.append(time.time())

    ports = MaskingPorts(
        bus=hub.bus,
        relays=hub.relays,
        group_offsets=hub.group_offsets,
        registry=hub.registry,
        decoder=hub.decoder,
        pseudonymiser=hub.pseudonymiser,
    )
    worker = MaskingWorker(
        hub.catalogue,
        ports,
        [dataset],
        batch_size=BATCH,
        instance=f"fault-{uuid.uuid4().hex[:8]}",
        after_write=freeze_in_the_second_transaction,
    )
    stop = threading.Event()
    caplog.set_level(logging.WARNING, logger="hub.sharing.masked_worker")
    running = threading.Thread(target=worker.run, args=(stop,), kwargs={"report_every_s": 3600})
    running.start()
    try:
        deadline = time.monotonic() + DEADLINE_S
        while not frozen_at:
            assert time.monotonic() < deadline and running.is_alive(), "never froze the broker"
            time.sleep(0.05)
        time.sleep(FROZEN_S)
    finally:
        private_broker.thaw()
    thawed_at = time.time()

    committed = []
    while len(committed) < RECORDS:
        assert time.monotonic() < deadline and running.is_alive(), len(committed)
        time.sleep(0.5)
        committed = read_topic(private_broker.url, entry.masked_topic, "read_committed")
    caught_up_s = time.time() - thawed_at
    stop.set()
    running.join(timeout=WAIT_S + 15)
    assert not running.is_alive(), "the worker did not stop when told to"

    gave_up = [  # the reports while the broker was frozen (a slow broker may give others)
        r.created
        for r in caplog.records
        if r.name == "hub.sharing.masked_worker"
        and "bus unreachable" in r.getMessage()
        and frozen_at[0] <= r.created <= thawed_at
    ]
    assert gave_up, "the frozen broker was never reported"
    first_timeout_s = gave_up[0] - frozen_at[0]
    assert WAIT_S - 0.5 <= first_timeout_s <= 3 * WAIT_S  # bounded by the wait, not for ever
    keys = Counter(r.key.decode() for r in committed)
    assert keys == Counter(r["dossier_id"] for r in records)  # each once: none lost or twice
    lag = read_masking_lag(hub.catalogue, ports.bus, ports.group_offsets, [dataset])
    assert [d.lag for d in lag] == [0]
    print(
        f"\nmasker, broker frozen mid-transaction for {FROZEN_S:.0f} s: the commit gave up"
        f" {first_timeout_s:.1f} s after (wait {WAIT_S:g} s), {len(gave_up)} retries while"
        f" away; every record in .masked {caught_up_s:.1f} s after the broker came back;"
        f" {RECORDS} records, {RECORDS - len(keys)} lost,"
        f" {sum(keys.values()) - len(keys)} duplicated (read_committed)"
    )
