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

        return EmbeddedBus(Path(url.removeprefix("embedded:").removeprefix("//")))
    if url.startswith("kafka://"):
        from hub.bus.kafka import KafkaBus
        from hub.bus.kafka_url import parse_kafka_url

        return KafkaBus(parse_kafka_url(url), client_id=client_id)
    shown = url.split("://", 1)[0] + "://..." if "@" in url else url  # may hold a password
    raise ConfigurationError(
        f"KHO_BUS_URL không hợp lệ: {shown!r}; dùng embedded:<tệp> hoặc"
        " kafka://[user:password@]host:port"
    )
