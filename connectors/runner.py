"""Running a batch connector: read the source past its checkpoint, map each record, publish, and
move the checkpoint on only after the bus acknowledged each batch."""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Iterator, Set
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from connectors.checkpoints import BusEnds, Checkpoint, CheckpointStore, merge_ends
from connectors.config import ConnectorConfig
from connectors.delivery import Provenance, bus_ends, ends_after, position_key, published_after
from connectors.mapping import RowMapper
from connectors.sources.files import FileSource
from connectors.sources.port import BatchSource
from connectors.worker import Prepared, prepared_batches
from hub.bus.port import EventBus, OutgoingMessage, Position, Sending
from hub.ingest.validation import Violation
from hub.ingest.writer import (
    DatasetWriter,
    Flushed,
    IncomingRecord,
    IngestReport,
    SourceRef,
    count_settled,
)
from hub.metrics import CONTRACT_FAILURES


class RunObserver(Protocol):
    """Hears how a run goes: a progress bar, a log."""

    def started(self, total: int | None) -> None: ...

    def advanced(self, records: int) -> None: ...


@dataclass(frozen=True, slots=True)
class RunSummary:
    connector: str
    source: str
    stream: str
    report: IngestReport
    resumed_after: Any  # the checkpoint's position when the run began; None: from the start
    already_published: int  # records of an interrupted run found on the bus, not sent again
    checkpoint: Checkpoint | None


def run_connector(config: ConnectorConfig, input_path: Path, writer: DatasetWriter) -> IngestReport:
    """Publish every row of a file, without a checkpoint (a one-off load, the demo's sample)."""
    return writer.write(incoming(config, FileSource(config, input_path), after=None, skip=set()))


def run_batch(
    config: ConnectorConfig,
    source: BatchSource,
    writer: DatasetWriter,
    bus: EventBus,
    checkpoints: CheckpointStore,
    *,
    observer: RunObserver | None = None,
    finite: bool = True,
) -> RunSummary:
    """One pass over the source from its checkpoint; ``finite``: the source is read to its end
    (a file), so the checkpoint is marked finished."""
    topics = [writer.entry.topic, writer.entry.dlq_topic]
    for topic in topics:
        bus.ensure_topic(topic)
    saved = checkpoints.load(config.name, source.stream)
    if saved is None:
        # Saved before anything is published: a crash in the first batch is found on restart.
        saved = checkpoints.save(
            Checkpoint(
                connector=config.name,
                stream=source.stream,
                dataset=config.dataset,
                source_kind=source.kind,
                bus_ends=bus_ends(bus, topics),
            )
        )
        skip: set[str] = set()
        searched = saved.bus_ends
    else:
        skip, searched = published_after(bus, saved, topics)
    progress = _Progress(saved, checkpoints, observer)
    if observer is not None:
        observer.started(source.estimated_total(saved.position))
    with _heap_set_aside():
        if config.worker_process and isinstance(source, FileSource):
            with prepared_batches(
                config, source, writer, writer.batch_size, after=saved.position, skip=skip
            ) as batches:
                report = _publish_prepared(writer, bus, batches, progress)
        else:
            report = writer.write(
                incoming(config, source, after=saved.position, skip=skip, skips=progress),
                on_flushed=progress.flushed,
            )
    final = progress.finish(finished=finite, searched=searched)
    return RunSummary(
        connector=config.name,
        source=source.name,
        stream=source.stream,
        report=report,
        resumed_after=saved.position,
        already_published=progress.skipped,
        checkpoint=final,
    )


@contextlib.contextmanager
def _heap_set_aside() -> Iterator[None]:
    """The objects alive before the run left out of the garbage collector's passes during it.

    A run makes a dozen short-lived objects per row, and every so often the collector's full
    pass walks every object of the process (the hub, its clients, the catalogue): about a
    seventh of the CPU of a CSV run. Frozen, those are not walked; they go back to the
    collector after the run, garbage among them with them (no collection first: a full pass
    costs about 70 ms, a tenth of a run of 2,000 rows)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class _Progress:
    """The checkpoint as the run moves it after each acknowledged batch, saved at most every
    ``store.save_every_s`` and at the end."""

    def __init__(
        self, checkpoint: Checkpoint, store: CheckpointStore, observer: RunObserver | None
    ) -> None:
        self.checkpoint = checkpoint
        self._store = store
        self._observer = observer
        self.skipped = 0
        self._skipped_to: Any = None  # the last position skipped since the last flush
        self._saved_at = time.monotonic()

    def skip(self, position: Any) -> None:
        self.skipped += 1
        self._skipped_to = position
        if self._observer is not None:
            self._observer.advanced(1)

    def read(self) -> None:
        """A record to publish was read: the skipped ones before it are behind it."""
        self._skipped_to = None

    def skipped_ahead(self, count: int) -> None:
        """``count`` records skipped in a worker process (connectors.worker)."""
        self.skipped += count
        if self._observer is not None and count:
            self._observer.advanced(count)

    def flushed(self, batch: Flushed) -> None:
        # Records skipped after the batch's last one (at the end of the source) are on the
        # bus already: the checkpoint moves past them too.
        last = self._skipped_to if self._skipped_to is not None else batch.last.source.position
        self.moved(last, batch.accepted, batch.rejected)
        self._skipped_to = None

    def moved(self, last: Any, accepted: list[Position], rejected: list[Position]) -> None:
        """The bus acknowledged every record up to ``last``."""
        self.checkpoint = self.checkpoint.advanced(
            last, ends_after(accepted + rejected), accepted=len(accepted), rejected=len(rejected)
        )
        if time.monotonic() - self._saved_at >= self._store.save_every_s:
            self.checkpoint = self._store.save(self.checkpoint)
            self._saved_at = time.monotonic()
        if self._observer is not None:
            self._observer.advanced(len(accepted) + len(rejected))

    def finish(self, *, finished: bool, searched: BusEnds) -> Checkpoint:
        """The source was read to its end: records skipped after the last batch were on the bus
        already, and nothing of this stream before ``searched`` needs searching again."""
        position = self._skipped_to if self._skipped_to is not None else self.checkpoint.position
        self.checkpoint = self._store.save(
            replace(
                self.checkpoint,
                position=position,
                bus_ends=merge_ends(self.checkpoint.bus_ends, searched),
                finished=finished,
                last_error=None,
            )
        )
        return self.checkpoint


class Skips(Protocol):
    """Hears of the records skipped (on the bus already) and of those read to publish."""

    def skip(self, position: Any) -> None: ...

    def read(self) -> None: ...


def incoming(
    config: ConnectorConfig,
    source: BatchSource,
    *,
    after: Any,
    skip: Set[str],
    skips: Skips | None = None,
) -> Iterator[IncomingRecord]:
    """The source's records past ``after``, mapped; with ``skips``, a run's: those whose
    position is in ``skip`` are left out (told to ``skips``) and the others carry their
    provenance headers."""
    mapper = RowMapper(config)
    provenance = Provenance(config.name, source.stream) if skips is not None else None
    kind, name = source.kind, source.name
    for item in source.records(after):
        if skip and position_key(item.position) in skip:
            if skips is not None:
                skips.skip(item.position)
            continue
        if skips is not None:
            skips.read()
        if item.problem is not None:
            record, problems = None, [Violation("$", "source", item.problem)]
        else:
            record, problems = mapper.map(item.cells)
        yield IncomingRecord(
            source=SourceRef(kind=kind, name=name, position=item.position),
            original=item.original,
            record=None if problems else record,
            problems=tuple(problems),
            headers=provenance.headers(item.position) if provenance is not None else (),
        )


# --- publishing batches a worker process prepared (connectors.worker) ------------------------


@dataclass(frozen=True, slots=True)
class _Travelling:
    batch: Prepared
    topic: Sending
    dlq: Sending


def _publish_prepared(
    writer: DatasetWriter, bus: EventBus, batches: Iterator[Prepared], progress: _Progress
) -> IngestReport:
    """As DatasetWriter.write does with its own batches: each sent, then the next one received
    while it travels, and only then its acknowledgements awaited and the checkpoint moved past
    it. When the worker fails, the batch travelling is settled before the error goes up."""
    entry = writer.entry
    report = IngestReport(dataset=entry.id, topic=entry.topic)
    travelling: _Travelling | None = None
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            break
        except Exception:
            if travelling is not None:
                _settle(travelling, report, progress)
            raise
        progress.skipped_ahead(batch.skipped)
        sent = _Travelling(
            batch,
            bus.send(entry.topic, [OutgoingMessage(k, v, h) for k, v, h in batch.good]),
            bus.send(entry.dlq_topic, [OutgoingMessage(None, b, h) for _, b, h in batch.letters]),
        )
        if travelling is not None:
            _settle(travelling, report, progress)
        travelling = sent
    if travelling is not None:
        _settle(travelling, report, progress)
    return report


def _settle(sent: _Travelling, report: IngestReport, progress: _Progress) -> None:
    accepted = sent.topic.acknowledged()
    rejected = sent.dlq.acknowledged()
    batch = sent.batch
    count_settled(report, accepted, len(batch.good), [letter for letter, _, _ in batch.letters])
    for rule, count in batch.contract_failures.items():
        CONTRACT_FAILURES.labels(dataset=report.dataset, rule=rule).inc(count)
    last = batch.skipped_to if batch.skipped_to is not None else batch.last
    if last is not None:
        progress.moved(last, accepted, rejected)
