"""The CCCD (căn cước công dân) number: 12 digits, no checksum.

Digits 1-3: the place-of-birth code, '0' + an old 63-province code (the codes CCCD numbers keep
after the 2025 merger). Digit 4: gender and century (0/1 for 1900s, 2/3 for 2000s, 4/5 for
2100s, ...). Digits 5-6: the last two digits of the birth year. Digits 7-12: a serial number.
"""

from __future__ import annotations

import datetime as dt

from hub.identifiers.admin_units import legacy_province_codes


def cccd_problem(value: str, *, today: dt.date | None = None) -> str | None:
    """Why the value is not a CCCD number, in Vietnamese; None when it is one."""
    if len(value) != 12 or not value.isascii() or not value.isdigit():
        return "Số CCCD phải gồm đúng 12 chữ số"
    place = value[:3]
    if place[0] != "0" or place[1:] not in legacy_province_codes():
        return f"Mã nơi đăng ký khai sinh {place} không phải mã tỉnh hợp lệ"
    century = 1900 + 100 * (int(value[3]) // 2)
    birth_year = century + int(value[4:6])
    current_year = (today or dt.date.today()).year
    if birth_year > current_year:
        return f"Năm sinh {birth_year} (theo chữ số thứ 4-6) ở tương lai"
    return None
