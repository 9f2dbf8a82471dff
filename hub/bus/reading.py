"""Reading a whole topic, as it stands now, through the port's offset reads."""

from __future__ import annotations

from collections.abc import Iterator

from hub.bus.port import BusRecord, EventBus


def read_all(bus: EventBus, topic: str, *, chunk: int = 5000) -> Iterator[BusRecord]:
    """Every record of every partition up to the end offsets seen at the start, in offset order
    within each partition. Records appended meanwhile are not read."""
    for partition, end in sorted(bus.end_offsets(topic).items()):
        offset = 0
        while offset < end:
            batch = bus.fetch(topic, partition, offset, min(chunk, end - offset))
            if not batch:
                break
            yield from batch
            offset = batch[-1].offset + 1
