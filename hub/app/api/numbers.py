"""Whole numbers read from a query string, a path or a form: the API's and the pages' one parser."""

from __future__ import annotations

LARGEST_SEQ = 2**63 - 1
"""The largest value of a BIGINT column (an SQLite INTEGER holds the same): an ``after`` beyond
it can name no row, and the database refuses to compare with it."""


def ascii_digits(text: str) -> bool:
    """Whether the text is a whole number int() reads: ``str.isdigit`` alone also takes
    superscripts such as '²', which int() refuses."""
    return text.isascii() and text.isdigit()


def bounded_int(text: str, low: int, high: int) -> int | None:
    """The whole number ``text`` writes in ASCII digits, if it is from ``low`` to ``high``
    (``0 <= low``); None for anything else: a sign, a space, '²', or too many digits. A run of
    digits longer than ``high`` has (leading zeros aside) is refused before int(), which would
    spend time on it, and fails past 4,300 digits."""
    if not ascii_digits(text) or len(text.lstrip("0")) > len(str(high)):
        return None
    number = int(text)
    return number if low <= number <= high else None
