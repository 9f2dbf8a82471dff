"""Open-data files, written deterministically so that unchanged data gives identical bytes.

CSV flavour: UTF-8 with a byte-order mark, comma-separated, CRLF line ends, RFC 4180 quoting.
The BOM is what makes Excel open Vietnamese text correctly on a double-click; LibreOffice,
pandas and csvkit all read it too. Times are ISO 8601 in Vietnam's time zone (+07:00).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterable, Sequence
from typing import Any

from hub.vietnam_time import VIETNAM_TZ


def csv_bytes(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return buffer.getvalue().encode("utf-8-sig")


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.astimezone(VIETNAM_TZ).isoformat(timespec="seconds")
    return str(value)
