"""The entries the hub's write paths append, one function per path, so each hook is one line.

- an ingest API batch and a connector run: ``records.write`` (or ``records.dead_letter`` when
  every record was refused), with counts, the topic and the first and last positions;
- a dead letter replayed: ``dlq.replay``, with what became of it;

Nothing is appended for work that wrote nothing (an all-or-nothing batch refused, an empty
file, a dataset whose publication failed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hub.audit.actions import DLQ_REPLAY, RECORDS_DEAD_LETTER, RECORDS_WRITE
from hub.audit.entry import Actor
from hub.audit.log import AuditLog
from hub.bus.span import PositionSpan

if TYPE_CHECKING:
    from hub.dlq.status import ReplayOutcome
    from hub.ingest.batch import BatchResult
    from hub.ingest.writer import IngestReport


def record_batch(log: AuditLog, actor: Actor, result: BatchResult) -> int | None:
    """An ingest API batch that wrote records or dead letters."""
    if result.refused:
        return None
    letters = [error.dead_letter for error in result.rejected if error.dead_letter is not None]
    details = {
        "source": "api",
        "mode": result.mode.value,
        **_written(PositionSpan.of([position for _, position in result.accepted]), len(letters)),
        **PositionSpan.of(letters).details(prefix="dlq_"),
    }
    return _append_write(log, actor, result.dataset, details)


def record_ingest(log: AuditLog, actor: Actor, report: IngestReport, source: str) -> int | None:
    """A connector run over one source file."""
    details = {
        "source": "csv",
        "file": source,
        **_written(report.written, report.rejected),
        "rejected_by_rule": dict(report.rejected_by_rule),
    }
    return _append_write(log, actor, report.dataset, details)


def record_replay(
    log: AuditLog, actor: Actor, dataset: str, dlq_topic: str, outcome: ReplayOutcome
) -> int:
    """One dead letter written again: published, or refused into a new letter."""
    details = {
        "letter": f"{dlq_topic}:{outcome.address}",
        "outcome": outcome.status.value,
        "result": outcome.detail(),  # where it was published, or the new letter and its rules
    }
    return log.append(DLQ_REPLAY, actor=actor, dataset=dataset, details=details)


def _append_write(log: AuditLog, actor: Actor, dataset: str, details: dict[str, Any]) -> int | None:
    if details["count"]:
        action = RECORDS_WRITE
    elif details["dead_letters"]:
        action = RECORDS_DEAD_LETTER
    else:
        return None
    return log.append(action, actor=actor, dataset=dataset, details=details)


def _written(span: PositionSpan, dead_letters: int) -> dict[str, Any]:
    return {"count": span.count, "dead_letters": dead_letters, **span.details()}
