"""The root of every error Kho raises on purpose.

Each package roots its own exceptions here. `str(error)` is a message for people (in Vietnamese
where the reader is a Vietnamese user); adapters translate library errors into these at the edge,
so a user never sees another library's traceback.

    KhoError
    ├── ConfigurationError      settings, catalogue or connector files that cannot be used
    ├── UnreachableError        a server Kho depends on does not answer (names which one)
    ├── hub.bus.BusError
    ├── hub.registry.RegistryError
    ├── hub.avro.SerializationError
    │   └── hub.avro.json_codec.JsonRecordError   a JSON value that cannot be its Avro field
    ├── connectors.ConnectorError
    │   ├── connectors.errors.ConversionError     one cell (becomes a dead letter's reason)
    │   └── connectors.errors.SourceUnavailable
    └── opendata.PublishError
"""

from __future__ import annotations


class KhoError(Exception):
    """Something Kho understands went wrong; the message says what, for a person."""


class ConfigurationError(KhoError):
    """A settings, catalogue, schema or connector file cannot be used as it is."""


class UnreachableError(KhoError):
    """A server Kho needs (Kafka, a database, CKAN) does not answer."""

    def __init__(self, what: str, where: str, detail: str = "") -> None:
        self.what = what
        self.where = where
        suffix = f" ({detail})" if detail else ""
        super().__init__(f"Không kết nối được tới {what} tại {where}{suffix}")
