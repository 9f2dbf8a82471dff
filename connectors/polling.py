"""Polling a source that keeps growing (a table, an API) until told to stop.

Each round is one batch run from the checkpoint. A source that cannot be read (database gone,
API answering 5xx or garbage) is noted on the checkpoint and retried, backing off up to
``max_backoff_s``; the checkpoint itself does not move, so the next good round resumes exactly
where the bus last acknowledged. Every round logs one structured line.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from connectors.checkpoints import CheckpointStore
from connectors.config import ConnectorConfig
from connectors.errors import SourceUnavailable
from connectors.events import log_event
from connectors.runner import run_batch
from connectors.sources.port import BatchSource
from hub.bus.port import EventBus
from hub.ingest.writer import DatasetWriter


@dataclass
class PollTotals:
    rounds: int = 0
    accepted: int = 0
    rejected: int = 0
    failures: int = 0


def poll(
    config: ConnectorConfig,
    source: BatchSource,
    writer: DatasetWriter,
    bus: EventBus,
    store: CheckpointStore,
    *,
    stop: threading.Event,
    interval_s: float,
    max_backoff_s: float = 300.0,
    max_rounds: int | None = None,
) -> PollTotals:
    totals = PollTotals()
    wait = interval_s
    while not stop.is_set() and (max_rounds is None or totals.rounds < max_rounds):
        totals.rounds += 1
        try:
            summary = run_batch(config, source, writer, bus, store, finite=False)
        except SourceUnavailable as exc:
            totals.failures += 1
            store.record_error(config.name, source.stream, str(exc))
            wait = min(max(wait, interval_s) * 2, max_backoff_s)
            log_event(
                "connector.source_unavailable",
                level=logging.WARNING,
                connector=config.name,
                stream=source.stream,
                error=str(exc),
                retry_in_s=wait,
            )
        else:
            totals.accepted += summary.report.accepted
            totals.rejected += summary.report.rejected
            wait = interval_s
            log_event(
                "connector.poll",
                connector=config.name,
                stream=source.stream,
                accepted=summary.report.accepted,
                rejected=summary.report.rejected,
                position=summary.checkpoint.position if summary.checkpoint else None,
            )
        if max_rounds is None or totals.rounds < max_rounds:
            stop.wait(wait)
    return totals
