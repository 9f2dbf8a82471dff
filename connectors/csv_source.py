"""Reading a CSV export: UTF-8 with or without BOM, one dict per row keyed by the header,
with the spreadsheet row number and the row's original text."""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from connectors.errors import ConnectorError


@dataclass(frozen=True, slots=True)
class CsvRow:
    row_number: int  # as a spreadsheet shows it: the header is row 1
    cells: dict[str, str]
    original: str


class _LineRecorder:
    """Feeds csv.reader line by line and remembers the lines of the current record."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.consumed: list[str] = []

    def __iter__(self) -> _LineRecorder:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.consumed.append(line)
        return line


def read_csv(path: Path, *, delimiter: str, required_columns: list[str]) -> Iterator[CsvRow]:
    """Rows of the file. A missing required column stops before the first row, naming it."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError as exc:
        raise ConnectorError(f"Không tìm thấy tệp {path}") from exc
    with handle:
        recorder = _LineRecorder(iter(handle))
        reader = csv.reader(recorder, delimiter=delimiter, strict=True)
        try:
            header = [unicodedata.normalize("NFC", h.strip()) for h in next(reader)]
        except StopIteration:
            raise ConnectorError(f"Tệp {path} trống, không có dòng tiêu đề") from None
        except UnicodeDecodeError as exc:
            raise ConnectorError(_not_utf8(path, exc)) from exc
        missing = [c for c in required_columns if c not in header]
        if missing:
            names = ", ".join(f"'{c}'" for c in missing)
            raise ConnectorError(f"Tệp {path} thiếu cột bắt buộc: {names}")
        row_number = 1
        while True:
            recorder.consumed.clear()
            try:
                values = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise ConnectorError(_not_utf8(path, exc)) from exc
            except csv.Error as exc:
                raise ConnectorError(f"Tệp {path}, dòng {row_number + 1}: lỗi CSV {exc}") from exc
            row_number += 1
            if not any(v.strip() for v in values):
                continue
            cells = dict(zip(header, (v.strip() for v in values), strict=False))
            yield CsvRow(row_number, cells, "".join(recorder.consumed))


def _not_utf8(path: Path, exc: UnicodeDecodeError) -> str:
    return (
        f"Tệp {path} không phải UTF-8 (byte {exc.start}): hãy lưu lại dưới dạng"
        " 'CSV UTF-8' trong Excel"
    )
