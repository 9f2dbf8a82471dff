"""A bus that remembers where each published message landed, so a replay can say where its
record went (the dataset writer reports counts, not positions)."""

from __future__ import annotations

from collections.abc import Sequence

from hub.bus.port import (
    DEFAULT_PARTITIONS,
    BusRecord,
    Consumer,
    EventBus,
    OutgoingMessage,
    Position,
)


class PositionRecordingBus:
    """An EventBus forwarding to the hub's bus; ``positions`` lists every append since ``clear``."""

    def __init__(self, inner: EventBus) -> None:
        self._inner = inner
        self.positions: list[Position] = []

    @property
    def description(self) -> str:
        return self._inner.description

    def clear(self) -> None:
        self.positions.clear()

    def ensure_topic(self, topic: str, partitions: int = DEFAULT_PARTITIONS) -> None:
        self._inner.ensure_topic(topic, partitions)

    def publish(self, topic: str, messages: Sequence[OutgoingMessage]) -> list[Position]:
        positions = self._inner.publish(topic, messages)
        self.positions.extend(positions)
        return positions

    def partition_count(self, topic: str) -> int:
        return self._inner.partition_count(topic)

    def end_offsets(self, topic: str) -> dict[int, int]:
        return self._inner.end_offsets(topic)

    def fetch(self, topic: str, partition: int, offset: int, max_records: int) -> list[BusRecord]:
        return self._inner.fetch(topic, partition, offset, max_records)

    def consumer(self, group: str, topics: Sequence[str]) -> Consumer:
        return self._inner.consumer(group, topics)

    def close(self) -> None:
        """Nothing to close: the inner bus belongs to the hub."""
