"""Lower bounds of topics' end offsets, cheap enough to store before every idempotent batch.

A batch stores, before its first send to a topic, offsets that its messages will land at or
after (``hub.ingest.batch_delivery``): a lower bound is enough, and the lower it is, the more a
takeover reads. Asking the broker every time costs a metadata round trip under the bus's lock;
so one ``TopicEnds`` per process keeps the ends it last fetched for at most ``max_age``, and
moves them forward with the positions the process's own sends were acknowledged at (a later
send lands after those). A takeover then reads at most ``max_age`` of other writers' records
beyond what it must.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from hub.bus.port import EventBus, Position

MAX_AGE_S = 5.0


class TopicEnds:
    def __init__(
        self,
        bus: EventBus,
        *,
        max_age_s: float = MAX_AGE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bus = bus
        self._max_age_s = max_age_s
        self._clock = clock
        self._lock = threading.Lock()
        self._ends: dict[str, tuple[float, dict[int, int]]] = {}

    def lower_bound(self, topic: str) -> dict[int, int]:
        """Offsets, per partition, at or below the topic's end now."""
        with self._lock:
            known = self._ends.get(topic)
            if known is not None and self._clock() - known[0] < self._max_age_s:
                return dict(known[1])
        fetched_at = self._clock()
        ends = self._bus.end_offsets(topic)
        with self._lock:
            known = self._ends.get(topic)
            if known is not None:  # acknowledged meanwhile: never move a bound backwards
                ends = {p: max(o, known[1].get(p, 0)) for p, o in ends.items()}
            self._ends[topic] = (fetched_at, ends)
        return dict(ends)

    def acknowledged(self, positions: Iterable[Position]) -> None:
        """Move the bounds past where this process's messages landed."""
        with self._lock:
            for position in positions:
                known = self._ends.get(position.topic)
                if known is None:
                    continue
                ends = known[1]
                ends[position.partition] = max(ends.get(position.partition, 0), position.offset + 1)
