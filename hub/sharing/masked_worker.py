"""The masking worker: each maskable dataset's topic becomes ``<topic>.masked``, exactly once.

It reads the input topics in the consumer group ``kho.masker`` through an exactly-once relay
(``hub.bus.relay``). For each polled batch, the masked messages, the dead letters and the input
offsets are committed together: one Kafka transaction, or one SQLite transaction on the embedded
bus. A crash anywhere leaves either the whole batch or none of it, and a restarted worker goes on
after the last committed batch, so no record is lost or masked twice.

Every input message gives exactly one output. A message that cannot be decoded or masked
becomes a dead letter (``<topic>.dlq``, source ``masker``) committed in the same batch, so it
neither vanishes nor blocks its partition.

The masked topic has as many partitions as the input, and each masked record goes to its
input's partition number, so per-key order is kept.

A bus that stops answering (a broker restarted or gone) never holds ``run`` for longer than
the relay's bounded wait (``KHO_KAFKA_TRANSACTION_WAIT_S``): the batch is abandoned, and the
worker polls again every second until the bus is back, then goes on from the committed offsets.

On Kafka the transactional id is ``kho.masker.<instance>``. The instance defaults to ``all``, or
to the selected dataset ids: a restarted worker with the same selection fences the old one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from hub.avro.decoder import RegistryDecoder
from hub.bus.draining import drain_to
from hub.bus.errors import BusUnavailable
from hub.bus.port import BusRecord, EventBus
from hub.bus.relay import (
    AfterWrite,
    ExactlyOnceRelay,
    GroupOffsets,
    GroupOffsetsFactory,
    RelayFactory,
    RelayRebalanced,
)
from hub.catalogue.loader import LoadedCatalogue
from hub.catalogue.models import DatasetEntry
from hub.errors import ConfigurationError
from hub.logs import record_context
from hub.metrics import RECORDS_OUT, count_dead_letters
from hub.registry.port import SchemaRegistry
from hub.sharing.mask_lag import masking_lag
from hub.sharing.masked_records import MASKER_GROUP, DatasetMasker, maskable_datasets
from hub.sharing.masking import Projector
from hub.sharing.pseudonym import Pseudonymiser

log = logging.getLogger(__name__)
UNAVAILABLE_BACKOFF_S = 1.0
"""How long ``run`` waits after the bus did not answer before it polls again."""


@dataclass
class MaskingCounts:
    """What one run committed for one dataset."""

    masked: int = 0
    dead_letters: int = 0


@dataclass
class MaskingRun:
    counts: dict[str, MaskingCounts] = field(default_factory=dict)
    drained: bool = True
    """False when ``drain`` stopped waiting before reaching the end offsets it started with."""

    @property
    def masked(self) -> int:
        return sum(c.masked for c in self.counts.values())

    @property
    def dead_letters(self) -> int:
        return sum(c.dead_letters for c in self.counts.values())


@dataclass(frozen=True)
class MaskingPorts:
    """What the masking worker works with: the bus and relays on it, the schema registry and a
    decoder over it, and the pseudonymiser's key. The shell builds them
    (``Hub.masking_worker``)."""

    bus: EventBus
    relays: RelayFactory
    group_offsets: GroupOffsetsFactory
    registry: SchemaRegistry
    decoder: RegistryDecoder
    pseudonymiser: Pseudonymiser


class MaskingWorker:
    """Masks the selected datasets (default: every dataset with personal fields that is not
    restricted) from their topics onto ``<topic>.masked``."""

    def __init__(
        self,
        catalogue: LoadedCatalogue,
        ports: MaskingPorts,
        dataset_ids: Sequence[str] | None = None,
        *,
        batch_size: int = 500,
        instance: str | None = None,
        after_write: AfterWrite | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self._catalogue = catalogue
        self._ports = ports
        self._bus = ports.bus
        self.entries: list[DatasetEntry] = maskable_datasets(
            catalogue, list(dataset_ids) if dataset_ids else None
        )
        chosen = "all" if not dataset_ids else "+".join(sorted(e.id for e in self.entries))
        self.transactional_id = f"{MASKER_GROUP}.{instance or chosen}"
        self._batch_size = batch_size
        self._after_write = after_write
        self._maskers: dict[str, DatasetMasker] = {}

    @property
    def topics(self) -> list[str]:
        return [e.topic for e in self.entries]

    def prepare(self) -> None:
        """Create the topics (a masked topic with its input's partition count) and register the
        masked schemas."""
        if self._maskers:
            return
        bus, ports = self._bus, self._ports
        for entry in self.entries:
            bus.ensure_topic(entry.topic)  # as the dataset's writer would
            partitions = bus.partition_count(entry.topic)
            bus.ensure_topic(entry.masked_topic, partitions)
            found = bus.partition_count(entry.masked_topic)
            if found != partitions:
                raise ConfigurationError(
                    f"Topic {entry.masked_topic} có {found} phân vùng, còn {entry.topic} có"
                    f" {partitions}: bản che phải có cùng số phân vùng với dữ liệu gốc"
                )
            projector = Projector(entry, self._catalogue.schema(entry.id), ports.pseudonymiser)
            self._maskers[entry.topic] = DatasetMasker(
                entry, projector, ports.decoder, ports.registry, ports.pseudonymiser
            )

    def drain(self, *, idle_timeout_s: float = 30.0) -> MaskingRun:
        """Mask everything up to the input end offsets seen at the start, then stop. Gives up
        (``drained=False``) after ``idle_timeout_s`` without a record."""
        self.prepare()
        targets = {
            (topic, partition): end
            for topic in self.topics
            for partition, end in self._bus.end_offsets(topic).items()
            if end > 0
        }
        offsets = self._group_offsets()
        try:
            done = {
                (topic, partition): offset
                for topic in self.topics
                for partition, offset in offsets.committed(MASKER_GROUP, topic).items()
            }
        finally:
            offsets.close()
        run = self._new_run()
        relay = self._relay()
        try:
            run.drained = drain_to(
                relay,
                targets,
                done,
                lambda records: self._process(relay, records, run),
                max_records=self._batch_size,
                idle_timeout_s=idle_timeout_s,
            )
        finally:
            relay.close()
        return run

    def run(self, stop: threading.Event, *, report_every_s: float = 30.0) -> MaskingRun:
        """Mask as records arrive until ``stop`` is set; log counts and lag periodically."""
        self.prepare()
        run = self._new_run()
        relay = self._relay()
        offsets = self._group_offsets()
        next_report = time.monotonic() + report_every_s
        try:
            while not stop.is_set():
                try:
                    records = relay.poll(timeout_s=1.0, max_records=self._batch_size)
                    if records:
                        self._process(relay, records, run)
                    if time.monotonic() >= next_report:
                        next_report = time.monotonic() + report_every_s
                        self._report(run, offsets)
                except RelayRebalanced as exc:
                    log.info("batch abandoned: %s", exc)  # read again, exactly once
                except BusUnavailable as exc:  # each step waited its bounded time for it
                    log.warning("bus unreachable; batch abandoned, retrying: %s", exc)
                    stop.wait(UNAVAILABLE_BACKOFF_S)
        finally:
            relay.close()
            offsets.close()
        return run

    def _process(self, relay: ExactlyOnceRelay, records: list[BusRecord], run: MaskingRun) -> None:
        outcomes = [self._maskers[r.topic].mask(r) for r in records]
        for record, outcome in zip(records, outcomes, strict=True):
            if outcome.letter is not None:
                entry = self._maskers[record.topic].entry
                self._bus.ensure_topic(entry.dlq_topic)
                with record_context(record.topic, record.partition, record.offset):
                    log.warning(
                        "%s:%d@%d dead-lettered: %s",
                        record.topic,
                        record.partition,
                        record.offset,
                        outcome.letter.reason,
                        extra={"dataset": entry.id},
                    )
        relay.commit([o.message for o in outcomes])
        for record, outcome in zip(records, outcomes, strict=True):
            dataset = self._maskers[record.topic].entry.id
            counts = run.counts[dataset]
            if outcome.letter is None:
                counts.masked += 1
                RECORDS_OUT.labels(dataset=dataset, sink="masked").inc()
            else:
                counts.dead_letters += 1
                rule = outcome.letter.violations[0].rule
                count_dead_letters(dataset, str(outcome.letter.source["kind"]), [rule])

    def _report(self, run: MaskingRun, offsets: GroupOffsets) -> None:
        for dataset in masking_lag(self._bus, offsets, self.entries):
            counts = run.counts[dataset.dataset]
            log.info(
                "%s -> %s: masked %d, dead letters %d, lag %d",
                dataset.topic,
                dataset.masked_topic,
                counts.masked,
                counts.dead_letters,
                dataset.lag,
            )

    def _new_run(self) -> MaskingRun:
        return MaskingRun(counts={e.id: MaskingCounts() for e in self.entries})

    def _relay(self) -> ExactlyOnceRelay:
        return self._ports.relays(
            group=MASKER_GROUP,
            topics=self.topics,
            transactional_id=self.transactional_id,
            after_write=self._after_write,
        )

    def _group_offsets(self) -> GroupOffsets:
        return self._ports.group_offsets()
