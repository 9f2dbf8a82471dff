"""The Kafka bus's clients do not wait for each other.

A stream's fetch can wait on the broker for seconds (a poll for records not there yet), and an
ingest batch's flush waits for the broker's acknowledgements. When one lock guarded every
client, either held up the other, and a flush held up the next batch's send of the same
process. Each client now has its own lock, and the flush runs outside it.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest

from hub.bus import OutgoingMessage
from hub.bus.factory import open_bus
from hub.bus.kafka import KafkaBus
from tests.integration.conftest import KAFKA_URL

WAIT_S = 20.0


@pytest.fixture
def bus() -> Iterator[KafkaBus]:
    opened = open_bus(KAFKA_URL)
    assert isinstance(opened, KafkaBus)
    yield opened
    opened.close()


def _in_thread(work: object) -> threading.Thread:
    thread = threading.Thread(target=work, daemon=True)  # type: ignore[arg-type]
    thread.start()
    return thread


def test_a_publish_does_not_wait_for_a_busy_reader(bus: KafkaBus) -> None:
    topic = f"kho.it.locks.{uuid.uuid4().hex[:8]}"
    bus.ensure_topic(topic, 1)
    bus.publish(topic, [OutgoingMessage(b"k", b"first", ())])
    reading = threading.Event()
    release = threading.Event()

    def slow_read() -> None:  # holds the reader's lock as a fetch waiting on the broker does
        with bus._reader_lock:
            reading.set()
            release.wait(WAIT_S)

    reader = _in_thread(slow_read)
    assert reading.wait(WAIT_S)
    published: list[int] = []
    publisher = _in_thread(
        lambda: published.extend(
            p.offset for p in bus.publish(topic, [OutgoingMessage(b"k", b"second", ())])
        )
    )
    publisher.join(WAIT_S)
    release.set()
    reader.join(WAIT_S)
    assert published == [1]  # published while the reader was busy


def test_concurrent_batches_are_each_acknowledged_at_their_own_offsets(bus: KafkaBus) -> None:
    """Flushes run side by side (outside the producer's lock): each batch still gets the
    positions its own messages landed at."""
    topic = f"kho.it.locks.{uuid.uuid4().hex[:8]}"
    bus.ensure_topic(topic, 1)
    bus.publish(topic, [OutgoingMessage(b"k", b"warm", ())])
    batches, size = 8, 200
    offsets: dict[int, list[int]] = {}
    start = threading.Barrier(batches)

    def batch(n: int) -> None:
        start.wait(WAIT_S)
        messages = [OutgoingMessage(b"k", f"{n}-{i}".encode(), ()) for i in range(size)]
        offsets[n] = [p.offset for p in bus.publish(topic, messages)]

    threads = [_in_thread(lambda n=n: batch(n)) for n in range(batches)]
    for thread in threads:
        thread.join(WAIT_S * 2)
    assert sorted(o for found in offsets.values() for o in found) == list(
        range(1, 1 + batches * size)
    )
    records = bus.fetch(topic, 0, 1, batches * size)
    for n, found in offsets.items():
        landed = {r.offset: r.value for r in records if r.offset in set(found)}
        assert [landed[o] for o in found] == [f"{n}-{i}".encode() for i in range(size)]
