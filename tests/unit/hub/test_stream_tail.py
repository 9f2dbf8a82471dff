"""The shared watcher of a topic's ends: it wakes streams when the ends move, and only then."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hub.app.api.stream_tail import StreamTails
from hub.bus import OutgoingMessage
from hub.bus.embedded import EmbeddedBus
from hub.bus.errors import BusUnavailable

TOPIC = "tail.test"
INTERVAL = 0.02


def _bus(tmp_path: Path) -> EmbeddedBus:
    bus = EmbeddedBus(tmp_path / "bus")
    bus.ensure_topic(TOPIC, 2)
    return bus


def test_a_stream_waits_until_the_ends_move(tmp_path: Path) -> None:
    bus = _bus(tmp_path)
    tails = StreamTails(bus, INTERVAL)

    async def scenario() -> None:
        first = await tails.ends_after(TOPIC, None)  # known: at once
        assert first == {0: 0, 1: 0}
        waiting = asyncio.create_task(tails.ends_after(TOPIC, first))
        await asyncio.sleep(INTERVAL * 10)
        assert not waiting.done()  # nothing moved: no wake-up, so no read
        bus.publish(TOPIC, [OutgoingMessage(b"k", b"v", ())])
        moved = await asyncio.wait_for(waiting, 5)
        assert sum(moved.values()) == 1

    asyncio.run(scenario())


def test_many_streams_one_request_per_interval(tmp_path: Path) -> None:
    bus = _bus(tmp_path)
    asked: list[str] = []

    class CountingBus:  # a pass-through that counts the calls
        def end_offsets(self, topic: str) -> dict[int, int]:
            asked.append(topic)
            return bus.end_offsets(topic)

    tails = StreamTails(CountingBus(), INTERVAL)  # type: ignore[arg-type]

    async def scenario() -> None:
        seen = await tails.ends_after(TOPIC, None)
        asked.clear()
        streams = [asyncio.create_task(tails.ends_after(TOPIC, seen)) for _ in range(50)]
        await asyncio.sleep(INTERVAL * 10)
        assert 1 <= len(asked) <= 15  # about one per interval, for all fifty streams
        bus.publish(TOPIC, [OutgoingMessage(b"k", b"v", ())])
        assert len({tuple(sorted(e.items())) for e in await asyncio.gather(*streams)}) == 1

    asyncio.run(scenario())
    bus.close()


def test_a_bus_failure_reaches_every_waiting_stream_and_the_next_one_retries(
    tmp_path: Path,
) -> None:
    bus = _bus(tmp_path)
    down = [True]

    class FlakyBus:  # a fake for a fault: Kafka gone while streams wait
        def end_offsets(self, topic: str) -> dict[int, int]:
            if down[0]:
                raise BusUnavailable("Kafka", "127.0.0.1:9")
            return bus.end_offsets(topic)

    tails = StreamTails(FlakyBus(), INTERVAL)  # type: ignore[arg-type]

    async def scenario() -> None:
        streams = [asyncio.create_task(tails.ends_after(TOPIC, None)) for _ in range(3)]
        for outcome in await asyncio.gather(*streams, return_exceptions=True):
            assert isinstance(outcome, BusUnavailable)
        down[0] = False
        assert await asyncio.wait_for(tails.ends_after(TOPIC, None), 5) == {0: 0, 1: 0}

    asyncio.run(scenario())
    bus.close()


@pytest.mark.parametrize("waiters", [1, 3])
def test_the_watcher_stops_when_no_stream_waits(tmp_path: Path, waiters: int) -> None:
    bus = _bus(tmp_path)
    tails = StreamTails(bus, INTERVAL)

    async def scenario() -> None:
        seen = await tails.ends_after(TOPIC, None)
        streams = [asyncio.create_task(tails.ends_after(TOPIC, seen)) for _ in range(waiters)]
        await asyncio.sleep(INTERVAL * 3)
        watchers = [t for t in asyncio.all_tasks() if t.get_coro().__name__ == "_watch"]
        assert len(watchers) == 1
        for stream in streams:
            stream.cancel()
        await asyncio.gather(*streams, return_exceptions=True)
        await asyncio.sleep(INTERVAL * 3)
        assert not [t for t in asyncio.all_tasks() if t.get_coro().__name__ == "_watch"]

    asyncio.run(scenario())
    bus.close()
