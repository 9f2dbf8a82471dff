"""A dead letter: a record the hub refused, kept with why, where from, when, and its bytes."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from hub.contracts.violation import Violation

LETTER_MAX_BYTES = 512 * 1024
"""A dead letter larger than this (a record over a Kafka message's size, say) keeps the first
``ORIGINAL_KEPT_BYTES`` of its original with the whole original's size and SHA-256, and no
mapped record, so that the letter itself fits on the dead-letter topic."""
ORIGINAL_KEPT_BYTES = 256 * 1024


@dataclass(frozen=True)
class DeadLetter:
    dataset: str
    source: dict[str, Any]
    violations: tuple[Violation, ...]
    original: bytes
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    record: dict[str, Any] | None = None
    """The record as JSON values, when the source could map it (a steward corrects this)."""
    original_size: int | None = None
    """Set when ``original`` is only the head of a larger original: that original's size."""
    original_sha256: str | None = None

    @property
    def reason(self) -> str:
        return "; ".join(f"{v.path}: {v.message}" for v in self.violations)

    def to_bytes(self) -> bytes:
        cut: dict[str, object] = {}
        if self.original_size is not None:  # read back from a letter already cut
            cut = {"original_size": self.original_size, "original_sha256": self.original_sha256}
        payload = self._encoded(self.original, self.record, **cut)
        if len(payload) <= LETTER_MAX_BYTES:
            return payload
        return self._encoded(
            self.original[:ORIGINAL_KEPT_BYTES],
            None,
            original_size=len(self.original),
            original_sha256=hashlib.sha256(self.original).hexdigest(),
        )

    def _encoded(self, original: bytes, record: dict[str, Any] | None, **cut: object) -> bytes:
        document = {
            "dataset": self.dataset,
            "reason": self.reason,
            "rules": [v.rule for v in self.violations],
            "violations": [v.as_dict() for v in self.violations],
            "source": self.source,
            "at": self.at.isoformat(),
            "original_base64": base64.b64encode(original).decode("ascii"),
            "record": record,
            **cut,
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
            original_size=document.get("original_size"),
            original_sha256=document.get("original_sha256"),
        )
