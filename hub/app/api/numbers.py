"""Whole numbers read from a query string or a path."""

from __future__ import annotations

LARGEST_SEQ = 2**63 - 1
"""The largest value of a BIGINT column (an SQLite INTEGER holds the same): an ``after`` beyond
it can name no row, and the database refuses to compare with it."""


def ascii_digits(text: str) -> bool:
    """Whether the text is a whole number int() reads: ``str.isdigit`` alone also takes
    superscripts such as '²', which int() refuses."""
    return text.isascii() and text.isdigit()
