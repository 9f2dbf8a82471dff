"""The production store of the audit log's anchors: an append-only Kafka topic.

One partition, so the anchors keep their order; created by the hub when missing with
``cleanup.policy=delete`` and ``retention.ms=-1`` (never compacted, never expired). The topic
is append-only as far as the hub goes when its Kafka user may only Write, Read and Describe
it (no Delete, Alter or AlterConfigs): give the anchors a user of their own in
``KHO_AUDIT_ANCHORS_URL`` when the bus's user is a super user. The database's credentials
reach nothing here, so rewriting the audit table cannot rewrite its anchors.
"""

from __future__ import annotations

from typing import Final

from hub.bus.kafka import KafkaBus
from hub.bus.port import OutgoingMessage

TOPIC_CONFIGS: Final = {
    "cleanup.policy": "delete",
    "retention.ms": "-1",
    "retention.bytes": "-1",
}
_KEY: Final = b"audit-anchor"


class TopicAnchors:
    def __init__(self, bus: KafkaBus, topic: str) -> None:
        self._bus = bus
        self._topic = topic
        self._ensured = False

    @property
    def description(self) -> str:
        return f"topic {self._topic} trên {self._bus.description}"

    def append(self, record: bytes) -> None:
        if not self._ensured:
            self._bus.ensure_topic(self._topic, 1, configs=TOPIC_CONFIGS)
            self._ensured = True
        self._bus.publish(self._topic, [OutgoingMessage(key=_KEY, value=record)])

    def recent(self, limit: int) -> list[tuple[str, bytes]]:
        if self._bus.partition_count(self._topic) == 0:
            return []
        end = self._bus.end_offsets(self._topic).get(0, 0)
        start = max(0, end - limit)
        records = self._bus.fetch(self._topic, 0, start, end - start)
        return [(f"offset {r.offset}", r.value) for r in records]

    def close(self) -> None:
        self._bus.close()
