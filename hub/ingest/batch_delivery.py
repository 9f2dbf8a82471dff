"""The bus as one idempotent batch sees it: each message tagged with the batch, the topic's
end offsets stored in the claim before the first send, and on a taken-over batch only the
messages the dead attempt did not write are sent (``hub.ingest.idempotency`` tells why).

A ``DatasetWriter`` publishes through it (``DatasetWriter.through``); ``ingest_batch`` calls
``publish`` at most once per topic (the dead letters, then the records), so a message's
ordinal in its ``publish`` call names it across attempts.
"""

from __future__ import annotations

from collections.abc import Sequence

from hub.bus.port import (
    DEFAULT_PARTITIONS,
    BusRecord,
    Consumer,
    EventBus,
    OutgoingMessage,
    Position,
    Sending,
)
from hub.ingest.idempotency import SCAN_SLACK, Holding, IdempotencyStore, claim_lost
from hub.ingest.topic_ends import TopicEnds

BATCH_HEADER = "kho-batch"
"""``<batch tag>:<ordinal>`` on every message of an idempotent batch."""
SCAN_CHUNK = 1000


class _Sent:
    def __init__(self, positions: list[Position]) -> None:
        self._positions = positions

    def acknowledged(self) -> list[Position]:
        return self._positions


class BatchDelivery:
    """An ``EventBus`` for one batch under an Idempotency-Key held by ``holding``."""

    def __init__(
        self, bus: EventBus, store: IdempotencyStore, holding: Holding, ends: TopicEnds
    ) -> None:
        self._bus = bus
        self._ends = ends
        self._store = store
        self._holding = holding
        self._sent_to: set[str] = set()
        self.found_written = 0
        """Messages a taken-over batch found on the topics instead of sending them again."""

    @property
    def description(self) -> str:
        return self._bus.description

    def publish(self, topic: str, messages: Sequence[OutgoingMessage]) -> list[Position]:
        if not messages:
            return []
        if topic in self._sent_to:
            raise ValueError(f"one idempotent batch publishes to {topic} once, not twice")
        self._sent_to.add(topic)
        holding = self._holding
        if holding.lost:
            raise claim_lost(holding.claim)
        tag = holding.batch_tag
        tagged = [
            OutgoingMessage(m.key, m.value, (*m.headers, (BATCH_HEADER, f"{tag}:{i}".encode())))
            for i, m in enumerate(messages)
        ]
        marks = holding.watermarks.get(topic)
        if marks is None:
            self._store.record_watermark(holding, topic, self._ends.lower_bound(topic))
            found: dict[int, Position] = {}
        else:
            found = self._written_since(topic, marks, len(messages))
            self.found_written += len(found)
        missing = [i for i in range(len(tagged)) if i not in found]
        if holding.lost:
            raise claim_lost(holding.claim)
        written = self._bus.publish(topic, [tagged[i] for i in missing]) if missing else []
        self._ends.acknowledged(written)
        found.update(zip(missing, written, strict=True))
        return [found[i] for i in range(len(tagged))]

    def send(self, topic: str, messages: Sequence[OutgoingMessage]) -> Sending:
        return _Sent(self.publish(topic, messages))

    def ensure_topic(self, topic: str, partitions: int = DEFAULT_PARTITIONS) -> None:
        self._bus.ensure_topic(topic, partitions)

    def partition_count(self, topic: str) -> int:
        return self._bus.partition_count(topic)

    def end_offsets(self, topic: str) -> dict[int, int]:
        return self._bus.end_offsets(topic)

    def fetch(self, topic: str, partition: int, offset: int, max_records: int) -> list[BusRecord]:
        return self._bus.fetch(topic, partition, offset, max_records)

    def consumer(self, group: str, topics: Sequence[str]) -> Consumer:
        return self._bus.consumer(group, topics)

    def close(self) -> None:
        """The bus belongs to the hub: closing this view leaves it open."""

    def _written_since(self, topic: str, marks: dict[int, int], count: int) -> dict[int, Position]:
        """Where the earlier attempts' messages of this batch landed, by ordinal: read from the
        watermarks to the end of each partition, or to the first record made after the dead
        holder's lease ran out (plus the slack)."""
        prefix = f"{self._holding.batch_tag}:".encode()
        dead_by = self._holding.dead_by
        cutoff_ms = int((dead_by + SCAN_SLACK).timestamp() * 1000) if dead_by else None
        found: dict[int, Position] = {}
        for partition, end in sorted(self._bus.end_offsets(topic).items()):
            offset = marks.get(partition, 0)
            while offset < end and len(found) < count:
                records = self._bus.fetch(topic, partition, offset, min(SCAN_CHUNK, end - offset))
                if not records:
                    break
                for record in records:
                    if cutoff_ms is not None and record.timestamp_ms > cutoff_ms:
                        offset = end
                        break
                    mark = record.header(BATCH_HEADER)
                    if mark is not None and mark.startswith(prefix):
                        position = Position(record.topic, record.partition, record.offset)
                        found[int(mark[len(prefix) :])] = position
                    offset = record.offset + 1
        return {i: p for i, p in found.items() if i < count}
