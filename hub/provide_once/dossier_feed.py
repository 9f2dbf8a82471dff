"""The dossier feed: a finished dossier whose procedure issues a result becomes evidence for its
applicant in the provide-once store.

It reads the dossier topic (``tthc.dossiers``) in the consumer group ``kho.evidence-feed``. For
each batch: every record is decoded with its writer's schema and, when the dossier is finished
and its procedure (``hub/defaults/catalogue/procedures.yaml``) has a ``result``, recorded as
evidence issued by that result's issuer, under the id ``hs:<dossier_id>``. Each evidence
commits in its own transaction, with its audit entry and its update event in the outbox.

A record that cannot be decoded, or that the store refuses, becomes a dead letter on the
evidence dataset's ``<topic>.dlq`` (source ``evidence-feed``) with the reason and the original
bytes. Dossiers not finished, or whose procedure issues nothing or is not in the catalogue, are
skipped and counted.

The group's offsets are committed only after the batch's evidence and dead letters are stored:
at least once. A replayed dossier changes nothing (the same content is ``unchanged``). After
each batch the outbox is drained, so the update events reach the evidence topic; when the bus
fails they stay pending for the next drain.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa
from pydantic import ValidationError

from hub.audit.entry import Actor
from hub.avro.decoder import RegistryDecoder
from hub.avro.errors import SerializationError
from hub.avro.json_codec import record_to_json
from hub.bus.draining import drain_to
from hub.bus.errors import BusError
from hub.bus.port import BusRecord, Consumer, EventBus
from hub.bus.relay import GroupOffsetsFactory
from hub.catalogue.models import DatasetEntry
from hub.errors import UnreachableError
from hub.ingest.dead_letter import DeadLetter
from hub.ingest.validation import Violation
from hub.ingest.writer import DatasetWriter
from hub.logs import letter_context
from hub.metrics import RECORDS_OUT
from hub.provide_once.dossier_evidence import DossierFields, evidence_of
from hub.provide_once.errors import ProvideOnceError
from hub.provide_once.evidence import EvidenceInput, Outcome, RecordOutcome
from hub.provide_once.procedures import ProcedureCatalogue
from hub.registry.port import RegistryError

log = logging.getLogger(__name__)

DOSSIER_DATASET = "tthc.dossiers"
FEED_GROUP = "kho.evidence-feed"
FEED_ACTOR = "system:evidence-feed"
FEED_SOURCE = "evidence-feed"
"""The ``source.kind`` of the feed's dead letters."""

UNDECODABLE_RULE = "evidence_feed_undecodable"
NOT_A_DOSSIER_RULE = "evidence_feed_not_a_dossier"
NO_FINISH_TIME_RULE = "evidence_feed_no_finish_time"
INVALID_EVIDENCE_RULE = "evidence_feed_invalid"

FINISHED = "finished"

# Why a dossier gave no evidence, with the words the command line prints.
NOT_FINISHED = "not_finished"
NO_RESULT = "no_result"
UNKNOWN_PROCEDURE = "unknown_procedure"
SKIP_REASONS = {
    NOT_FINISHED: "chưa trả kết quả",
    NO_RESULT: "thủ tục không cấp giấy tờ",
    UNKNOWN_PROCEDURE: "thủ tục không có trong danh mục",
}

# The dossier field behind each evidence field a refusal may name.
_DOSSIER_FIELD = {
    "evidence_id": "dossier_id",
    "subject_id": "applicant_id_number",
    "issued_on": "finished_at",
    "source_ref": "dossier_id",
}


@dataclass
class FeedCounts:
    """What the feed did with the records of one batch, or of a whole run."""

    records: int = 0
    created: int = 0
    corrected: int = 0
    unchanged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    dead_letters: int = 0
    events_sent: int = 0

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def count(self, outcome: Outcome) -> None:
        if outcome is Outcome.CREATED:
            self.created += 1
        elif outcome is Outcome.CORRECTED:
            self.corrected += 1
        else:
            self.unchanged += 1

    def add(self, other: FeedCounts) -> None:
        self.records += other.records
        self.created += other.created
        self.corrected += other.corrected
        self.unchanged += other.unchanged
        self.skipped.update(other.skipped)
        self.dead_letters += other.dead_letters
        self.events_sent += other.events_sent

    def summary(self) -> str:
        return (
            f"{self.records} records: created {self.created}, corrected {self.corrected},"
            f" unchanged {self.unchanged}, skipped {self.skipped_total},"
            f" dead-lettered {self.dead_letters}, events sent {self.events_sent}"
        )


@dataclass
class FeedRun(FeedCounts):
    batches: int = 0
    events_pending: int = 0
    """Update events still in the outbox after the last drain (the bus failed, or another
    process holds them)."""
    outbox_error: str | None = None
    """Why the last outbox drain failed, if it did."""
    drained: bool = True
    """False when ``drain`` stopped waiting before reaching the end offsets it started with."""


class EvidenceStore(Protocol):
    """Where evidence is recorded (``ProvideOnce``): each in its own transaction, audited, with
    its update event in the outbox."""

    def record(self, item: EvidenceInput, *, actor: Actor) -> RecordOutcome: ...


class UpdateOutbox(Protocol):
    """The evidence update events waiting to be sent (``EvidenceOutbox``)."""

    def drain(self) -> int:
        """Send what is pending; how many went out."""
        ...

    def pending(self) -> int: ...


@dataclass(frozen=True)
class FeedPorts:
    """What the feed works with; the shell builds them (``Hub.dossier_feed``)."""

    bus: EventBus
    group_offsets: GroupOffsetsFactory
    decoder: RegistryDecoder
    procedures: ProcedureCatalogue
    store: EvidenceStore
    outbox: UpdateOutbox
    evidence_writer: Callable[[], DatasetWriter]
    """The evidence dataset's writer, for its dead letters; asked for on first use."""


class DossierFeed:
    """Turns finished dossiers into evidence. Several feeds may share the group: Kafka splits
    the partitions between them."""

    def __init__(
        self,
        entry: DatasetEntry,
        ports: FeedPorts,
        *,
        group: str = FEED_GROUP,
        batch_size: int = 500,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self._ports = ports
        self._bus = ports.bus
        self.entry = entry
        self.group = group
        self._batch_size = batch_size
        self._evidence: DatasetWriter | None = None

    @property
    def topic(self) -> str:
        return self.entry.topic

    def prepare(self) -> None:
        """Create the dossier topic and the evidence dead-letter topic; register the evidence
        schema (the outbox's writer)."""
        if self._evidence is not None:
            return
        bus = self._bus
        bus.ensure_topic(self.topic)
        writer = self._ports.evidence_writer()
        bus.ensure_topic(writer.entry.dlq_topic)
        self._evidence = writer

    def drain(self, *, idle_timeout_s: float = 30.0) -> FeedRun:
        """Feed everything up to the end offsets seen at the start, then stop. Gives up
        (``drained=False``) after ``idle_timeout_s`` without a record."""
        self.prepare()
        bus = self._bus
        topic = self.topic
        targets = {(topic, p): end for p, end in bus.end_offsets(topic).items() if end > 0}
        offsets = self._ports.group_offsets()
        try:
            done = {(topic, p): o for p, o in offsets.committed(self.group, topic).items()}
        finally:
            offsets.close()
        run = FeedRun()
        run.events_sent += self._send_events(run)
        if all(done.get(key, 0) >= end for key, end in targets.items()):
            return run
        consumer = bus.consumer(self.group, [topic])
        try:
            run.drained = drain_to(
                consumer,
                targets,
                done,
                lambda records: self._process(consumer, records, run),
                max_records=self._batch_size,
                idle_timeout_s=idle_timeout_s,
            )
        finally:
            consumer.close()
        return run

    def run(self, stop: threading.Event, *, report_every_s: float = 30.0) -> FeedRun:
        """Feed dossiers as they arrive until ``stop`` is set; log the counts periodically and
        retry update events left pending."""
        self.prepare()
        run = FeedRun()
        run.events_sent += self._send_events(run)
        consumer = self._bus.consumer(self.group, [self.topic])
        next_report = time.monotonic() + report_every_s
        try:
            while not stop.is_set():
                records = consumer.poll(timeout_s=1.0, max_records=self._batch_size)
                if records:
                    self._process(consumer, records, run)
                if time.monotonic() >= next_report:
                    if run.events_pending or run.outbox_error:
                        run.events_sent += self._send_events(run)
                    log.info("evidence feed so far: %s", run.summary())
                    next_report = time.monotonic() + report_every_s
        finally:
            consumer.close()
        return run

    def process(self, records: list[BusRecord]) -> tuple[FeedCounts, list[DeadLetter]]:
        """Record the evidence of these records; the dead letters for the others (not sent)."""
        counts = FeedCounts(records=len(records))
        letters: list[DeadLetter] = []
        for record in records:
            letter = self._one(record, counts)
            if letter is not None:
                letters.append(letter)
        counts.dead_letters = len(letters)
        return counts, letters

    def _process(self, consumer: Consumer, records: list[BusRecord], run: FeedRun) -> None:
        counts, letters = self.process(records)
        if letters:
            for letter in letters:
                with letter_context(letter.dataset, letter.source):
                    log.warning("%s dead-lettered: %s", _where(letter.source), letter.reason)
            self._writer().send_to_dlq(letters)
        consumer.commit()  # the batch's evidence and dead letters are stored: at least once
        RECORDS_OUT.labels(dataset=self.entry.id, sink="evidence").inc(
            counts.records - counts.dead_letters
        )
        counts.events_sent = self._send_events(run)
        run.add(counts)
        run.batches += 1
        log.info("evidence feed batch: %s", counts.summary())

    def _send_events(self, run: FeedRun) -> int:
        """Drain the outbox; how many events went out. A bus or registry failure leaves them
        pending (noted on ``run``) for the next drain."""
        outbox = self._ports.outbox
        sent = 0
        try:
            sent = outbox.drain()
            run.outbox_error = None
        except (BusError, UnreachableError, RegistryError) as exc:
            run.outbox_error = str(exc)
            log.warning("update events left in the outbox: %s", exc)
        run.events_pending = outbox.pending()
        return sent

    def _one(self, record: BusRecord, counts: FeedCounts) -> DeadLetter | None:
        try:
            datum = self._ports.decoder.decode(record.value)
        except (SerializationError, RegistryError) as exc:
            if isinstance(exc, UnreachableError):
                raise  # the registry is down: not the message's fault, do not dead-letter
            return self._letter(record, UNDECODABLE_RULE, f"Không giải mã được bản ghi: {exc}")
        try:
            dossier = DossierFields.of(datum)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            return self._letter(
                record,
                NOT_A_DOSSIER_RULE,
                f"Bản ghi không phải hồ sơ TTHC (thiếu hoặc sai trường {exc})",
                datum,
            )
        if dossier.status != FINISHED:
            counts.skipped[NOT_FINISHED] += 1
            return None
        procedures = self._ports.procedures
        procedure = procedures.procedure(dossier.procedure_code)
        if procedure is None:
            counts.skipped[UNKNOWN_PROCEDURE] += 1
            return None
        kind = procedures.evidence_type(procedure.result) if procedure.result else None
        if kind is None:
            counts.skipped[NO_RESULT] += 1
            return None
        if dossier.finished_at is None:
            return self._letter(
                record,
                NO_FINISH_TIME_RULE,
                "Hồ sơ đã trả kết quả nhưng không có thời điểm trả kết quả (finished_at)",
                datum,
                path="$.finished_at",
            )
        try:
            item = evidence_of(dossier, kind)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
                for error in exc.errors()
            )
            return self._letter(
                record, INVALID_EVIDENCE_RULE, f"Không tạo được giấy tờ: {problems}", datum
            )
        try:
            recorded = self._record(item, Actor(FEED_ACTOR, agency=kind.issuer))
        except ProvideOnceError as refusal:
            where = _DOSSIER_FIELD.get(str(refusal.details.get("field")))
            return self._letter(
                record,
                refusal.code,
                f"Kho từ chối ghi giấy tờ: {refusal}",
                datum,
                path=f"$.{where}" if where else "$",
            )
        counts.count(recorded.outcome)
        return None

    def _record(self, item: EvidenceInput, actor: Actor) -> RecordOutcome:
        store = self._ports.store
        try:
            return store.record(item, actor=actor)
        except sa.exc.IntegrityError:
            # Another feed stored the same evidence at the same moment (a rebalance gave it the
            # partition before this one committed): it is there now, so this is a replay.
            log.info("%s stored concurrently; recording it again", item.evidence_id)
            return store.record(item, actor=actor)

    def _letter(
        self,
        record: BusRecord,
        rule: str,
        message: str,
        datum: dict[str, Any] | None = None,
        *,
        path: str = "$",
    ) -> DeadLetter:
        return DeadLetter(
            dataset=self._writer().entry.id,
            source={
                "kind": FEED_SOURCE,
                "name": f"{record.topic}:{record.partition}",
                "position": record.offset,
            },
            violations=(Violation(path, rule, message),),
            original=record.value,
            record=record_to_json(datum) if datum is not None else None,
        )

    def _writer(self) -> DatasetWriter:
        self.prepare()
        assert self._evidence is not None  # noqa: S101 (prepare sets it)
        return self._evidence


def _where(source: dict[str, Any]) -> str:
    return f"{source.get('name')}@{source.get('position')}"
