"""The names people know a 766 unit by: the province, an agency (a department of the catalogue,
a commune People's Committee ``UBND-<commune code>`` or the province's public administration
centre ``TTPVHCC-<province code>``), a commune (the 2025 list). A code without a known name is
shown as it is."""

from __future__ import annotations

import re
from functools import cache

from vietnam_provinces import Province

from hub.catalogue.models import Catalogue
from hub.identifiers.admin_units import is_commune_code_2025, ward_name
from hub.index766.periods import Unit

_COMMUNE_COMMITTEE = re.compile(r"^UBND-(\d{5})$")
_PROVINCE_CENTRE = re.compile(r"^TTPVHCC-(\d{2})$")

LEVEL_WORDS = {"province": "Toàn tỉnh", "agency": "Cơ quan", "commune": "Xã, phường"}


@cache
def _province_names() -> dict[str, str]:
    return {f"{p.code.value:02d}": p.name for p in Province.iter_all()}


def commune_name(code: str) -> str:
    return ward_name(code) if is_commune_code_2025(code) else f"Xã, phường mã {code}"


def agency_name(code: str, catalogue: Catalogue) -> str:
    committee = _COMMUNE_COMMITTEE.match(code)
    if committee and is_commune_code_2025(committee[1]):
        return f"UBND {ward_name(committee[1])}"
    centre = _PROVINCE_CENTRE.match(code)
    if centre:
        province = _province_names().get(centre[1])
        if province is None:
            return code
        return f"Trung tâm Phục vụ hành chính công tỉnh {province}"
    known = {agency.id: agency.name for agency in catalogue.agencies}
    return known.get(code, code)


def unit_name(unit: Unit, catalogue: Catalogue) -> str:
    """``Toàn tỉnh``, ``UBND Phường Đạo Thạnh``, ``Phường Đạo Thạnh``."""
    if unit.code is None:
        return LEVEL_WORDS["province"]
    if unit.level == "agency":
        return agency_name(unit.code, catalogue)
    return commune_name(unit.code)
