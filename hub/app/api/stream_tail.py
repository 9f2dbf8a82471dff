"""One watcher of a topic's end offsets per process, shared by every stream open on it.

Each open stream used to ask the bus for the topic's ends at every poll, for every partition:
fifty readers of one dataset made ~150 requests a second to Kafka per API process, one at a
time under the bus's reader lock. A tail asks once per poll interval for all of them, and a
stream reads only after the ends it last saw have moved.

A stream waits for a change of the ends, not for ends past its own positions: on a
transactional topic the commit markers move the ends without a record to read, and a stream
that waited for its positions to catch up would read in a loop.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import anyio
from starlette.concurrency import run_in_threadpool

from hub.bus import EventBus

Ends = dict[int, int]


@dataclass
class _Tail:
    ends: Ends | None = None
    failure: Exception | None = None
    moved: asyncio.Event = field(default_factory=asyncio.Event)
    waiting: int = 0
    watcher: asyncio.Task[None] | None = None

    def publish(self, ends: Ends | None, failure: Exception | None = None) -> None:
        self.ends, self.failure = ends, failure
        self.moved.set()
        self.moved = asyncio.Event()


class StreamTails:
    """The ends of each topic some stream is waiting on, polled every ``interval_s``."""

    def __init__(self, bus: EventBus, interval_s: float) -> None:
        self._bus = bus
        self._interval_s = interval_s
        self._tails: dict[str, _Tail] = {}

    async def ends_after(self, topic: str, seen: Ends | None) -> Ends:
        """The topic's ends once they differ from ``seen`` (at once when ``seen`` is None and
        they are known). Raises what the bus raised while this stream waited."""
        tail = self._tails.setdefault(topic, _Tail())
        tail.waiting += 1
        try:
            if tail.watcher is None or tail.watcher.done():
                tail.watcher = asyncio.create_task(self._watch(topic, tail))
            while tail.ends is None or (seen is not None and tail.ends == seen):
                moved = tail.moved
                await moved.wait()
                if tail.failure is not None:
                    raise tail.failure
            return dict(tail.ends)
        finally:
            tail.waiting -= 1
            if tail.waiting == 0 and self._tails.get(topic) is tail:
                del self._tails[topic]  # the next stream starts a tail (on its own event loop)

    async def _watch(self, topic: str, tail: _Tail) -> None:
        while tail.waiting > 0:
            try:
                ends = await run_in_threadpool(self._bus.end_offsets, topic)
            except Exception as exc:  # handed to every waiter, which ends its stream with it
                tail.publish(None, exc)
                return
            if ends != tail.ends:
                tail.publish(ends)
            await anyio.sleep(self._interval_s)
