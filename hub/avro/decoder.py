"""Decoding wire-format messages with their writer's schema, looked up in the registry."""

from __future__ import annotations

import json
from typing import Any

import fastavro

from hub.avro.wire import decode, split_wire
from hub.registry.port import SchemaId, SchemaRegistry


class RegistryDecoder:
    """Decodes any wire-format message; each writer schema is fetched and parsed once."""

    def __init__(self, registry: SchemaRegistry) -> None:
        self._registry = registry
        self._parsed: dict[int, Any] = {}

    def decode(self, payload: bytes, reader_schema: Any = None) -> dict[str, Any]:
        """The record as its writer wrote it; with a parsed ``reader_schema`` (a later version
        of the subject), as that version reads it: fields the writer lacked take defaults."""
        schema_id, _ = split_wire(payload)
        if schema_id not in self._parsed:
            text = self._registry.schema_text(SchemaId(schema_id))
            self._parsed[schema_id] = fastavro.parse_schema(json.loads(text))
        return decode(payload, self._parsed[schema_id], reader_schema)
