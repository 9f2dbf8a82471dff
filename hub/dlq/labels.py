"""How letters read for people: times in Vietnam time, sources in words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def source_label(source: Mapping[str, Any]) -> str:
    """Where a letter's record came from: ``csv ho-so.csv, dòng 17``, ``phát lại thư 0:12``."""
    kind = str(source.get("kind", "?"))
    name = str(source.get("name", ""))
    position = source.get("position")
    if kind == "dlq-replay":
        topic, _, partition = name.rpartition(":")
        return f"phát lại thư {partition}:{position} ({topic})"
    if kind == "csv":
        return f"csv {name}, dòng {position}"
    if kind == "api":
        return f"api {name}, bản ghi {position}"
    return f"{kind} {name}, vị trí {position}"
