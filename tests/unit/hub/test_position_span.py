"""A write's span: what the audit entry says, without keeping every position."""

from __future__ import annotations

import random

from hub.bus.port import Position
from hub.bus.span import PositionSpan


def appended(rng: random.Random, next_offsets: dict[int, int], count: int) -> list[Position]:
    """One append: messages spread over three partitions, offsets growing in each."""
    positions = []
    for _ in range(count):
        partition = rng.randrange(3)
        positions.append(Position("t", partition, next_offsets[partition]))
        next_offsets[partition] += 1
    return positions


def test_a_span_built_append_by_append_says_what_every_position_says() -> None:
    rng = random.Random(7)
    next_offsets = {0: 40, 1: 0, 2: 5}
    appends = [appended(rng, next_offsets, rng.randrange(0, 50)) for _ in range(30)]
    span = PositionSpan()
    for positions in appends:
        span.add(positions)
    every = [p for positions in appends for p in positions]
    assert span.count == len(every)
    assert (span.first, span.last) == (every[0], every[-1])
    for partition in range(3):
        offsets = [p.offset for p in every if p.partition == partition]
        assert span.ranges[partition] == (min(offsets), max(offsets))
    assert span.details("dlq_") == {
        "dlq_topic": "t",
        "dlq_first": f"{every[0].partition}:{every[0].offset}",
        "dlq_last": f"{every[-1].partition}:{every[-1].offset}",
        "dlq_partitions": {str(p): list(span.ranges[p]) for p in span.ranges},
    }


def test_nothing_written_says_nothing() -> None:
    span = PositionSpan.of([])
    assert span.count == 0 and span.details() == {}
