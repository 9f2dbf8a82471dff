"""Choose the bus adapter from a URL in the settings."""

from __future__ import annotations

from pathlib import Path

from hub.bus.port import EventBus
from hub.errors import ConfigurationError


def open_bus(url: str, *, client_id: str = "kho") -> EventBus:
    """``embedded:<sqlite file>`` or ``kafka://host:port[,host:port]``."""
    if url.startswith("embedded:"):
        from hub.bus.embedded import EmbeddedBus

        return EmbeddedBus(Path(url.removeprefix("embedded:").removeprefix("//")))
    if url.startswith("kafka://"):
        from hub.bus.kafka import KafkaBus

        servers = url.removeprefix("kafka://").rstrip("/")
        if not servers:
            raise ConfigurationError("KHO_BUS_URL thiếu địa chỉ máy chủ Kafka (kafka://host:port)")
        return KafkaBus(servers, client_id=client_id)
    raise ConfigurationError(
        f"KHO_BUS_URL không hợp lệ: {url!r}; dùng embedded:<tệp> hoặc kafka://host:port"
    )
