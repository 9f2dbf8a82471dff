"""The index worker (``kho index run``): the dossier and feedback topics become the latest states
the 766 index is computed from, exactly once across kill -9.

It reads ``tthc.dossiers`` and ``feedback.citizen_feedback`` in the consumer group
``kho.index766`` (Kafka splits the partitions between the group's members; the embedded bus
does the same for one). For each batch:

1. records the index already applied are skipped: the offsets saved in the database
   (``hub.index766.store``) are the truth of where the worker is, not the group's;
2. each record is decoded with its writer's schema and becomes a state; one that cannot
   (undecodable, not a dossier, counts that contradict each other) becomes a dead letter on
   its dataset's ``<topic>.dlq`` with the reason and its bytes (``hub.index766.decoding``),
   sent before the batch commits
   (so it is never lost; after a crash it may be sent twice, never zero times), and does not
   block its partition;
3. the states and the next offsets are written in **one** database transaction. A kill -9
   before its COMMIT leaves neither, after it both; a failure anywhere in the batch rolls the
   whole batch back and the previous figures stay;
4. then the group's offsets are committed, for lag reports and so the next member starts near
   the right place. The group's commit may lag the database's (a crash between them): the
   records it replays are skipped by step 1.

``drain`` (``--once``, a rebuild's backfill) writes each batch while it decodes the next
(``hub.index766.writing_ahead``): the same steps, in the same order per batch, with the
database's work overlapping the decoding. It commits the group's offsets once, after its last
batch is in the database (the group lags meanwhile, as step 4 allows).

"Seeking to the stored offsets": the bus port's group consumer starts at the group's committed
offsets and has no seek. The saved offsets are never behind the group's except after a rebuild
(or a database restored from an older backup); at start the worker reads, for every partition
where the group is ahead, the records in between directly (``EventBus.fetch``) before it polls.
Where the saved offsets are ahead, step 1 skips.

``rebuild`` empties the tables and the group's saved offsets in one transaction; the next run
reads both topics from their beginning. Stop the group's other members while it rebuilds.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from hub.bus.draining import drain_to
from hub.bus.errors import BusError
from hub.bus.port import BusRecord, Consumer, EventBus
from hub.bus.relay import GroupOffsetsFactory
from hub.catalogue.models import DatasetEntry
from hub.errors import UnreachableError
from hub.index766.decoding import (
    DeadLetterWriter,
    Decoded,
    Decoder,
    RecordDecoder,
    send_letters,
)
from hub.index766.store import IndexStore, PartitionKey
from hub.index766.tallies import CellKey, Tally, new_tallies
from hub.index766.writing_ahead import WritingAhead
from hub.metrics import RECORDS_OUT

log = logging.getLogger(__name__)

INDEX_DOSSIER_DATASET = "tthc.dossiers"
INDEX_FEEDBACK_DATASET = "feedback.citizen_feedback"
INDEX_GROUP = "kho.index766"
_COORDINATOR_WAIT_S = 30.0
EVIDENCE_LOOK_EVERY_S = 1.0
"""How often a running worker looks for results newly stored as evidence."""
_WRITER_THREAD = "kho-index-write"


AfterStates = Callable[[], None]
"""Called inside the batch's transaction after the states are written and before the offsets
are saved. Only tests set it, to inject a failure at the worst moment (fault injection)."""


@dataclass(frozen=True)
class IndexPorts:
    """What the worker works with; the shell builds them (``Hub.index_worker``)."""

    bus: EventBus
    group_offsets: GroupOffsetsFactory
    decoder: Decoder
    store: IndexStore
    dlq_writer: Callable[[str], DeadLetterWriter]
    """The writer of a dataset (by id), for its dead letters; asked for on first use."""


@dataclass
class IndexRun:
    """What a run applied."""

    dossiers: int = 0
    feedback: int = 0
    skipped: int = 0
    """Records the saved offsets already covered (replayed by the group after a crash)."""
    dead_letters: Counter[str] = field(default_factory=Counter)
    """By rule."""
    batches: int = 0
    caught_up: int = 0
    """Records read directly from the saved offsets, where the group's were ahead."""
    drained: bool = True
    """False when ``drain`` stopped waiting before reaching the end offsets it started with."""

    @property
    def dead_lettered(self) -> int:
        return sum(self.dead_letters.values())

    def summary(self) -> str:
        return (
            f"{self.dossiers} dossiers, {self.feedback} feedback, skipped {self.skipped},"
            f" dead-lettered {self.dead_lettered}, batches {self.batches}"
        )


class IndexWorker:
    """Keeps the index's states up to date from the dossier and feedback topics."""

    def __init__(
        self,
        dossiers: DatasetEntry,
        feedback: DatasetEntry,
        ports: IndexPorts,
        *,
        group: str = INDEX_GROUP,
        batch_size: int = 2000,
        after_states: AfterStates | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self._ports = ports
        self._bus = ports.bus
        self._store = ports.store
        self.entries = {dossiers.topic: dossiers, feedback.topic: feedback}
        self._records = RecordDecoder(ports.decoder, self.entries, dossiers.topic)
        self.group = group
        self._batch_size = batch_size
        self._after_states = after_states
        self._prepared = False
        self._evidence_since: dt.datetime | None = None
        self._next_evidence_look = 0.0

    @property
    def topics(self) -> list[str]:
        return list(self.entries)

    def prepare(self) -> None:
        """Create the input topics and their dead-letter topics."""
        if self._prepared:
            return
        for entry in self.entries.values():
            self._bus.ensure_topic(entry.topic)
            self._bus.ensure_topic(entry.dlq_topic)
        self._prepared = True

    def rebuild(self) -> None:
        """Forget every state and the saved offsets: the next run reads the topics from their
        beginning and recomputes the same states."""
        self._store.clear(self.group)
        log.info("index cleared for a rebuild (group %s)", self.group)

    def drain(self, *, idle_timeout_s: float = 30.0) -> IndexRun:
        """Apply everything up to the end offsets seen at the start, then stop, and refresh the
        tables' statistics if anything was applied. Gives up (``drained=False``) after
        ``idle_timeout_s`` without a record."""
        self.prepare()
        targets = {
            (topic, partition): end
            for topic in self.topics
            for partition, end in self._bus.end_offsets(topic).items()
            if end > 0
        }
        run = IndexRun()
        with WritingAhead[list[Decoded]](_WRITER_THREAD) as ahead:
            self._catch_up(run, lambda records: self._batch_ahead(records, run, ahead))
        done = self._store.saved_offsets(self.group)
        if any(done.get(key, 0) < end for key, end in targets.items()):
            consumer = self._bus.consumer(self.group, self.topics)
            try:
                with WritingAhead[list[Decoded]](_WRITER_THREAD) as ahead:
                    run.drained = drain_to(
                        consumer,
                        targets,
                        done,
                        lambda records: self._batch_ahead(records, run, ahead),
                        max_records=self._batch_size,
                        idle_timeout_s=idle_timeout_s,
                    )
                consumer.commit()  # every batch is in the database: the group may lag, not lead
            finally:
                consumer.close()
        self.refresh_evidence()
        if run.dossiers or run.feedback:
            self._store.analyze()
        return run

    def run(self, stop: threading.Event, *, report_every_s: float = 30.0) -> IndexRun:
        """Apply records as they arrive until ``stop`` is set; the batch in hand is finished
        first. Logs the counts periodically."""
        self.prepare()
        run = IndexRun()
        self._catch_up(run, lambda records: self._batch(records, run, None), stop)
        consumer = self._bus.consumer(self.group, self.topics)
        next_report = time.monotonic() + report_every_s
        try:
            while not stop.is_set():
                records = consumer.poll(timeout_s=0.5, max_records=self._batch_size)
                if records:
                    self._batch(records, run, consumer)
                if time.monotonic() >= self._next_evidence_look:
                    self.refresh_evidence()
                    self._next_evidence_look = time.monotonic() + EVIDENCE_LOOK_EVERY_S
                if time.monotonic() >= next_report:
                    log.info("index worker so far: %s", run.summary())
                    next_report = time.monotonic() + report_every_s
        finally:
            consumer.close()
        return run

    def refresh_evidence(self) -> None:
        """Count the results the provide-once store received since the last look
        (``IndexStore.refresh_in_store``); the first look of a process checks them all."""
        with self._store.engine.begin() as conn:
            self._evidence_since = self._store.refresh_in_store(conn, self._evidence_since)

    def apply(self, records: Sequence[BusRecord]) -> IndexRun:
        """Apply one batch of records (the worker's step, for callers holding records)."""
        run = IndexRun()
        self.prepare()
        self._batch(records, run, None)
        return run

    def _catch_up(
        self,
        run: IndexRun,
        handle: Callable[[list[BusRecord]], None],
        stop: threading.Event | None = None,
    ) -> None:
        """Read directly what the group's committed offsets jumped over (after a rebuild);
        ``handle`` applies each batch read."""
        committed = self._group_committed()
        saved = self._store.saved_offsets(self.group)
        for (topic, partition), until in committed.items():
            position = saved.get((topic, partition), 0)
            while position < until and not (stop is not None and stop.is_set()):
                room = min(self._batch_size, until - position)
                records = self._bus.fetch(topic, partition, position, room)
                records = [r for r in records if r.offset < until]
                if not records:
                    log.warning(
                        "%s:%d offsets %d..%d are gone from the bus (retention?)",
                        topic,
                        partition,
                        position,
                        until,
                    )
                    break
                handle(records)
                run.caught_up += len(records)
                position = records[-1].offset + 1

    def _group_committed(self) -> dict[PartitionKey, int]:
        """The group's committed offsets. Kafka answers COORDINATOR_NOT_AVAILABLE while it
        elects the group's coordinator (a new broker creating its offsets topic): a refusal is
        retried for a while before it is raised."""
        deadline = time.monotonic() + _COORDINATOR_WAIT_S
        while True:
            offsets = self._ports.group_offsets()
            try:
                return {
                    (topic, partition): offset
                    for topic in self.topics
                    for partition, offset in offsets.committed(self.group, topic).items()
                }
            except BusError as exc:
                if isinstance(exc, UnreachableError) or time.monotonic() >= deadline:
                    raise
                log.info("group %s offsets not readable yet (%s); retrying", self.group, exc)
                time.sleep(1.0)
            finally:
                offsets.close()

    def _batch(
        self, records: Sequence[BusRecord], run: IndexRun, consumer: Consumer | None
    ) -> None:
        applied = self._write(self._prepare(records))
        if consumer is not None:
            consumer.commit()  # after the database: the group may lag, never lead
        self._count(run, len(records), applied)

    def _batch_ahead(
        self, records: Sequence[BusRecord], run: IndexRun, ahead: WritingAhead[list[Decoded]]
    ) -> None:
        """``_batch`` with the writing in ``ahead``'s thread; the group is committed later."""
        prepared = self._prepare(records)
        ahead.submit(
            lambda: self._write(prepared),
            lambda applied: self._count(run, len(records), applied),
        )

    def _prepare(self, records: Sequence[BusRecord]) -> _Prepared:
        """The batch's records not covered by the saved offsets, decoded, and what their
        dossiers add to the tallies; their dead letters sent (before the batch commits: never
        lost)."""
        store = self._store
        keys = {(r.topic, r.partition) for r in records}
        with store.engine.connect() as conn:
            saved = store.offsets(conn, self.group, keys)
        fresh = [r for r in records if r.offset >= saved.get((r.topic, r.partition), 0)]
        decoded = [self._records.decode(r) for r in fresh]
        letters = [d.letter for d in decoded if d.letter is not None]
        if letters:
            send_letters(letters, self._ports.dlq_writer)
        latest = {d.dossier.dossier_id: d.dossier for d in decoded if d.dossier is not None}
        return _Prepared(keys, decoded, new_tallies(latest.values()))

    def _write(self, prepared: _Prepared) -> list[Decoded]:
        try:
            return self._commit(prepared)
        except sa.exc.IntegrityError:
            # Another member of the group saved this partition's first offset, or inserted
            # one of the batch's new dossiers, at the same moment (a rebalance handed it
            # over): its row exists now, so retrying skips or replaces what that member wrote.
            keys = sorted(prepared.keys)
            log.info("offsets of %s saved concurrently; applying the batch again", keys)
            return self._commit(prepared)

    def _count(self, run: IndexRun, read: int, applied: list[Decoded]) -> None:
        """Add a written batch of ``read`` records to the run's counts and the metrics."""
        out: Counter[str] = Counter()
        for d in applied:
            if d.letter is not None:
                run.dead_letters[d.letter.violations[0].rule] += 1
                continue
            if d.dossier is not None:
                run.dossiers += 1
            elif d.feedback is not None:
                run.feedback += 1
            out[d.record.topic] += 1
        for topic, count in out.items():
            RECORDS_OUT.labels(dataset=self.entries[topic].id, sink="index").inc(count)
        run.skipped += read - len(applied)
        run.batches += 1
        log.debug("index batch: %d records, %d applied", read, len(applied))

    def _commit(self, prepared: _Prepared) -> list[Decoded]:
        """Write the states and the next offsets in one transaction; the records applied (those
        the saved offsets, read under lock, do not cover yet)."""
        store = self._store
        with store.engine.begin() as conn:
            locked = store.offsets(conn, self.group, prepared.keys, lock=True)
            applied = [
                d
                for d in prepared.decoded
                if d.record.offset >= locked.get((d.record.topic, d.record.partition), 0)
            ]
            every = len(applied) == len(prepared.decoded)  # else the tallies made ahead differ
            store.apply(
                conn,
                [d.dossier for d in applied if d.dossier is not None],
                [d.feedback for d in applied if d.feedback is not None],
                made_ahead=prepared.tallies if every else None,
            )
            if self._after_states is not None:
                self._after_states()  # fault injection (tests): a failure before the offsets
            store.save_offsets(conn, self.group, _next_offsets(d.record for d in applied))
        return applied


@dataclass(frozen=True)
class _Prepared:
    """A batch ready to write: its partitions, its records not covered by the saved offsets
    (decoded), and what their dossiers add to the tallies (``new_tallies``)."""

    keys: set[PartitionKey]
    decoded: list[Decoded]
    tallies: dict[CellKey, Tally]


def _next_offsets(records: Iterable[BusRecord]) -> dict[PartitionKey, int]:
    offsets: dict[PartitionKey, int] = {}
    for r in records:
        key = (r.topic, r.partition)
        offsets[key] = max(offsets.get(key, 0), r.offset + 1)
    return offsets
