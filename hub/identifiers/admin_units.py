"""Administrative units of the 34-province era (from 1 July 2025), from `vietnam-provinces`,
and the old 63-province codes that CCCD numbers keep, from `vietnamadminunits`."""

from __future__ import annotations

from functools import cache

from vietnam_provinces import Province, Ward
from vietnamadminunits.database import get_data


@cache
def _ward_codes() -> dict[str, Ward]:
    return {f"{ward.code.value:05d}": ward for ward in Ward.iter_all()}


def is_commune_code_2025(code: str) -> bool:
    """Whether the code is a commune-level unit (xã, phường, đặc khu) of the 34-province list."""
    return code in _ward_codes()


def province_of_commune(code: str) -> Province:
    """The province a 2025 commune code belongs to; KeyError if unknown."""
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


__all__ = [
    "is_commune_code_2025",
    "legacy_province_codes",
    "province_of_commune",
    "ward_name",
    "wards_of_province",
]
