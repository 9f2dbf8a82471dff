"""The one parser of whole numbers from query strings, paths and forms (hub.app.api.numbers)."""

from __future__ import annotations

import pytest

from hub.app.api.numbers import bounded_int


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0", 0), ("7", 7), ("10", 10), ("007", 7), ("0" * 50 + "10", 10)],
)
def test_ascii_digits_within_the_bounds_are_read(text: str, expected: int) -> None:
    """Digits from low to high are their number, leading zeros or not."""
    assert bounded_int(text, 0, 10) == expected


@pytest.mark.parametrize(
    "text", ["", "11", "-1", "+1", " 1", "1 ", "1_0", "²", "١", "1.0", "9" * 5000]
)
def test_anything_else_is_none(text: str) -> None:
    """Out of bounds, a sign, a space, an underscore, a superscript, another script's digits
    and a run of digits int() refuses (over 4,300) are all None, never an exception."""
    assert bounded_int(text, 0, 10) is None


def test_the_low_bound_holds() -> None:
    """A number under ``low`` is None; ``low`` itself is read."""
    assert (bounded_int("0", 1, 5), bounded_int("1", 1, 5)) == (None, 1)
