"""The embedded adapter of the exactly-once relay: outputs and group offsets in one SQLite
transaction.

Positions start at the group's committed offsets and advance as records are polled; a commit
writes the outputs and the positions together (``EmbeddedBus.append_and_commit``). If it fails
(or the process dies before SQLite's COMMIT), nothing of it is kept and the positions go back to
the committed offsets, so the same records are read again and nothing is written twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from hub.bus.embedded import EmbeddedBus, poll_until
from hub.bus.port import BusRecord
from hub.bus.relay import AfterWrite, RoutedMessage


class EmbeddedRelay:
    """An ExactlyOnceRelay on the embedded log. Like the embedded consumer, it reads every
    partition of its topics (there is no rebalancing on a process-local log)."""

    def __init__(
        self,
        bus: EmbeddedBus,
        group: str,
        topics: Sequence[str],
        *,
        after_write: AfterWrite | None = None,
        owns_bus: bool = False,
    ) -> None:
        self._bus = bus
        self._group = group
        self._topics = list(topics)
        self._after_write = after_write
        self._owns_bus = owns_bus
        self._positions: dict[tuple[str, int], int] | None = None
        self._pending: dict[tuple[str, int], int] = {}

    def poll(self, timeout_s: float = 1.0, max_records: int = 500) -> list[BusRecord]:
        return poll_until(self._read, timeout_s, max_records)

    def commit(self, outputs: Sequence[RoutedMessage]) -> None:
        if not outputs and not self._pending:
            return
        try:
            self._bus.append_and_commit(
                outputs, self._group, self._pending, after_write=self._after_write
            )
        except BaseException:
            self._positions = None  # read again from the committed offsets
            self._pending = {}
            raise
        self._pending = {}

    def close(self) -> None:
        self._positions = None
        self._pending = {}
        if self._owns_bus:
            self._bus.close()

    def _committed(self) -> dict[tuple[str, int], int]:
        return {
            (topic, partition): offset
            for topic in self._topics
            for partition, offset in self._bus.committed(self._group, topic).items()
        }

    def _read(self, max_records: int) -> list[BusRecord]:
        if self._positions is None:
            self._positions = self._committed()
        records: list[BusRecord] = []
        for topic in self._topics:
            for partition in range(self._bus.partition_count(topic)):
                room = max_records - len(records)
                if room <= 0:
                    return records
                start = self._positions.get((topic, partition), 0)
                batch = self._bus.fetch(topic, partition, start, room)
                if batch:
                    self._positions[(topic, partition)] = batch[-1].offset + 1
                    self._pending[(topic, partition)] = batch[-1].offset + 1
                    records.extend(batch)
        return records


class EmbeddedGroupOffsets:
    """GroupOffsets on the embedded log."""

    def __init__(self, bus: EmbeddedBus, *, owns_bus: bool = False) -> None:
        self._bus = bus
        self._owns_bus = owns_bus

    def committed(self, group: str, topic: str) -> dict[int, int]:
        return self._bus.committed(group, topic)

    def close(self) -> None:
        if self._owns_bus:
            self._bus.close()
