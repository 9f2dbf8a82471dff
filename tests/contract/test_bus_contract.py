"""One contract for every bus adapter: the embedded SQLite log and Apache Kafka behave alike."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hub.bus import BusRecord, Consumer, EventBus, OutgoingMessage, open_bus, read_all
from hub.bus.partitioning import partition_for_key
from tests.conftest import service_port

KAFKA_URL = f"kafka://kho:kho@127.0.0.1:{service_port('KAFKA', 19092)}"


@pytest.fixture(
    params=["embedded", pytest.param("kafka", marks=pytest.mark.integration)],
)
def bus_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "embedded":
        return f"embedded:{tmp_path / 'bus.sqlite3'}"
    return KAFKA_URL


@pytest.fixture
def bus_factory(bus_url: str) -> Iterator[Callable[[], EventBus]]:
    opened: list[EventBus] = []

    def make() -> EventBus:
        bus = open_bus(bus_url, client_id="kho-contract")
        opened.append(bus)
        return bus

    yield make
    for bus in opened:
        bus.close()


@pytest.fixture
def bus(bus_factory: Callable[[], EventBus]) -> EventBus:
    return bus_factory()


@pytest.fixture
def topic(bus: EventBus) -> str:
    name = f"contract.{uuid.uuid4().hex[:12]}"
    bus.ensure_topic(name, partitions=3)
    return name


def messages(count: int, prefix: str = "k") -> list[OutgoingMessage]:
    return [OutgoingMessage(f"{prefix}{i % 7}".encode(), f"v{i}".encode()) for i in range(count)]


def poll_until(consumer: Consumer, count: int, attempts: int = 40) -> list[BusRecord]:
    got: list[BusRecord] = []
    for _ in range(attempts):
        got.extend(consumer.poll(timeout_s=0.5))
        if len(got) >= count:
            break
    return got


def test_ensure_topic_is_idempotent(bus: EventBus, topic: str) -> None:
    """Creating an existing topic again keeps its partitions."""
    bus.ensure_topic(topic, partitions=5)
    assert bus.partition_count(topic) == 3


def test_a_missing_topic_has_no_partitions(bus: EventBus, topic: str) -> None:
    """Asking does not create it: a stream on a topic not made yet sees nothing."""
    missing = f"{topic}.not-made"
    assert bus.partition_count(missing) == 0
    assert bus.end_offsets(missing) == {}
    assert bus.partition_count(missing) == 0


def test_offsets_count_from_zero_per_partition(bus: EventBus, topic: str) -> None:
    """Each partition's offsets are 0, 1, 2, … and end_offsets is one past the last."""
    positions = bus.publish(topic, messages(30))
    per_partition: dict[int, list[int]] = {}
    for position in positions:
        per_partition.setdefault(position.partition, []).append(position.offset)
    for offsets in per_partition.values():
        assert offsets == list(range(len(offsets)))
    assert bus.end_offsets(topic) == {p: len(per_partition.get(p, [])) for p in range(3)}


def test_same_key_same_partition_as_kafka_default(bus: EventBus, topic: str) -> None:
    """A key always lands where Kafka's default partitioner puts it."""
    for position, message in zip(bus.publish(topic, messages(21)), messages(21), strict=True):
        assert message.key is not None
        assert position.partition == partition_for_key(message.key, 3)


def test_fetch_returns_records_from_an_offset_in_order(bus: EventBus, topic: str) -> None:
    """fetch(p, o, n) gives offsets o, o+1, … of that partition with their keys and values."""
    sent = [OutgoingMessage(b"same-key", f"v{i}".encode()) for i in range(10)]
    partition = bus.publish(topic, sent)[0].partition
    got = bus.fetch(topic, partition, 4, 3)
    assert [(r.offset, r.value) for r in got] == [(4, b"v4"), (5, b"v5"), (6, b"v6")]
    assert all(r.key == b"same-key" and r.topic == topic for r in got)
    assert bus.fetch(topic, partition, 10, 5) == []


def test_headers_travel_with_the_message(bus: EventBus, topic: str) -> None:
    """Headers come back in order with their bytes, through fetch and through a group; a
    message sent without headers has none."""
    headers = (("kho-connector", b"tthc-csv"), ("kho-position", b'{"row": 7}'))
    partition = bus.publish(
        topic, [OutgoingMessage(b"k", b"with", headers), OutgoingMessage(b"k", b"without")]
    )[0].partition
    fetched = bus.fetch(topic, partition, 0, 2)
    assert fetched[0].headers == headers
    assert fetched[0].header("kho-position") == b'{"row": 7}'
    assert fetched[1].headers == () and fetched[1].header("kho-position") is None
    consumer = bus.consumer(f"{topic}-headers", [topic])
    try:
        assert poll_until(consumer, 2)[0].headers == headers
    finally:
        consumer.close()


def test_sends_in_flight_together_keep_their_order(bus: EventBus, topic: str) -> None:
    """Two sends before either is awaited: each acknowledges where its messages landed, and on
    a partition the second send's messages follow the first's."""
    first = bus.send(topic, [OutgoingMessage(b"same-key", f"a{i}".encode()) for i in range(5)])
    second = bus.send(topic, [OutgoingMessage(b"same-key", f"b{i}".encode()) for i in range(5)])
    later, earlier = second.acknowledged(), first.acknowledged()
    assert [p.offset for p in earlier] == [0, 1, 2, 3, 4]
    assert [p.offset for p in later] == [5, 6, 7, 8, 9]
    assert {p.partition for p in earlier + later} == {partition_for_key(b"same-key", 3)}
    assert bus.send(topic, []).acknowledged() == []
    got = bus.fetch(topic, earlier[0].partition, 0, 10)
    assert [r.value for r in got] == [f"a{i}".encode() for i in range(5)] + [
        f"b{i}".encode() for i in range(5)
    ]


def test_read_all_sees_every_record_once(bus: EventBus, topic: str) -> None:
    """Reading the whole topic returns each published value exactly once."""
    bus.publish(topic, messages(50))
    assert sorted(r.value for r in read_all(bus, topic)) == sorted(m.value for m in messages(50))


def test_new_group_starts_at_the_earliest_offset(bus: EventBus, topic: str) -> None:
    """A group with no committed offsets receives everything already on the topic."""
    bus.publish(topic, messages(12))
    consumer = bus.consumer(f"g-{uuid.uuid4().hex[:8]}", [topic])
    try:
        assert len(poll_until(consumer, 12)) == 12
    finally:
        consumer.close()


def test_committed_offsets_survive_and_resume(
    bus: EventBus, bus_factory: Callable[[], EventBus], topic: str
) -> None:
    """After a commit, the group's next member (even on a new bus client) gets only what follows;
    another group still gets everything."""
    group = f"g-{uuid.uuid4().hex[:8]}"
    bus.publish(topic, messages(10, "a"))
    first = bus.consumer(group, [topic])
    assert len(poll_until(first, 10)) == 10
    first.commit()
    first.close()

    bus.publish(topic, messages(5, "b"))
    again = bus_factory()
    second = again.consumer(group, [topic])
    try:
        got = poll_until(second, 5)
        assert sorted(r.value for r in got) == sorted(m.value for m in messages(5, "b"))
    finally:
        second.close()
    other = again.consumer(f"{group}-other", [topic])
    try:
        assert len(poll_until(other, 15)) == 15
    finally:
        other.close()


def test_uncommitted_records_are_delivered_again(bus: EventBus, topic: str) -> None:
    """Records read but not committed go to the group's next member."""
    group = f"g-{uuid.uuid4().hex[:8]}"
    bus.publish(topic, messages(6))
    first = bus.consumer(group, [topic])
    assert len(poll_until(first, 6)) == 6
    first.close()
    second = bus.consumer(group, [topic])
    try:
        assert len(poll_until(second, 6)) == 6
    finally:
        second.close()


def test_a_new_client_sees_durable_records(
    bus: EventBus, bus_factory: Callable[[], EventBus], topic: str
) -> None:
    """What one client published, a fresh client of the same bus reads back."""
    bus.publish(topic, messages(8))
    bus.close()
    reopened = bus_factory()
    assert len(list(read_all(reopened, topic))) == 8
