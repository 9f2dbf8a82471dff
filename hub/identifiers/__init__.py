"""Vietnamese identifiers and administrative codes, checked against maintained code lists."""

from hub.identifiers.admin_units import is_commune_code_2025, province_of_commune
from hub.identifiers.cccd import cccd_problem

__all__ = ["cccd_problem", "is_commune_code_2025", "province_of_commune"]
