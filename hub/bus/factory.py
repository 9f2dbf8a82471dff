"""Choose the bus adapter from a URL in the settings."""

from __future__ import annotations

from pathlib import Path

from hub.bus.port import EventBus
from hub.errors import ConfigurationError


def open_bus(url: str, *, client_id: str = "kho") -> EventBus:
    """``embedded:<sqlite file>`` or ``kafka://[user:password@]host:port[,host:port]``
    (hub.bus.kafka_url)."""
    if url.startswith("embedded:"):
        from hub.bus.embedded import EmbeddedBus

        return EmbeddedBus(embedded_path(url))
    if url.startswith(("kafka://", "kafka+ssl://")):
        from hub.bus.kafka import KafkaBus
        from hub.bus.kafka_url import parse_kafka_url

        return KafkaBus(parse_kafka_url(url), client_id=client_id)
    raise bad_bus_url(url)


def embedded_path(url: str) -> Path:
    """The SQLite file of an ``embedded:`` bus URL."""
    return Path(url.removeprefix("embedded:").removeprefix("//"))


def bad_bus_url(url: str) -> ConfigurationError:
    """The error for a bus URL no adapter takes, without the password it may hold."""
    shown = url.split("://", 1)[0] + "://..." if "@" in url else url
    return ConfigurationError(
        f"KHO_BUS_URL không hợp lệ: {shown!r}; dùng embedded:<tệp> hoặc"
        " kafka://[user:password@]host:port"
    )
