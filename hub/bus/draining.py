"""Reading a group's topics up to the end offsets seen at the start, then stopping: the
``--once`` mode every worker offers (masking, evidence feed, 766 index)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, MutableMapping
from typing import Protocol

from hub.bus.port import BusRecord

Position = tuple[str, int]
"""A (topic, partition) pair."""


class Polling(Protocol):
    """A consumer or an exactly-once relay: anything that hands out the next records."""

    def poll(self, timeout_s: float = 1.0, max_records: int = 500) -> list[BusRecord]: ...


def drain_to(
    source: Polling,
    targets: Mapping[Position, int],
    done: MutableMapping[Position, int],
    handle: Callable[[list[BusRecord]], None],
    *,
    max_records: int,
    idle_timeout_s: float,
) -> bool:
    """Poll ``source`` and hand each batch to ``handle`` until every position in ``done``
    reaches its end offset in ``targets``. ``done`` holds the next offset to read per
    position and is moved on after each batch handled. False when ``idle_timeout_s`` passed
    without a record before the ends were reached."""
    idle_since = time.monotonic()
    while any(done.get(key, 0) < end for key, end in targets.items()):
        records = source.poll(timeout_s=1.0, max_records=max_records)
        if not records:
            if time.monotonic() - idle_since >= idle_timeout_s:
                return False
            continue
        handle(records)
        for record in records:
            key = (record.topic, record.partition)
            done[key] = max(done.get(key, 0), record.offset + 1)
        idle_since = time.monotonic()
    return True
