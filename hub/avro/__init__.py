"""Avro schemas (shipped in ``hub/defaults/schemas/``), their personal-field marks, and the
Confluent wire format."""

from hub.avro.errors import SerializationError
from hub.avro.schema import DatasetSchema, load_schema
from hub.avro.wire import decode, encode, split_wire

__all__ = ["DatasetSchema", "SerializationError", "decode", "encode", "load_schema", "split_wire"]
