"""Reading a sheet of an Excel workbook (.xlsx) with openpyxl, row by row in read-only mode.

The header row is found, not assumed: departmental exports often start with a title, the
agency's name or a blank line, so the first row (among the first ``header_search_rows``) that
holds every required column is the header. Typed cells become the text the converters read:
dates as dd/mm/yyyy HH:MM:SS, booleans as Có/Không, whole numbers without a decimal part.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from connectors.csv_source import FileRow
from connectors.errors import ConnectorError
from connectors.nfc import nfc

_BROKEN = (zipfile.BadZipFile, zlib.error, InvalidFileException, ParseError, KeyError, EOFError)


def read_xlsx(
    path: Path, *, sheet: str | None, required_columns: list[str], header_search_rows: int = 30
) -> Iterator[FileRow]:
    """Rows of the sheet (the first one when ``sheet`` is None) below its header row."""
    if not path.exists():
        raise ConnectorError(f"Không tìm thấy tệp {path}")
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except _BROKEN as exc:
        raise ConnectorError(_broken(path, exc)) from exc
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            names = ", ".join(f"'{n}'" for n in workbook.sheetnames)
            raise ConnectorError(f"Tệp {path} không có trang tính '{sheet}' (có: {names})")
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        yield from _rows(path, worksheet, required_columns, header_search_rows)
    except _BROKEN as exc:
        raise ConnectorError(_broken(path, exc)) from exc
    finally:
        workbook.close()


def _rows(
    path: Path, worksheet: Any, required_columns: list[str], header_search_rows: int
) -> Iterator[FileRow]:
    rows = worksheet.iter_rows(values_only=True)
    header: list[str] | None = None
    best: tuple[int, list[str]] = (0, list(required_columns))  # fewest missing seen so far
    for row_number, values in enumerate(rows, start=1):
        if header is None:
            if row_number > header_search_rows:
                break
            texts = [nfc(cell_text(v)) for v in values]
            missing = [c for c in required_columns if c not in texts]
            if not missing:
                header = texts
            elif len(missing) < len(best[1]):
                best = (row_number, missing)
            continue
        cells = {name: cell_text(v) for name, v in zip(header, values, strict=False) if name}
        if not any(cells.values()):
            continue
        original = {"sheet": worksheet.title, "row": row_number, "cells": cells}
        yield FileRow(row_number, cells, json.dumps(original, ensure_ascii=False))
    if header is None:
        where, missing = best
        names = ", ".join(f"'{c}'" for c in missing)
        near = f" (dòng {where} gần đúng nhất)" if where else ""
        raise ConnectorError(
            f"Tệp {path}, trang '{worksheet.title}': không thấy dòng tiêu đề có đủ các cột"
            f" bắt buộc trong {header_search_rows} dòng đầu; thiếu {names}{near}"
        )


def cell_text(value: Any) -> str:
    """A typed Excel cell as the text a Vietnamese export would show."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, dt.datetime):  # Excel stores dates as date-times
        return value.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):  # a decimal comma, as vn_decimal reads it: 2.35 → "2,35"
        return repr(value).replace(".", ",")
    return str(value).strip()


def _broken(path: Path, exc: Exception) -> str:
    return (
        f"Tệp {path} không đọc được như một sổ Excel .xlsx (hỏng hoặc bị cắt ngang:"
        f" {type(exc).__name__}: {exc}); hãy xuất lại tệp"
    )
