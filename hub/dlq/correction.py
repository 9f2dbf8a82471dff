"""The corrected record a steward edited: one JSON object in a UTF-8 file.

``kho dlq show DATASET ADDRESS --json > ban-ghi.json`` writes the letter's record; the steward
fixes it in any editor and replays it with ``--record ban-ghi.json``. Files saved with a
byte-order mark (as Notepad on Windows does) are read too.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.dlq.errors import CorrectionFileError


@dataclass(frozen=True)
class Correction:
    path: Path | None
    """The file it was read from; None for a record edited in the staff pages' form."""
    document: dict[str, Any]
    original: bytes
    """The file's bytes, kept as the replayed record's original payload."""


def load_correction(path: Path) -> Correction:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CorrectionFileError(f"Không có tệp bản ghi đã sửa {path}") from None
    except IsADirectoryError:
        raise CorrectionFileError(f"{path} là thư mục, không phải tệp JSON") from None
    except OSError as exc:
        raise CorrectionFileError(f"Không đọc được tệp {path} ({type(exc).__name__})") from None
    return parse_correction(raw, f"Tệp {path}", path)


def parse_correction(raw: bytes, where: str, path: Path | None = None) -> Correction:
    """The corrected record in ``raw``; errors start with ``where`` (``Tệp ban-ghi.json``, or
    ``Bản ghi`` for one typed in a form) and name the line and column."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CorrectionFileError(
            f"{where}, dòng {line}: không phải văn bản UTF-8 (hãy lưu tệp dạng UTF-8)"
        ) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CorrectionFileError(
            f"{where}, dòng {exc.lineno}, cột {exc.colno}: không phải JSON hợp lệ"
            f" ({_explain(exc.msg)})"
        ) from None
    except RecursionError:
        raise CorrectionFileError(
            f"{where}: không phải JSON hợp lệ (mảng, đối tượng lồng nhau quá sâu)"
        ) from None
    except ValueError:  # an integer longer than Python converts
        raise CorrectionFileError(
            f"{where}: không phải JSON hợp lệ (số nguyên dài quá"
            f" {sys.get_int_max_str_digits()} chữ số)"
        ) from None
    if not isinstance(document, dict):
        raise CorrectionFileError(f"{where} phải chứa đúng một bản ghi: một đối tượng JSON {{...}}")
    return Correction(path=path, document=document, original=raw)


_EXPLANATIONS = {
    "Expecting value": "thiếu giá trị",
    "Expecting ',' delimiter": "thiếu dấu phẩy",
    "Expecting ':' delimiter": "thiếu dấu hai chấm",
    "Expecting property name enclosed in double quotes": (
        "tên trường phải nằm trong ngoặc kép, và không có dấu phẩy thừa trước }"
    ),
    "Illegal trailing comma": "dấu phẩy thừa",
    "Unterminated string starting at": "chuỗi chưa đóng ngoặc kép",
    "Extra data": "còn nội dung sau đối tượng JSON",
    "Invalid control character": "ký tự điều khiển trong chuỗi",
    "Invalid \\escape": "ký tự thoát \\ không hợp lệ",
}


def _explain(message: str) -> str:
    """The json module's message, in Vietnamese."""
    for start, explanation in _EXPLANATIONS.items():
        if message.startswith(start):
            return explanation
    return "cú pháp sai"
