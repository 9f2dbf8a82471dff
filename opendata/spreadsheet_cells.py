"""Text cells made safe for spreadsheets (CSV or formula injection, OWASP's advice): a published
cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be
read by Excel or LibreOffice as a formula (``=HYPERLINK("http://…","Bấm vào đây")``), so it gets
a single quote in front, which the spreadsheet shows as text and does not evaluate.

Only text is touched: a number (``-1500`` in a numeric column) is not a ``str`` here and keeps
its sign; text that happens to look like a negative number (``"-5"`` in a text column) gets the
quote too, as OWASP advises, since a text column's reader expects text.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet evaluate a cell (OWASP, CSV Injection)."""


def spreadsheet_safe(value: Any) -> Any:
    """``value`` as a spreadsheet may show it: text that would start a formula is prefixed with
    a single quote; anything else (numbers, None, ordinary text) is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
