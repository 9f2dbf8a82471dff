"""One batch of JSON records from a producer: convert, validate, publish.

All-or-nothing by default: one bad record and nothing is published, and the answer lists every
error. In partial mode the valid records are published and the invalid ones go to the dataset's
dead-letter topic, each with its errors and its original JSON.

Dead letters are written before the records: if publishing fails half-way, a retry can at worst
repeat a dead letter, never a record.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hub.avro.json_codec import JsonRecordError
from hub.bus.port import OutgoingMessage, Position
from hub.bus.span import PositionSpan
from hub.ingest.validation import Violation
from hub.ingest.writer import DatasetWriter, IncomingRecord, SourceRef, write_details
from hub.metrics import RECORDS_IN


class IngestMode(StrEnum):
    ATOMIC = "atomic"
    PARTIAL = "partial"


@dataclass(frozen=True, slots=True)
class RecordError:
    index: int
    violations: tuple[Violation, ...]
    dead_letter: Position | None = None

    def as_dict(self) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "index": self.index,
            "errors": [
                {**v.as_dict(), "path": f"$[{self.index}]{v.path[1:]}"} for v in self.violations
            ],
        }
        if self.dead_letter is not None:
            answer["dead_letter"] = _position(self.dead_letter)
        return answer


@dataclass(frozen=True, slots=True)
class BatchResult:
    dataset: str
    mode: IngestMode
    accepted: tuple[tuple[int, Position], ...]
    rejected: tuple[RecordError, ...]

    @property
    def refused(self) -> bool:
        """Whether nothing was published because the batch was all-or-nothing and had errors."""
        return self.mode is IngestMode.ATOMIC and bool(self.rejected)

    def as_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "mode": self.mode.value,
            "accepted_count": len(self.accepted),
            "rejected_count": len(self.rejected),
            "accepted": [{"index": i, **_position(p)} for i, p in self.accepted],
            "rejected": [error.as_dict() for error in self.rejected],
        }

    def audit_details(self) -> dict[str, Any]:
        """The details of the audit entry for this batch: what it wrote, records and dead
        letters (a refused batch wrote neither)."""
        letters = [error.dead_letter for error in self.rejected if error.dead_letter is not None]
        records = PositionSpan.of([position for _, position in self.accepted])
        return {
            "source": "api",
            "mode": self.mode.value,
            **write_details(records, len(letters)),
            **PositionSpan.of(letters).details(prefix="dlq_"),
        }


# Not frozen: one is made for every record, and a frozen dataclass's __init__ costs 3x.
@dataclass(slots=True)
class _Checked:
    index: int
    document: object
    record: dict[str, Any] | None
    violations: tuple[Violation, ...]


def ingest_batch(
    writer: DatasetWriter, documents: Sequence[object], *, mode: IngestMode, source_name: str
) -> BatchResult:
    """Validate every record, then publish as the mode says."""
    checked = [_check(writer, index, document) for index, document in enumerate(documents)]
    messages = _encode_fitting(writer, checked)
    bad = [c for c in checked if c.violations]
    good = [c for c in checked if not c.violations and c.record is not None]
    dataset = writer.entry.id
    if bad:
        RECORDS_IN.labels(dataset=dataset, outcome="rejected").inc(len(bad))
    if bad and mode is IngestMode.ATOMIC:
        rejected = tuple(RecordError(c.index, c.violations) for c in bad)
        return BatchResult(dataset, mode, accepted=(), rejected=rejected)
    letters = [
        writer.dead_letter(
            IncomingRecord(
                source=SourceRef(kind="api", name=source_name, position=c.index),
                original=_original_bytes(c.document),
                record=c.record,
            ),
            c.violations,
        )
        for c in bad
    ]
    letter_positions = writer.send_to_dlq(letters) if letters else []
    positions = writer.publish([messages[c.index] for c in good])
    return BatchResult(
        dataset,
        mode,
        accepted=tuple(zip((c.index for c in good), positions, strict=True)),
        rejected=tuple(
            RecordError(c.index, c.violations, where)
            for c, where in zip(bad, letter_positions, strict=True)
        ),
    )


def _check(writer: DatasetWriter, index: int, document: object) -> _Checked:
    try:
        record = writer.json_reader.read(document)
    except JsonRecordError as exc:
        return _Checked(index, document, None, (Violation(exc.path, "json_value", exc.message),))
    return _Checked(index, document, record, tuple(writer.violations(record)))


def _encode_fitting(writer: DatasetWriter, checked: list[_Checked]) -> dict[int, OutgoingMessage]:
    """Each valid record encoded for its topic, by index; one too large for a message gets the
    ``record_too_large`` violation instead, before anything is published."""
    messages: dict[int, OutgoingMessage] = {}
    for c in checked:
        if c.violations or c.record is None:
            continue
        message = writer.message(c.record)
        oversized = writer.too_large(message)
        if oversized is None:
            messages[c.index] = message
        else:
            c.violations = (oversized,)
    return messages


def _original_bytes(document: object) -> bytes:
    """The record as its JSON text; a lone surrogate (``"\\ud800"`` in the body) is kept as
    that escape, since UTF-8 cannot hold it."""
    return json.dumps(document, ensure_ascii=False).encode("utf-8", "backslashreplace")


def _position(position: Position) -> dict[str, Any]:
    return {"topic": position.topic, "partition": position.partition, "offset": position.offset}
