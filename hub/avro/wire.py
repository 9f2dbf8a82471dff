"""The Confluent wire format: magic byte 0, a 4-byte big-endian schema id, then Avro binary.

Any Confluent Avro deserializer reads what ``encode`` writes.
"""

from __future__ import annotations

import io
import struct
from typing import Any

import fastavro
from fastavro.read import SchemaResolutionError

from hub.avro.errors import SerializationError

MAGIC_BYTE = 0
_HEADER = struct.Struct(">bI")


def encode(schema_id: int, parsed_schema: Any, record: dict[str, Any]) -> bytes:
    """Encode one record, already validated, under a registered schema id."""
    buffer = io.BytesIO()
    buffer.write(_HEADER.pack(MAGIC_BYTE, schema_id))
    try:
        fastavro.schemaless_writer(buffer, parsed_schema, record)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise SerializationError(f"Không mã hóa được bản ghi sang Avro: {exc}") from exc
    return buffer.getvalue()


def split_wire(payload: bytes) -> tuple[int, bytes]:
    """The schema id and the Avro body of a wire-format message."""
    if len(payload) < _HEADER.size:
        raise SerializationError(
            f"Thông điệp quá ngắn ({len(payload)} byte) cho định dạng Confluent"
        )
    magic, schema_id = _HEADER.unpack_from(payload)
    if magic != MAGIC_BYTE:
        raise SerializationError(
            f"Byte đầu {magic} không phải magic byte 0 của định dạng Confluent"
        )
    return schema_id, payload[_HEADER.size :]


def decode(payload: bytes, parsed_schema: Any, reader_schema: Any = None) -> dict[str, Any]:
    """Decode the Avro body of a wire-format message with the writer's schema; with a parsed
    ``reader_schema``, resolved to it as Avro resolves schemas (a field the writer's version
    lacks takes the reader's default)."""
    _, body = split_wire(payload)
    try:
        record = fastavro.schemaless_reader(io.BytesIO(body), parsed_schema, reader_schema)
    except (ValueError, TypeError, EOFError, IndexError, StopIteration) as exc:
        raise SerializationError(f"Không giải mã được Avro: {exc}") from exc
    except SchemaResolutionError as exc:
        raise SerializationError(f"Lược đồ đọc không đọc được lược đồ ghi: {exc}") from exc
    if not isinstance(record, dict):
        raise SerializationError("Thông điệp Avro không phải một bản ghi (record)")
    return record
