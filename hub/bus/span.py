"""Where a run of appended messages landed, without keeping every position.

A connector run over a large export appends millions of messages; the audit log needs only how
many, the first and the last (in the order written) and each partition's offset range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hub.bus.port import Position


@dataclass
class PositionSpan:
    count: int = 0
    first: Position | None = None
    last: Position | None = None
    ranges: dict[int, tuple[int, int]] = field(default_factory=dict)
    """Partition → (lowest offset, highest offset) written."""

    @classmethod
    def of(cls, positions: Sequence[Position]) -> PositionSpan:
        span = cls()
        span.add(positions)
        return span

    def add(self, positions: Sequence[Position]) -> None:
        """Positions of one append, in the order written."""
        if not positions:
            return
        if self.first is None:
            self.first = positions[0]
        self.last = positions[-1]
        self.count += len(positions)
        # A partition's offsets grow in the order written: its first position in the append
        # is its lowest, its last the highest.
        highs = {p.partition: p.offset for p in positions}
        lows = {p.partition: p.offset for p in reversed(positions)}
        for partition, high in highs.items():
            low, known_high = self.ranges.get(partition, (lows[partition], high))
            self.ranges[partition] = (min(low, lows[partition]), max(known_high, high))

    def details(self, prefix: str = "") -> dict[str, Any]:
        """For an audit entry: the topic, the first and last ``partition:offset`` and each
        partition's offset range; nothing when nothing was written."""
        if self.first is None or self.last is None:
            return {}
        return {
            f"{prefix}topic": self.first.topic,
            f"{prefix}first": f"{self.first.partition}:{self.first.offset}",
            f"{prefix}last": f"{self.last.partition}:{self.last.offset}",
            f"{prefix}partitions": {str(p): [low, high] for p, (low, high) in self.ranges.items()},
        }
