"""A worker's consumer lag, sampled from the bus: each partition's end offset minus the offset
its group committed. It reads through two small interfaces the bus port's adapters provide, so
this module needs nothing from the bus package."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from hub.metrics.definitions import CONSUMER_LAG

log = logging.getLogger(__name__)


class EndOffsets(Protocol):
    def end_offsets(self, topic: str) -> dict[int, int]: ...


class CommittedOffsets(Protocol):
    def committed(self, group: str, topic: str) -> dict[int, int]: ...

    def close(self) -> None: ...


class LagSampler:
    """Sets ``kho_consumer_lag`` for one group's topics, now (``sample``) or every few seconds
    in a daemon thread (``start``) until the event is set."""

    def __init__(
        self,
        bus: EndOffsets,
        group_offsets: Callable[[], CommittedOffsets],
        group: str,
        topics: Sequence[str],
    ) -> None:
        self._bus = bus
        self._group_offsets = group_offsets
        self.group = group
        self.topics = list(topics)

    def sample(self) -> int:
        """Read the lag of every partition and export it; the total."""
        total = 0
        offsets = self._group_offsets()
        try:
            for topic in self.topics:
                ends = self._bus.end_offsets(topic)
                committed = offsets.committed(self.group, topic) if ends else {}
                for partition, end in ends.items():
                    lag = max(0, end - committed.get(partition, 0))
                    total += lag
                    CONSUMER_LAG.labels(
                        group=self.group, topic=topic, partition=str(partition)
                    ).set(lag)
        finally:
            offsets.close()
        return total

    def start(self, stop: threading.Event, every_s: float = 15.0) -> threading.Thread:
        def loop() -> None:
            while not stop.is_set():
                try:
                    self.sample()
                except Exception as exc:  # a rebalance or an unreachable bus: try again later
                    log.warning("consumer lag of %s not read: %s", self.group, exc)
                stop.wait(every_s)

        thread = threading.Thread(target=loop, name=f"lag-{self.group}", daemon=True)
        thread.start()
        return thread
