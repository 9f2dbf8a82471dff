"""The relay and group-offset ports on an embedded bus the test already holds, for the workers'
tests to pass in (the shell builds the same from the bus URL)."""

from __future__ import annotations

from collections.abc import Sequence

from hub.bus.embedded import EmbeddedBus
from hub.bus.embedded_relay import EmbeddedGroupOffsets, EmbeddedRelay
from hub.bus.port import EventBus
from hub.bus.relay import AfterWrite, ExactlyOnceRelay, GroupOffsetsFactory, RelayFactory


def embedded(bus: EventBus) -> EmbeddedBus:
    if not isinstance(bus, EmbeddedBus):
        raise TypeError(f"an embedded bus is needed here, not {type(bus).__name__}")
    return bus


def embedded_relays(bus: EventBus) -> RelayFactory:
    """Relays on this very bus (sharing its SQLite log), not owning it."""
    log = embedded(bus)

    def open_one(
        *,
        group: str,
        topics: Sequence[str],
        transactional_id: str,
        after_write: AfterWrite | None = None,
    ) -> ExactlyOnceRelay:
        return EmbeddedRelay(log, group, topics, after_write=after_write)

    return open_one


def embedded_group_offsets(bus: EventBus) -> GroupOffsetsFactory:
    """Readers of the committed offsets on this very bus, not owning it."""
    log = embedded(bus)
    return lambda: EmbeddedGroupOffsets(log)
