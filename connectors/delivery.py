"""Exactly once onto the bus, across crashes.

Every message a connector publishes carries three headers: the connector, the stream it read
(a file's name and digest, a table) and the record's position in that stream. The checkpoint
holds the topic's end offsets as they were when it was saved. A connector killed after the bus
acknowledged a batch but before it saved its checkpoint finds, on restart, that batch on the
topic past those offsets, and skips exactly those records when it reads its source again.
"""

from __future__ import annotations

import json
from typing import Any

from connectors.checkpoints import BusEnds, Checkpoint
from hub.bus.port import EventBus, Headers, Position

CONNECTOR_HEADER = "kho-connector"
STREAM_HEADER = "kho-stream"
POSITION_HEADER = "kho-position"
_FETCH = 5000


def position_key(position: Any) -> str:
    """The canonical text of a source position, as it travels in the message header."""
    if type(position) is int:
        return str(position)  # a row number: what json.dumps writes, for less
    return json.dumps(position, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


class Provenance:
    """The headers of one connector's messages from one stream."""

    def __init__(self, connector: str, stream: str) -> None:
        self._fixed = (
            (CONNECTOR_HEADER, connector.encode("utf-8")),
            (STREAM_HEADER, stream.encode("utf-8")),
        )

    def headers(self, position: Any) -> Headers:
        return (*self._fixed, (POSITION_HEADER, position_key(position).encode("utf-8")))


def bus_ends(bus: EventBus, topics: list[str]) -> BusEnds:
    return {topic: bus.end_offsets(topic) for topic in topics}


def ends_after(positions: list[Position]) -> BusEnds:
    """One past the highest offset acknowledged in each partition."""
    ends: BusEnds = {}
    for p in positions:
        partitions = ends.setdefault(p.topic, {})
        partitions[p.partition] = max(partitions.get(p.partition, 0), p.offset + 1)
    return ends


def published_after(
    bus: EventBus, checkpoint: Checkpoint, topics: list[str]
) -> tuple[set[str], BusEnds]:
    """Positions of the checkpoint's stream already on the topics past its saved offsets, and
    the end offsets the search went to (once the run has passed those positions, nothing of
    the stream before these offsets needs to be searched again)."""
    connector = checkpoint.connector.encode("utf-8")
    stream = checkpoint.stream.encode("utf-8")
    found: set[str] = set()
    searched: BusEnds = {}
    for topic in topics:
        saved = checkpoint.bus_ends.get(topic, {})
        searched[topic] = bus.end_offsets(topic)
        for partition, end in searched[topic].items():
            offset = saved.get(partition, 0)
            while offset < end:
                records = bus.fetch(topic, partition, offset, min(_FETCH, end - offset))
                if not records:
                    break
                for record in records:
                    if (
                        record.header(CONNECTOR_HEADER) == connector
                        and record.header(STREAM_HEADER) == stream
                    ):
                        found.add((record.header(POSITION_HEADER) or b"").decode("utf-8"))
                offset = records[-1].offset + 1
    return found, searched
