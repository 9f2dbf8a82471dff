"""Read cursors: the next offset of each partition, as 'partition:offset,...'."""

from __future__ import annotations

import re

_CURSOR = re.compile(r"^\d{1,4}:\d{1,19}(,\d{1,4}:\d{1,19})*$")


def parse_cursor(text: str | None) -> dict[int, int]:
    if not text:
        return {}
    if not _CURSOR.match(text):
        raise ValueError(f"con trỏ {text!r} không đúng dạng phân_vùng:vị_trí[,…]")
    return {int(p): int(o) for p, o in (part.split(":") for part in text.split(","))}


def format_cursor(positions: dict[int, int]) -> str:
    return ",".join(f"{p}:{o}" for p, o in sorted(positions.items()))
