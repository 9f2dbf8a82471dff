"""Materialising a topic: decode every record and keep the latest per key."""

from __future__ import annotations

from typing import Any

from hub.avro.decoder import RegistryDecoder
from hub.bus.port import EventBus
from hub.bus.reading import read_all
from hub.registry.port import SchemaRegistry


def latest_by_key(
    bus: EventBus, registry: SchemaRegistry, topic: str
) -> dict[bytes, dict[str, Any]]:
    """The last record of each key, as the topic stands now. A record without a key is kept
    under its position, so none is lost."""
    decoder = RegistryDecoder(registry)
    latest: dict[bytes, dict[str, Any]] = {}
    for record in read_all(bus, topic):
        key = (
            record.key
            if record.key is not None
            else f"@{record.partition}:{record.offset}".encode()
        )
        latest[key] = decoder.decode(record.value)
    return latest
