"""Choose the exactly-once relay's adapter from the bus URL, as ``open_bus`` does for the bus."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hub.bus.relay import AfterWrite, ExactlyOnceRelay, GroupOffsets
from hub.errors import ConfigurationError


def open_relay(
    url: str,
    *,
    group: str,
    topics: Sequence[str],
    transactional_id: str,
    client_id: str = "kho",
    after_write: AfterWrite | None = None,
) -> ExactlyOnceRelay:
    """A relay reading ``topics`` in ``group``. On Kafka, ``transactional_id`` names the worker:
    a second relay with the same id fences the first. ``after_write`` is for fault injection."""
    if url.startswith("embedded:"):
        from hub.bus.embedded import EmbeddedBus
        from hub.bus.embedded_relay import EmbeddedRelay

        bus = EmbeddedBus(_embedded_path(url))
        return EmbeddedRelay(bus, group, topics, after_write=after_write, owns_bus=True)
    if url.startswith("kafka://"):
        from hub.bus.kafka_relay import KafkaRelay
        from hub.bus.kafka_url import parse_kafka_url

        return KafkaRelay(
            parse_kafka_url(url),
            group=group,
            topics=topics,
            transactional_id=transactional_id,
            client_id=client_id,
            after_write=after_write,
        )
    raise _bad_url(url)


def open_group_offsets(url: str, *, client_id: str = "kho") -> GroupOffsets:
    """Reads consumer groups' committed offsets, for lag reports."""
    if url.startswith("embedded:"):
        from hub.bus.embedded import EmbeddedBus
        from hub.bus.embedded_relay import EmbeddedGroupOffsets

        return EmbeddedGroupOffsets(EmbeddedBus(_embedded_path(url)), owns_bus=True)
    if url.startswith("kafka://"):
        from hub.bus.kafka_relay import KafkaGroupOffsets
        from hub.bus.kafka_url import parse_kafka_url

        return KafkaGroupOffsets(parse_kafka_url(url), client_id=client_id)
    raise _bad_url(url)


def _embedded_path(url: str) -> Path:
    return Path(url.removeprefix("embedded:").removeprefix("//"))


def _bad_url(url: str) -> ConfigurationError:
    shown = url.split("://", 1)[0] + "://..." if "@" in url else url  # may hold a password
    return ConfigurationError(
        f"KHO_BUS_URL không hợp lệ: {shown!r}; dùng embedded:<tệp> hoặc"
        " kafka://[user:password@]host:port"
    )
