"""Records as JSON producers send them, and as the hub answers them, against an Avro schema.

Inbound (``record_from_json``): every string is normalised to Unicode NFC (Vietnamese text typed
on macOS or copied from PDFs often arrives decomposed, NFD); ``timestamp-millis`` fields take an
ISO 8601 string or epoch milliseconds, and an ISO time without an offset is read as Vietnam
time; ``date`` fields take ``YYYY-MM-DD``; ``bytes`` take base64. Everything else is left for
Avro validation to judge, so type errors are reported in one place.

Outbound (``record_to_json``): timestamps in Vietnam time with their offset, dates as
``YYYY-MM-DD``, bytes as base64.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from hub.avro.errors import SerializationError
from hub.vietnam_time import VIETNAM_TZ

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class JsonRecordError(SerializationError):
    """A JSON value that cannot stand for its Avro field; names the JSON path. One line:
    ``"$.received_at: Thời điểm ... phải theo ISO 8601, ..."``."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def record_from_json(parsed_schema: Mapping[str, Any], document: object) -> dict[str, Any]:
    """The Avro datum for a JSON object, ready for validation and encoding."""
    return JsonRecordReader(parsed_schema).read(document)


class JsonRecordReader:
    """``record_from_json`` for one record schema, with each field's conversion chosen once:
    the form to use on a hot path."""

    def __init__(self, parsed_schema: Mapping[str, Any]) -> None:
        self._fields = {
            str(f["name"]): _field_converter(f["type"], f"$.{f['name']}")
            for f in parsed_schema["fields"]
        }

    def read(self, document: object) -> dict[str, Any]:
        if not isinstance(document, dict):
            raise JsonRecordError("$", "Mỗi bản ghi phải là một đối tượng JSON")
        fields = self._fields
        record: dict[str, Any] = {}
        for name, value in document.items():
            convert = fields.get(name)
            if convert is not None:
                record[name] = convert(value)
            elif isinstance(value, str):  # unknown field: kept for validation to name it
                record[name] = unicodedata.normalize("NFC", value)
            else:
                record[name] = value
        return record


def _field_converter(avro_type: Any, path: str) -> Callable[[Any], Any]:
    if avro_type in ("string", ["null", "string"], ["string", "null"]):
        return nfc_text
    if avro_type in _AS_IS:
        return _same
    # The common named and logical types, nullable or not, without _inbound's dispatch: it
    # ran for every enum and timestamp of every record.
    branches = [b for b in avro_type if b != "null"] if isinstance(avro_type, list) else []
    nullable = len(branches) == 1 and len(avro_type) == 2
    single = branches[0] if nullable else avro_type
    if isinstance(single, dict):
        kind, logical = single.get("type"), single.get("logicalType")
        if kind == "enum" and logical is None:
            return nfc_text
        if kind == "long" and logical in ("timestamp-millis", "timestamp-micros"):
            return lambda value: None if value is None else _timestamp(nfc_text(value), path)
        if kind == "int" and logical == "date":
            return lambda value: None if value is None else _date(nfc_text(value), path)
    return lambda value: _inbound(avro_type, value, path)


def nfc_text(value: Any) -> Any:
    """A string in Unicode NFC, as the ingest path keeps every text; anything else as it is."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _same(value: Any) -> Any:
    return value


_AS_IS = ("int", "long", "float", "double", "boolean", "null")


def record_to_json(datum: Mapping[str, Any]) -> dict[str, Any]:
    """A decoded Avro record as JSON-ready values."""
    return {name: _outbound(value) for name, value in datum.items()}


def _inbound(schema: Any, value: Any, path: str) -> Any:
    if isinstance(value, str):
        value = unicodedata.normalize("NFC", value)
    if isinstance(schema, list):
        return _inbound_union(schema, value, path)
    if isinstance(schema, str):
        return _inbound_bytes(value, path) if schema == "bytes" else value
    kind = schema.get("type")
    logical = schema.get("logicalType")
    if logical in ("timestamp-millis", "timestamp-micros"):
        return _timestamp(value, path)
    if logical == "date":
        return _date(value, path)
    if kind == "record" and isinstance(value, dict):
        fields = {f["name"]: f["type"] for f in schema["fields"]}
        return {
            name: _inbound(fields[name], item, f"{path}.{name}") if name in fields else item
            for name, item in value.items()
        }
    if kind == "array" and isinstance(value, list):
        return [_inbound(schema["items"], item, f"{path}[{i}]") for i, item in enumerate(value)]
    if kind == "map" and isinstance(value, dict):
        return {
            unicodedata.normalize("NFC", key): _inbound(schema["values"], item, f"{path}.{key}")
            for key, item in value.items()
        }
    if kind == "bytes":
        return _inbound_bytes(value, path)
    return value


def _inbound_union(branches: list[Any], value: Any, path: str) -> Any:
    if value is None:
        return None
    non_null = [b for b in branches if b != "null"]
    if len(non_null) == 1:
        return _inbound(non_null[0], value, path)
    return value


def _timestamp(value: Any, path: str) -> Any:
    if isinstance(value, bool):
        return value  # left for Avro validation to refuse
    if isinstance(value, int):
        return _EPOCH + dt.timedelta(milliseconds=value)
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError as exc:
            raise JsonRecordError(
                path, f"Thời điểm {value!r} phải theo ISO 8601, ví dụ 2025-07-01T08:30:00+07:00"
            ) from exc
        return moment if moment.tzinfo else moment.replace(tzinfo=VIETNAM_TZ)
    return value


def _date(value: Any, path: str) -> Any:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:
            raise JsonRecordError(path, f"Ngày {value!r} phải có dạng YYYY-MM-DD") from exc
    return value


def _inbound_bytes(value: Any, path: str) -> Any:
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error as exc:
            raise JsonRecordError(path, "Dữ liệu nhị phân phải mã hóa base64") from exc
    return value


def _outbound(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(VIETNAM_TZ).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: _outbound(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_outbound(v) for v in value]
    return value
