"""CCCD numbers and 2025 commune codes are checked against maintained code lists."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.identifiers import cccd_problem, is_commune_code_2025, province_of_commune

TODAY = dt.date(2026, 11, 22)


@pytest.mark.parametrize("number", ["082195000123", "001099123456", "087205654321"])
def test_valid_cccd(number: str) -> None:
    """Well-formed numbers with an old province code and a past birth year pass."""
    assert cccd_problem(number, today=TODAY) is None


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("08219500012", "12 chữ số"),
        ("08219500012a", "12 chữ số"),
        ("０８２１９５０００１２３", "12 chữ số"),
        ("003195000123", "mã tỉnh"),  # 03 was never a province code
        ("082399000123", "tương lai"),  # born in 2099
    ],
)
def test_invalid_cccd_names_the_rule(number: str, why: str) -> None:
    """Each malformed number gets a reason naming what is wrong."""
    problem = cccd_problem(number, today=TODAY)
    assert problem is not None and why in problem


def test_commune_codes_of_the_34_province_list() -> None:
    """Mỹ Tho ward belongs to Đồng Tháp since 2025; a made-up code is unknown."""
    assert is_commune_code_2025("28261")
    assert province_of_commune("28261").name == "Đồng Tháp"
    assert not is_commune_code_2025("99999")
