"""Cell converters for Vietnamese departmental exports.

Dates are dd/mm/yyyy with an optional time, in Vietnam's time zone (UTC+7, no daylight saving);
booleans are Có/Không; amounts use '.' as the thousands separator ("1.250.000") and ',' as the
decimal mark ("2,5"); commune codes of the 63-province era become their 2025 codes.

The converters take text in NFC: ``convert_cell`` and ``RowMapper`` normalise a cell before
calling one (connectors.nfc), so a decomposed "Không" reads as "Không".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from connectors.config import FieldMapping
from connectors.errors import ConversionError
from connectors.nfc import nfc
from hub.identifiers.admin_units import commune_code_2025
from hub.vietnam_time import VIETNAM_TZ

_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_INTEGER = re.compile(r"-?\d{1,3}(\.\d{3})+|-?\d+")
_DECIMAL = re.compile(r"-?\d{1,3}(\.\d{3})*(,\d+)?|-?\d+(,\d+)?")
_TRUE = {"có", "co", "x", "1", "true", "đã", "yes"}
_FALSE = {"không", "khong", "0", "false", "chưa", "no"}


def text(value: str, _mapping: FieldMapping) -> str:
    return value


def vn_datetime(value: str, _mapping: FieldMapping) -> dt.datetime:
    match = _DATE.fullmatch(value)
    if match is None:
        raise ConversionError(f"'{value}' không đúng dạng ngày dd/mm/yyyy [HH:MM]")
    day, month, year, hour, minute, second = match.groups("0")
    try:
        return dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=VIETNAM_TZ,
        )
    except ValueError:
        raise ConversionError(f"'{value}' không phải một ngày có thật") from None


def vn_bool(value: str, _mapping: FieldMapping) -> bool:
    folded = value.strip().casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ConversionError(f"'{value}' không phải Có/Không")


def vn_integer(value: str, _mapping: FieldMapping) -> int:
    if value.isascii() and value.isdigit():  # "250", most cells: what the pattern reads too
        return int(value)
    compact = value.strip().replace(" ", "").replace("\u00a0", "")
    if _INTEGER.fullmatch(compact) is None:
        raise ConversionError(f"'{value}' không phải số nguyên (dấu chấm ngăn cách hàng nghìn)")
    return int(compact.replace(".", ""))


def vn_decimal(value: str, _mapping: FieldMapping) -> float:
    """A decimal comma, with '.' or spaces between thousands: "1.234,5" is 1234.5."""
    compact = value.strip().replace(" ", "").replace("\u00a0", "")
    if _DECIMAL.fullmatch(compact) is None:
        raise ConversionError(f"'{value}' không phải số thập phân (dấu phẩy thập phân, ví dụ 2,5)")
    return float(compact.replace(".", "").replace(",", "."))


def commune_2025(value: str, _mapping: FieldMapping) -> str:
    """A commune code of either list, as its 2025 code: old codes become the merged commune's."""
    code = value.strip().zfill(5)
    new_code = commune_code_2025(code)
    if new_code is None:
        raise ConversionError(f"'{value}' không phải mã xã/phường (cũ hay mới) nào")
    return new_code


def choice(value: str, mapping: FieldMapping) -> str:
    if value in mapping.choices:
        return mapping.choices[value]
    allowed = ", ".join(mapping.choices)
    raise ConversionError(f"'{value}' không thuộc các giá trị cho phép: {allowed}")


def iso_datetime(value: str, _mapping: FieldMapping) -> dt.datetime:
    """ISO 8601, as APIs write it; without an offset the time is Vietnam's."""
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise ConversionError(
            f"'{value}' không đúng dạng ISO 8601 (2025-07-05T08:30:00+07:00)"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=VIETNAM_TZ)


def convert_cell(value: Any, mapping: FieldMapping) -> Any:
    """A cell as the schema field wants it. Text goes through the mapping's converter; a typed
    value from a database driver or a JSON API is checked and kept."""
    if isinstance(value, str):
        return CONVERTERS[mapping.convert](nfc(value), mapping)
    kind = mapping.convert
    if kind in ("vn_datetime", "iso_datetime") and isinstance(value, dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=VIETNAM_TZ)
    if kind in ("vn_datetime", "iso_datetime") and isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=VIETNAM_TZ)
    if kind == "vn_bool" and isinstance(value, bool | int) and value in (0, 1):
        return bool(value)
    if kind == "vn_integer" and isinstance(value, int | Decimal) and value == int(value):
        return int(value)
    if (
        kind == "vn_decimal"
        and isinstance(value, int | float | Decimal)
        and not isinstance(value, bool)
    ):
        return float(value)
    if kind in ("text", "choice", "commune_2025") and isinstance(value, int | float | Decimal):
        return CONVERTERS[kind](str(value), mapping)
    raise ConversionError(f"giá trị {value!r} ({type(value).__name__}) không dùng được cho {kind}")


CONVERTERS: dict[str, Callable[[str, FieldMapping], Any]] = {
    "text": text,
    "vn_datetime": vn_datetime,
    "vn_bool": vn_bool,
    "vn_integer": vn_integer,
    "vn_decimal": vn_decimal,
    "choice": choice,
    "commune_2025": commune_2025,
    "iso_datetime": iso_datetime,
}
