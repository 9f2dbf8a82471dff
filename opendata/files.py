"""Open-data files, written deterministically so that unchanged data gives identical bytes
(the portal keeps each file's SHA-256 and skips uploads whose hash it already has).

CSV flavour: UTF-8 with a byte-order mark, comma-separated, CRLF line ends, RFC 4180 quoting;
text that a spreadsheet would evaluate as a formula is prefixed with a single quote
(``opendata.spreadsheet_cells``).
The BOM is what makes Excel open Vietnamese text correctly on a double-click; LibreOffice,
pandas and csvkit all read it too. Times are ISO 8601 in Vietnam's time zone (+07:00).

JSON: one array, one object per line, UTF-8 without escapes. Parquet: zstd-compressed, typed
columns (timestamps in UTC with their zone, dates as dates), each column's description in its
field metadata. The data dictionary is a CSV of the same flavour, in Vietnamese and English.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from json.encoder import encode_basestring as encode_json_string  # the C encoder
from typing import TYPE_CHECKING, Any

from opendata.spreadsheet_cells import spreadsheet_safe
from opendata.table import Column, ColumnKind, Table

if TYPE_CHECKING:
    import pyarrow as pa


@cache
def _arrow_types() -> dict[ColumnKind, pa.DataType]:
    """pyarrow (and numpy under it) is imported when a Parquet file is written, not by every
    process that imports the publisher: an unchanged ``kho publish`` writes none."""
    import pyarrow as pa

    return {
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
    """Every text cell through ``spreadsheet_safe``: a cell beginning with ``=`` (or ``+ - @``,
    a tab, a carriage return) is not evaluated as a formula when the file is opened."""
    safe_rows = ([spreadsheet_safe(v) for v in row] for row in rows)
    return _csv_bytes([spreadsheet_safe(name) for name in columns], safe_rows)


def table_csv(table: Table) -> bytes:
    """Column by column: only times and booleans need saying otherwise than ``str`` does, and
    only text columns can hold a formula (numbers keep their sign)."""
    columns = [
        _csv_column(table, i, c.kind, v)
        for i, (c, v) in enumerate(zip(table.columns, table.column_values, strict=True))
    ]
    names = [spreadsheet_safe(name) for name in table.names]
    return _csv_bytes(names, zip(*columns, strict=True))


def _csv_column(table: Table, i: int, kind: ColumnKind, values: Sequence[Any]) -> Sequence[Any]:
    if kind == "timestamp":
        return table.times_text[i]
    if kind == "boolean":
        return _words(values)
    if kind == "string":
        return [spreadsheet_safe(v) for v in values]
    return values


def _csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    # Encoded as it is written: a StringIO of Vietnamese text holds 4 bytes a character, and
    # its text then UTF-8 again, where a million rows are 140 MB of UTF-8.
    buffer = io.BytesIO()
    text = io.TextIOWrapper(buffer, encoding="utf-8-sig", newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)  # the csv module writes None as an empty field
    text.flush()
    text.detach()  # the buffer stays open, to be read
    return buffer.getvalue()


def table_json(table: Table) -> bytes:
    """One object per line, built column by column: each value is encoded once as JSON text
    and the rows are filled into a template of the keys."""
    keys = [encode_json_string(name).replace("%", "%%") for name in table.names]
    template = "{" + ",".join(f"{key}:%s" for key in keys) + "}"
    columns = [
        _json_strings(table.times_text[i]) if c.kind == "timestamp" else _JSON_TEXT[c.kind](v)
        for i, (c, v) in enumerate(zip(table.columns, table.column_values, strict=True))
    ]
    # each line encoded on its own, then joined as bytes: joining text first would make a
    # copy of the whole file at 2 bytes a character before encoding it
    lines = [(template % row).encode("utf-8") for row in zip(*columns, strict=True)]
    return b"[\n" + b",\n".join(lines) + b"\n]\n"


def table_parquet(table: Table) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow_types = _arrow_types()
    fields = [
        pa.field(
            c.name,
            arrow_types[c.kind],
            nullable=True,
            metadata={"description_vi": c.description.vi, "description_en": c.description.en},
        )
        for c in table.columns
    ]
    columns = [
        pa.array(values, type=arrow_types[c.kind])
        for c, values in zip(table.columns, table.column_values, strict=True)
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


def _words(values: Sequence[Any]) -> list[str | None]:
    return [None if v is None else ("true" if v else "false") for v in values]


def _json_strings(values: Sequence[Any]) -> list[str]:
    return [
        encode_json_string(v) if isinstance(v, str) else json.dumps(v, default=str) for v in values
    ]


def _json_numbers(values: Sequence[Any]) -> list[str]:
    return ["null" if v is None else repr(v) for v in values]


def _json_booleans(values: Sequence[Any]) -> list[str]:
    return ["null" if v is None else ("true" if v else "false") for v in values]


def _json_dates(values: Sequence[Any]) -> list[str]:
    return ["null" if v is None else f'"{v.isoformat()}"' for v in values]


_JSON_TEXT: dict[ColumnKind, Callable[[Sequence[Any]], list[str]]] = {  # times: times_text
    "string": _json_strings,
    "integer": _json_numbers,
    "number": _json_numbers,
    "boolean": _json_booleans,
    "date": _json_dates,
}
