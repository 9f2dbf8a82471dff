"""Reading a CSV export, one dict per row keyed by the header, with the spreadsheet row number
and the row's original text.

Encodings: UTF-8 with or without a byte-order mark, and UTF-16 with its byte-order mark (what
Excel writes as "Unicode Text"). Anything else (TCVN3, VNI, Windows-1258 exports) is refused
with a message saying how to re-save the file. Delimiters: comma, semicolon or tab, given in the
configuration or, with ``auto``, found in the header line (Excel writes semicolons where the
decimal mark is a comma, as in the Vietnamese locale). Headers are put in NFC, so a file saved
on macOS (NFD) matches the mapping; cells are put in NFC where they are mapped
(connectors.mapping).
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from connectors.errors import ConnectorError
from connectors.nfc import nfc


# Not frozen: one is made for every record, and a frozen dataclass's __init__ costs 4x.
@dataclass(slots=True)
class FileRow:
    """A row of a file source: CSV, or a sheet of a workbook."""

    row_number: int  # as a spreadsheet shows it: the header is row 1 of a CSV
    cells: dict[str, str]
    original: str


def _recording(lines: Iterator[str], consumed: list[str]) -> Iterator[str]:
    """Feeds csv.reader line by line, remembering in ``consumed`` the lines of the record."""
    for line in lines:
        consumed.append(line)
        yield line


DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "dấu phẩy ','", ";": "dấu chấm phẩy ';'", "\t": "tab"}


def read_csv(path: Path, *, delimiter: str, required_columns: list[str]) -> Iterator[FileRow]:
    """Rows of the file. A missing required column stops before the first row, naming it.
    ``delimiter`` is one of ``DELIMITERS`` or ``"auto"``."""
    try:
        handle = path.open(encoding=_encoding(path), newline="")
    except FileNotFoundError as exc:
        raise ConnectorError(f"Không tìm thấy tệp {path}") from exc
    with handle:
        if delimiter == "auto":
            delimiter = _delimiter_of(path, handle)
        consumed: list[str] = []
        reader = csv.reader(_recording(iter(handle), consumed), delimiter=delimiter, strict=True)
        try:
            header = [nfc(h.strip()) for h in next(reader)]
        except StopIteration:
            raise ConnectorError(f"Tệp {path} trống, không có dòng tiêu đề") from None
        except UnicodeDecodeError as exc:
            raise ConnectorError(_not_utf8(path, exc)) from exc
        missing = [c for c in required_columns if c not in header]
        if missing:
            names = ", ".join(f"'{c}'" for c in missing)
            raise ConnectorError(
                f"Tệp {path} thiếu cột bắt buộc: {names}{_delimiter_hint(header, delimiter)}"
            )
        row_number = 1
        while True:
            consumed.clear()
            try:
                values = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise ConnectorError(_not_utf8(path, exc)) from exc
            except csv.Error as exc:
                raise ConnectorError(f"Tệp {path}, dòng {row_number + 1}: lỗi CSV {exc}") from exc
            row_number += 1
            stripped = [v.strip() for v in values]
            if not any(stripped):
                continue
            yield FileRow(row_number, dict(zip(header, stripped, strict=False)), "".join(consumed))


def _encoding(path: Path) -> str:
    """UTF-16 and UTF-8 by their byte-order marks; UTF-8 when there is none."""
    try:
        with path.open("rb") as raw:
            start = raw.read(4)
    except FileNotFoundError as exc:
        raise ConnectorError(f"Không tìm thấy tệp {path}") from exc
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig"


def _delimiter_of(path: Path, handle: TextIO) -> str:
    """The delimiter that splits the header line into the most columns, among comma,
    semicolon and tab (a delimiter inside a quoted header does not count)."""
    try:
        header = handle.readline()
    except UnicodeDecodeError as exc:
        raise ConnectorError(_not_utf8(path, exc)) from exc
    handle.seek(0)
    widths = {d: _width(header, d) for d in DELIMITERS}
    found = max(DELIMITERS, key=lambda d: widths[d])
    if widths[found] < 2:
        tried = ", ".join(_DELIMITER_NAMES[d] for d in DELIMITERS)
        raise ConnectorError(
            f"Tệp {path}: không nhận ra dấu phân cách của dòng tiêu đề (đã thử {tried}:"
            " không dấu nào tách được hai cột trở lên); hãy khai báo source.delimiter"
        )
    return found


def _width(line: str, delimiter: str) -> int:
    """How many columns ``delimiter`` splits the CSV line into; 0 when the line is not CSV
    with that delimiter (a quoted cell followed by another character)."""
    try:
        return len(next(csv.reader([line], delimiter=delimiter, strict=True), []))
    except csv.Error:
        return 0


def _delimiter_hint(header: list[str], delimiter: str) -> str:
    """When a fixed delimiter left the header in one column that another delimiter splits:
    a hint saying so, for the missing-column error; else ''."""
    if len(header) != 1:
        return ""
    for other in DELIMITERS:
        if other != delimiter and _width(header[0], other) > 1:
            return (
                f" (dòng tiêu đề được phân cách bằng {_DELIMITER_NAMES[other]}, không phải"
                f" {_DELIMITER_NAMES[delimiter]}: hãy đặt source.delimiter: auto)"
            )
    return ""


def _not_utf8(path: Path, exc: UnicodeDecodeError) -> str:
    return (
        f"Tệp {path} không phải UTF-8 hay UTF-16 (byte {exc.start}); có thể là bảng mã cũ"
        " (TCVN3, VNI, Windows-1258): hãy mở bằng Excel và lưu lại dưới dạng 'CSV UTF-8'"
    )
