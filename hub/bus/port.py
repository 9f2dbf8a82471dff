"""The event bus port: topics split into partitions, each an append-only log of offsets.

Two adapters implement it and pass one contract suite (``tests/contract/test_bus_contract.py``):
Apache Kafka through kafka-python, and an embedded durable log in SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NewType, Protocol

TopicName = NewType("TopicName", str)
DEFAULT_PARTITIONS = 3


Headers = tuple[tuple[str, bytes], ...]


# Not frozen: one is made for every record, and a frozen dataclass's __init__ costs 4x.
@dataclass(slots=True)
class OutgoingMessage:
    """A message to append: the key picks the partition (same key, same partition). Headers
    carry where the message came from (a connector's source position), never its content."""

    key: bytes | None
    value: bytes
    headers: Headers = ()


@dataclass(frozen=True, slots=True)
class Position:
    """Where an appended message landed."""

    topic: str
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class BusRecord:
    """A message read back from the log."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    timestamp_ms: int
    headers: Headers = ()

    def header(self, name: str) -> bytes | None:
        """The value of the first header of that name, or None."""
        return next((value for key, value in self.headers if key == name), None)


class Sending(Protocol):
    """Messages handed to the bus and maybe not yet acknowledged (see ``EventBus.send``)."""

    def acknowledged(self) -> list[Position]:
        """Wait until the bus acknowledged every message; where each landed, in order."""
        ...


class Consumer(Protocol):
    """A member of a consumer group: reads from the group's committed offsets onwards.

    A group with no committed offset for a partition starts at its earliest offset.
    """

    def poll(self, timeout_s: float = 1.0, max_records: int = 500) -> list[BusRecord]: ...

    def commit(self) -> None:
        """Commit the positions after the records returned so far."""

    def close(self) -> None: ...


class EventBus(Protocol):
    """Append messages to topics and read them back, by offset or through consumer groups."""

    @property
    def description(self) -> str:
        """Where this bus lives, for people: 'Kafka 127.0.0.1:9092' or a file path."""
        ...

    def ensure_topic(self, topic: str, partitions: int = DEFAULT_PARTITIONS) -> None:
        """Create the topic if it does not exist; an existing topic is left as it is."""

    def publish(self, topic: str, messages: Sequence[OutgoingMessage]) -> list[Position]:
        """Append messages, in order, and return once all are durably acknowledged."""
        ...

    def send(self, topic: str, messages: Sequence[OutgoingMessage]) -> Sending:
        """Start appending messages, in order, and return without waiting for the bus: a
        writer builds its next batch while this one travels. Nothing is known to be written
        before ``acknowledged()`` returns. Messages of later sends follow on each partition."""
        ...

    def partition_count(self, topic: str) -> int:
        """How many partitions the topic has; 0 if it does not exist."""
        ...

    def end_offsets(self, topic: str) -> dict[int, int]:
        """The next offset to be written, per partition."""
        ...

    def fetch(self, topic: str, partition: int, offset: int, max_records: int) -> list[BusRecord]:
        """Read up to max_records from one partition, starting at offset."""
        ...

    def consumer(self, group: str, topics: Sequence[str]) -> Consumer:
        """Join a consumer group on the topics."""
        ...

    def close(self) -> None: ...
