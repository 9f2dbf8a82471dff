"""The catalogue's codes as a reader of the pages says them, in Vietnamese: sectors, data classes,
update frequencies, licences and retention periods. A code without a label is shown as it is."""

from __future__ import annotations

import re

SECTORS = {
    "public-administration": "Hành chính công",
    "agriculture-environment": "Nông nghiệp và môi trường",
    "science-technology": "Khoa học và công nghệ",
    "industry-trade": "Công thương",
    "finance-banking": "Tài chính",
    "transport-logistics": "Giao thông vận tải",
    "health": "Y tế",
    "education": "Giáo dục và đào tạo",
}

CLASSES = {
    "open": "Dữ liệu mở",
    "shared": "Dữ liệu dùng chung",
    "restricted": "Dữ liệu dùng riêng",
}

FREQUENCIES = {
    "continuous": "Liên tục",
    "daily": "Hằng ngày",
    "weekly": "Hằng tuần",
    "monthly": "Hằng tháng",
    "annual": "Hằng năm",
}

LICENCES = {
    "CC-BY-4.0": "Creative Commons Ghi công 4.0 (CC BY 4.0)",
}

LICENCE_LINKS = {
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/deed.vi",
}

_DURATION_PART = re.compile(r"(\d+)([YMWD])")
_DURATION_UNITS = {"Y": "năm", "M": "tháng", "W": "tuần", "D": "ngày"}


def label(labels: dict[str, str], code: str) -> str:
    """The code's Vietnamese label, or the code itself when it has none."""
    return labels.get(code, code)


def retention_text(duration: str) -> str:
    """``P10Y`` -> ``10 năm``; ``P1Y6M`` -> ``1 năm 6 tháng`` (the catalogue's ISO 8601 form)."""
    parts = [f"{n} {_DURATION_UNITS[unit]}" for n, unit in _DURATION_PART.findall(duration)]
    return " ".join(parts) or duration
