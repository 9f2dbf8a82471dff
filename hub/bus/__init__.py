"""The event bus port and its adapters (Kafka, embedded SQLite log)."""

from hub.bus.errors import BusError, BusUnavailable
from hub.bus.factory import open_bus
from hub.bus.port import BusRecord, Consumer, EventBus, OutgoingMessage, Position, TopicName
from hub.bus.reading import read_all

__all__ = [
    "BusError",
    "BusRecord",
    "BusUnavailable",
    "Consumer",
    "EventBus",
    "OutgoingMessage",
    "Position",
    "TopicName",
    "open_bus",
    "read_all",
]
