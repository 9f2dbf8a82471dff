"""The hub's functions for contract rules, beside CEL's standard ones (size, matches, ...).

Each takes what CEL passes (a string, a timestamp as an aware ``datetime``); the predicates
answer false, never an error, for null or a value of the wrong type. The checks themselves live
elsewhere: CCCD structure in hub.identifiers.cccd, the administrative code lists of
``vietnam-provinces`` and ``vietnamadminunits``, the MST check digit of ``python-stdnum``.

- ``valid_cccd(s)``: s is a CCCD number (12 digits, an old province code, a past birth year).
- ``valid_mst(s)``: s is a tax code, 10 digits with a right check digit or 13 for a branch,
  written ``0123456789`` or ``0123456789-001``.
- ``commune_2025(s)``: s is a commune-level code of the 34-province list (from 1 July 2025).
- ``province_2025(s)``: s is a two-digit province code of the 34-province list, or an old
  63-province code that maps to one (``"87"``, old Đồng Tháp, is today's ``"82"``).
- ``province_code_2025(s)``: the 2025 province code for s as a string, ``""`` if unknown.
- ``not_future(t)``: t is no later than now plus ``CLOCK_SKEW`` (5 minutes).
- ``s.substring(i, j)``: cel-go's substring, from the ``cel`` package's library.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from stdnum import exceptions as stdnum_errors
from stdnum.vn import mst

from hub.contracts.cel_engine import stdlib as cel_stdlib
from hub.identifiers.admin_units import is_commune_code_2025, province_code_2025
from hub.identifiers.cccd import cccd_problem

CLOCK_SKEW = dt.timedelta(minutes=5)
"""How far ahead of the hub's clock a producer's clock may run before a time counts as future."""


def valid_cccd(value: object) -> bool:
    return isinstance(value, str) and cccd_problem(value) is None


def valid_mst(value: object) -> bool:
    return isinstance(value, str) and mst_problem(value) is None


def commune_2025(value: object) -> bool:
    return isinstance(value, str) and is_commune_code_2025(value)


def province_2025(value: object) -> bool:
    return isinstance(value, str) and province_code_2025(value) is not None


def province_code_2025_or_empty(value: object) -> str:
    return (province_code_2025(value) or "") if isinstance(value, str) else ""


def not_future(value: object) -> bool:
    if not isinstance(value, dt.datetime):
        return False
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value <= _LATEST.allowed()


class _LatestAllowed:
    """Now plus CLOCK_SKEW, read from the clock at most every 100 ms: a write checks many
    records a second, and 100 ms against five minutes of skew changes no answer that matters."""

    _REFRESH_S = 0.1

    def __init__(self) -> None:
        self._until = 0.0
        self._latest = dt.datetime.min.replace(tzinfo=dt.UTC)

    def allowed(self) -> dt.datetime:
        if time.monotonic() >= self._until:
            self._latest = dt.datetime.now(dt.UTC) + CLOCK_SKEW
            self._until = time.monotonic() + self._REFRESH_S
        return self._latest


_LATEST = _LatestAllowed()


def mst_problem(value: str) -> str | None:
    """Why the value is not a tax code (mã số thuế), in Vietnamese; None when it is one."""
    try:
        compact = mst.validate(value)
    except stdnum_errors.InvalidLength:
        return "Mã số thuế phải gồm 10 chữ số (13 chữ số với mã đơn vị phụ thuộc)"
    except stdnum_errors.InvalidFormat:
        return "Mã số thuế chỉ gồm chữ số"
    except stdnum_errors.InvalidChecksum:
        return "Chữ số kiểm tra (chữ số thứ 10) của mã số thuế không đúng"
    except stdnum_errors.ValidationError:
        return "Mã số thuế có phần số thứ tự không hợp lệ"
    if value not in (compact, mst.format(compact)):
        return "Mã số thuế phải viết liền (0123456789) hoặc có mã chi nhánh (0123456789-001)"
    return None


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "valid_cccd": valid_cccd,
    "valid_mst": valid_mst,
    "commune_2025": commune_2025,
    "province_2025": province_2025,
    "province_code_2025": province_code_2025_or_empty,
    "not_future": not_future,
    # From the CEL package's cel-go compatible library: cel-rust has no substring.
    "substring": cel_stdlib.substring,
}
"""The function table every contract's CEL context carries."""

PREDICATES: dict[str, Callable[[Any], bool]] = {
    "valid_cccd": valid_cccd,
    "valid_mst": valid_mst,
    "commune_2025": commune_2025,
    "province_2025": province_2025,
    "not_future": not_future,
}
"""The functions above that answer true or false and never raise."""

EXPLAINERS: dict[str, Callable[[str], str | None]] = {
    "valid_cccd": cccd_problem,
    "valid_mst": mst_problem,
}
"""For a rule that calls one of these and fails, why its field's value is wrong (Vietnamese)."""
