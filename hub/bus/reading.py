"""Reading a whole topic, as it stands now, through the port's offset reads."""

from __future__ import annotations

from collections.abc import Iterator

from hub.bus.port import BusRecord, EventBus


def read_all(
    bus: EventBus, topic: str, *, until: dict[int, int] | None = None, chunk: int = 5000
) -> Iterator[BusRecord]:
    """Every record of every partition up to the end offsets ``until`` (by default those seen
    at the start), in offset order within each partition. Records appended meanwhile are not
    read."""
    ends = bus.end_offsets(topic) if until is None else until
    for partition, end in sorted(ends.items()):
        offset = 0
        while offset < end:
            batch = bus.fetch(topic, partition, offset, min(chunk, end - offset))
            if not batch:
                break
            yield from batch
            offset = batch[-1].offset + 1
