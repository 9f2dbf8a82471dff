"""Choose the exactly-once relay's adapter from the bus URL, as ``open_bus`` does for the bus."""

from __future__ import annotations

from collections.abc import Sequence

from hub.bus.factory import bad_bus_url, embedded_path
from hub.bus.relay import (
    AfterWrite,
    ExactlyOnceRelay,
    GroupOffsets,
    GroupOffsetsFactory,
    RelayFactory,
)


def open_relay(
    url: str,
    *,
    group: str,
    topics: Sequence[str],
    transactional_id: str,
    client_id: str = "kho",
    after_write: AfterWrite | None = None,
    wait_s: float | None = None,
) -> ExactlyOnceRelay:
    """A relay reading ``topics`` in ``group``. On Kafka, ``transactional_id`` names the worker:
    a second relay with the same id fences the first, and no transaction step waits longer than
    ``wait_s`` for the broker (default ``kafka_relay.WAIT_S``). ``after_write`` is for fault
    injection."""
    if url.startswith("embedded:"):
        from hub.bus.embedded import EmbeddedBus
        from hub.bus.embedded_relay import EmbeddedRelay

        bus = EmbeddedBus(embedded_path(url))
        return EmbeddedRelay(bus, group, topics, after_write=after_write, owns_bus=True)
    if url.startswith(("kafka://", "kafka+ssl://")):
        from hub.bus.kafka_relay import WAIT_S, KafkaRelay
        from hub.bus.kafka_url import parse_kafka_url

        return KafkaRelay(
            parse_kafka_url(url),
            group=group,
            topics=topics,
            transactional_id=transactional_id,
            client_id=client_id,
            after_write=after_write,
            wait_s=WAIT_S if wait_s is None else wait_s,
        )
    raise bad_bus_url(url)


def open_group_offsets(url: str, *, client_id: str = "kho") -> GroupOffsets:
    """Reads consumer groups' committed offsets, for lag reports."""
    if url.startswith("embedded:"):
        from hub.bus.embedded import EmbeddedBus
        from hub.bus.embedded_relay import EmbeddedGroupOffsets

        return EmbeddedGroupOffsets(EmbeddedBus(embedded_path(url)), owns_bus=True)
    if url.startswith(("kafka://", "kafka+ssl://")):
        from hub.bus.kafka_relay import KafkaGroupOffsets
        from hub.bus.kafka_url import parse_kafka_url

        return KafkaGroupOffsets(parse_kafka_url(url), client_id=client_id)
    raise bad_bus_url(url)


def relay_factory(url: str, *, client_id: str = "kho", wait_s: float | None = None) -> RelayFactory:
    """Opens relays on the bus at ``url``: what the shell hands to a worker."""

    def open_one(
        *,
        group: str,
        topics: Sequence[str],
        transactional_id: str,
        after_write: AfterWrite | None = None,
    ) -> ExactlyOnceRelay:
        return open_relay(
            url,
            group=group,
            topics=topics,
            transactional_id=transactional_id,
            client_id=client_id,
            after_write=after_write,
            wait_s=wait_s,
        )

    return open_one


def group_offsets_factory(url: str, *, client_id: str = "kho") -> GroupOffsetsFactory:
    """Opens readers of the committed offsets on the bus at ``url``."""
    return lambda: open_group_offsets(url, client_id=client_id)
