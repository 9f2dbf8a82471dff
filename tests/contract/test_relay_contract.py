"""One contract for every exactly-once relay adapter: the embedded SQLite log (one SQLite
transaction) and Apache Kafka (one producer transaction with the consumed offsets)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hub.bus import BusRecord, EventBus, OutgoingMessage, open_bus
from hub.bus.relay import AfterWrite, ExactlyOnceRelay, RoutedMessage
from hub.bus.relay_factory import open_group_offsets, open_relay
from tests.conftest import service_port

KAFKA_URL = f"kafka://kho:kho@127.0.0.1:{service_port('KAFKA', 19092)}"

RelayFactory = Callable[..., ExactlyOnceRelay]


class InjectedCrash(Exception):
    """Raised by the fault-injection hook between writing the outputs and committing."""


@pytest.fixture(params=["embedded", pytest.param("kafka", marks=pytest.mark.integration)])
def bus_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "embedded":
        return f"embedded:{tmp_path / 'bus.sqlite3'}"
    return KAFKA_URL


@pytest.fixture
def bus(bus_url: str) -> Iterator[EventBus]:
    opened = open_bus(bus_url, client_id="kho-relay-contract")
    yield opened
    opened.close()


@pytest.fixture
def names() -> tuple[str, str, str]:
    """This test's input topic, output topic and group."""
    run = uuid.uuid4().hex[:10]
    return f"relay.{run}", f"relay.{run}.out", f"relay-{run}"


@pytest.fixture
def relay_factory(bus_url: str, names: tuple[str, str, str]) -> Iterator[RelayFactory]:
    opened: list[ExactlyOnceRelay] = []
    source, _, group = names

    def make(after_write: AfterWrite | None = None) -> ExactlyOnceRelay:
        relay = open_relay(
            bus_url,
            group=group,
            topics=[source],
            transactional_id=f"{group}.worker",
            client_id="kho-relay-contract",
            after_write=after_write,
        )
        opened.append(relay)
        return relay

    yield make
    for relay in opened:
        relay.close()


def fill(bus: EventBus, names: tuple[str, str, str], count: int) -> None:
    source, out, _ = names
    bus.ensure_topic(source, partitions=3)
    bus.ensure_topic(out, partitions=3)
    bus.publish(source, [OutgoingMessage(f"k{i}".encode(), f"v{i}".encode()) for i in range(count)])


def poll_until(relay: ExactlyOnceRelay, count: int, attempts: int = 60) -> list[BusRecord]:
    got: list[BusRecord] = []
    for _ in range(attempts):
        got.extend(relay.poll(timeout_s=0.5))
        if len(got) >= count:
            break
    return got


def derived(records: list[BusRecord], out: str) -> list[RoutedMessage]:
    return [RoutedMessage(out, r.partition, r.key, b"out-" + r.value) for r in records]


def committed_output(bus: EventBus, topic: str, expected: int) -> list[BusRecord]:
    """What a committed reader (a new group) sees on the topic: polls for the expected count,
    then a little longer for any extra."""
    consumer = bus.consumer(f"reader-{uuid.uuid4().hex[:8]}", [topic])
    got: list[BusRecord] = []
    try:
        for _ in range(60):
            got.extend(consumer.poll(timeout_s=0.5))
            if len(got) >= expected:
                break
        got.extend(consumer.poll(timeout_s=1.0))
    finally:
        consumer.close()
    return got


def test_commit_writes_outputs_and_moves_the_group_on(
    bus: EventBus, bus_url: str, names: tuple[str, str, str], relay_factory: RelayFactory
) -> None:
    """A commit makes each output visible in the partition it names and commits the group's
    offsets at the input's end, so the next relay of the group reads nothing again."""
    source, out, group = names
    fill(bus, names, 12)
    relay = relay_factory()
    records = poll_until(relay, 12)
    assert len(records) == 12
    relay.commit(derived(records, out))
    relay.close()

    seen = committed_output(bus, out, 12)
    assert sorted((r.partition, r.key, r.value) for r in seen) == sorted(
        (r.partition, r.key, b"out-" + r.value) for r in records
    )
    offsets = open_group_offsets(bus_url)
    try:
        assert offsets.committed(group, source) == {
            p: end for p, end in bus.end_offsets(source).items() if end
        }
    finally:
        offsets.close()
    assert relay_factory().poll(timeout_s=3.0) == []


def test_a_crash_between_write_and_commit_keeps_neither(
    bus: EventBus, bus_url: str, names: tuple[str, str, str], relay_factory: RelayFactory
) -> None:
    """Outputs written but not committed are never seen by committed readers and the offsets
    stay where they were: the next relay reads the same records again, and after its commit
    each output is there exactly once."""
    source, out, group = names
    fill(bus, names, 9)

    def crash() -> None:  # fault injection: the worker dies after writing, before committing
        raise InjectedCrash

    first = relay_factory(after_write=crash)
    records = poll_until(first, 9)
    with pytest.raises(InjectedCrash):
        first.commit(derived(records, out))
    first.close()
    offsets = open_group_offsets(bus_url)
    try:
        assert offsets.committed(group, source) == {}
    finally:
        offsets.close()

    second = relay_factory()
    again = poll_until(second, 9)
    assert sorted(r.value for r in again) == sorted(r.value for r in records)
    second.commit(derived(again, out))
    seen = committed_output(bus, out, 9)
    assert sorted(r.value for r in seen) == sorted(b"out-" + r.value for r in records)
