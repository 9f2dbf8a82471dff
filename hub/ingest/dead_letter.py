"""A dead letter: a record the hub refused, kept with why, where from, when, and its bytes."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from hub.ingest.validation import Violation


@dataclass(frozen=True)
class DeadLetter:
    dataset: str
    source: dict[str, Any]
    violations: tuple[Violation, ...]
    original: bytes
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    record: dict[str, Any] | None = None
    """The record as JSON values, when the source could map it (a steward corrects this)."""

    @property
    def reason(self) -> str:
        return "; ".join(f"{v.path}: {v.message}" for v in self.violations)

    def to_bytes(self) -> bytes:
        document = {
            "dataset": self.dataset,
            "reason": self.reason,
            "rules": [v.rule for v in self.violations],
            "violations": [v.as_dict() for v in self.violations],
            "source": self.source,
            "at": self.at.isoformat(),
            "original_base64": base64.b64encode(self.original).decode("ascii"),
            "record": self.record,
        }
        # a lone surrogate (from "\ud800" in a JSON body) goes back to that JSON escape
        return json.dumps(document, ensure_ascii=False).encode("utf-8", "backslashreplace")

    @classmethod
    def from_bytes(cls, payload: bytes) -> DeadLetter:
        document = json.loads(payload)
        return cls(
            dataset=document["dataset"],
            source=document["source"],
            violations=tuple(Violation(**v) for v in document["violations"]),
            original=base64.b64decode(document["original_base64"]),
            at=dt.datetime.fromisoformat(document["at"]),
            record=document.get("record"),
        )
