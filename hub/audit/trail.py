"""The entries the hub's write paths append, one function per kind, so each hook is one line.

The audit log knows only its own words: an action, an actor, a dataset and a details object.
Each write path describes its own result (``BatchResult.audit_details``,
``IngestReport.audit_details``, ``ReplayOutcome.audit_details``); this module only picks the
action and appends.

- records written by an ingest API batch or a connector run: ``records.write``, or
  ``records.dead_letter`` when every record was refused; nothing when the work wrote neither
  (an all-or-nothing batch refused, an empty file);
- a dead letter replayed: ``dlq.replay``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.audit.actions import DLQ_REPLAY, RECORDS_DEAD_LETTER, RECORDS_WRITE
from hub.audit.entry import Actor
from hub.audit.log import AuditLog

_COUNTS = ("count", "dead_letters")


def write_action(details: Mapping[str, Any]) -> str | None:
    """The action for a write whose details count the records it wrote (``count``) and the
    dead letters (``dead_letters``); None when it wrote neither."""
    for key in _COUNTS:
        if not isinstance(details.get(key), int):
            raise ValueError(f"the details of a write need an integer {key!r}")
    if details["count"]:
        return RECORDS_WRITE
    if details["dead_letters"]:
        return RECORDS_DEAD_LETTER
    return None


def record_write(
    log: AuditLog, actor: Actor, dataset: str, details: Mapping[str, Any]
) -> int | None:
    """Records (or only dead letters) written to ``dataset``; the entry's ``seq``, or None when
    nothing was written and nothing appended."""
    action = write_action(details)
    if action is None:
        return None
    return log.append(action, actor=actor, dataset=dataset, details=details)


def record_replay(log: AuditLog, actor: Actor, dataset: str, details: Mapping[str, Any]) -> int:
    """One dead letter written again: published, or refused into a new letter."""
    return log.append(DLQ_REPLAY, actor=actor, dataset=dataset, details=details)
