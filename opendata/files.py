"""Open-data files, written deterministically so that unchanged data gives identical bytes
(the portal keeps each file's SHA-256 and skips uploads whose hash it already has).

CSV flavour: UTF-8 with a byte-order mark, comma-separated, CRLF line ends, RFC 4180 quoting.
The BOM is what makes Excel open Vietnamese text correctly on a double-click; LibreOffice,
pandas and csvkit all read it too. Times are ISO 8601 in Vietnam's time zone (+07:00).

JSON: one array, one object per line, UTF-8 without escapes. Parquet: zstd-compressed, typed
columns (timestamps in UTC with their zone, dates as dates), each column's description in its
field metadata. The data dictionary is a CSV of the same flavour, in Vietnamese and English.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from hub.vietnam_time import VIETNAM_TZ
from opendata.table import Column, ColumnKind, Table

_ARROW_TYPES: dict[ColumnKind, pa.DataType] = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "timestamp": pa.timestamp("ms", tz="Asia/Ho_Chi_Minh"),
    "date": pa.date32(),
}
_KIND_WORDS: dict[ColumnKind, str] = {
    "string": "chuỗi / string",
    "integer": "số nguyên / integer",
    "number": "số thực / number",
    "boolean": "đúng-sai / boolean",
    "timestamp": "thời điểm ISO 8601 (+07:00) / timestamp",
    "date": "ngày ISO 8601 / date",
}
DICTIONARY_HEADER = (
    "Tên cột / Column",
    "Kiểu / Type",
    "Có thể để trống / May be empty",
    "Mô tả",
    "Description",
)


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def table_csv(table: Table) -> bytes:
    return csv_bytes(table.names, table.rows)


def table_json(table: Table) -> bytes:
    names = table.names
    lines = [
        json.dumps(
            dict(zip(names, row, strict=True)),
            ensure_ascii=False,
            separators=(",", ":"),
            default=_json_value,
        )
        for row in table.rows
    ]
    return ("[\n" + ",\n".join(lines) + "\n]\n").encode("utf-8")


def table_parquet(table: Table) -> bytes:
    fields = [
        pa.field(
            c.name,
            _ARROW_TYPES[c.kind],
            nullable=True,
            metadata={"description_vi": c.description.vi, "description_en": c.description.en},
        )
        for c in table.columns
    ]
    columns = [
        pa.array([row[i] for row in table.rows], type=_ARROW_TYPES[c.kind])
        for i, c in enumerate(table.columns)
    ]
    arrow = pa.Table.from_arrays(columns, schema=pa.schema(fields))
    sink = io.BytesIO()
    pq.write_table(arrow, sink, compression="zstd")
    return sink.getvalue()


def data_dictionary(columns: Sequence[Column]) -> bytes:
    rows = [
        (
            c.name,
            _KIND_WORDS[c.kind],
            "có / yes" if c.nullable else "không / no",
            c.description.vi,
            c.description.en,
        )
        for c in columns
    ]
    return csv_bytes(DICTIONARY_HEADER, rows)


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.astimezone(VIETNAM_TZ).isoformat(timespec="seconds")
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(VIETNAM_TZ).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
