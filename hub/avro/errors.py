"""Errors of Avro encoding and decoding."""

from __future__ import annotations

from hub.errors import KhoError


class SerializationError(KhoError):
    """A record could not be encoded to, or decoded from, Avro; or a JSON value cannot stand
    for its Avro field (``hub.avro.json_codec.JsonRecordError``, which names the JSON path)."""
