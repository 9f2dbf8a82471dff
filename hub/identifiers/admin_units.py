"""Administrative units of the 34-province era (from 1 July 2025), from `vietnam-provinces`,
and the old 63-province codes that CCCD numbers keep, from `vietnamadminunits`."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vietnam_provinces import Province, Ward


def get_data(*, fields: str | list[str], table: str) -> Any:
    """vietnamadminunits' tables, imported on first use: importing the package compiles its
    address parsers (about half a second), which a command that checks no code never needs."""
    from vietnamadminunits.database import get_data as read_table

    return read_table(fields=fields, table=table)


def load_code_lists() -> None:
    """Load the code lists the contract checks read (the 2025 communes, the old province
    codes): the API calls it in a thread at start, so that no request pays for it."""
    _ward_codes()
    legacy_province_codes()


@cache
def _ward_codes() -> dict[str, Ward]:
    # Imported on first use, like vietnamadminunits: `vietnam_provinces` costs 50-100 ms that
    # a command checking no code (an unchanged `kho publish`) never needs.
    from vietnam_provinces import Ward

    return {f"{ward.code.value:05d}": ward for ward in Ward.iter_all()}


def is_commune_code_2025(code: str) -> bool:
    """Whether the code is a commune-level unit (xã, phường, đặc khu) of the 34-province list."""
    return code in _ward_codes()


def province_of_commune(code: str) -> Province:
    """The province a 2025 commune code belongs to; KeyError if unknown."""
    from vietnam_provinces import Province  # see _ward_codes

    return Province.from_code(_ward_codes()[code].province_code)


def ward_name(code: str) -> str:
    return _ward_codes()[code].name


def wards_of_province(province_code: int) -> list[Ward]:
    """Every commune of a 2025 province, in code order."""
    return sorted(
        (w for w in _ward_codes().values() if w.province_code.value == province_code),
        key=lambda w: w.code.value,
    )


@cache
def legacy_province_codes() -> frozenset[str]:
    """The 63 two-digit province codes in force before 1 July 2025."""
    rows = get_data(fields="provinceCode", table="admin_units_legacy")
    return frozenset(str(row["provinceCode"]).zfill(2) for row in rows)


@cache
def _province_codes_2025() -> dict[str, str]:
    """Two-digit province code, old (63-province) or new (34-province), to the 2025 code.

    The old → new correspondence is vietnamadminunits' converter table (keyed by province name
    keys); its two tables give each key's code. A 2025 code maps to itself."""
    from vietnam_provinces import Province
    from vietnamadminunits.converter.converter_2025 import DICT_PROVINCE

    new = {
        str(row["provinceKey"]): str(row["provinceCode"]).zfill(2)
        for row in get_data(fields=["provinceKey", "provinceCode"], table="admin_units")
    }
    old = {
        str(row["provinceKey"]): str(row["provinceCode"]).zfill(2)
        for row in get_data(fields=["provinceKey", "provinceCode"], table="admin_units_legacy")
    }
    mapping = {f"{p.code.value:02d}": f"{p.code.value:02d}" for p in Province.iter_all()}
    for new_key, old_keys in DICT_PROVINCE.items():
        for old_key in old_keys:
            mapping.setdefault(old[old_key], new[new_key])
    return mapping


@cache
def _legacy_communes() -> dict[str, str]:
    """Five-digit commune code of the 63-province list to 'ward, district, province'."""
    rows = get_data(fields=["wardCode", "ward", "district", "province"], table="admin_units_legacy")
    return {
        str(row["wardCode"]).zfill(5): f"{row['ward']}, {row['district']}, {row['province']}"
        for row in rows
    }


def commune_code_2025(code: str) -> str | None:
    """The 2025 commune code for a commune code of either list; None if unknown.

    A 2025 code maps to itself. An old code maps to the commune that absorbed it, by
    vietnamadminunits' converter (28252, old Phường 4 of Mỹ Tho, → 28249 Phường Đạo Thạnh)."""
    if is_commune_code_2025(code):
        return code
    address = _legacy_communes().get(code)
    if address is None:
        return None
    from vietnamadminunits import convert_address

    new_code = convert_address(address).ward_code
    return str(new_code).zfill(5) if new_code and is_commune_code_2025(str(new_code)) else None


def province_code_2025(code: str) -> str | None:
    """The 34-province code for a two-digit province code of either list (old codes map to the
    province that absorbed them: 87 Đồng Tháp and 82 Tiền Giang → 82); None if unknown."""
    return _province_codes_2025().get(code)


__all__ = [
    "commune_code_2025",
    "is_commune_code_2025",
    "legacy_province_codes",
    "load_code_lists",
    "province_code_2025",
    "province_of_commune",
    "ward_name",
    "wards_of_province",
]
