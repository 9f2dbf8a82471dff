"""Publishing a dataset's records: validate, encode in the Confluent wire format, publish keyed
by the record key; records that break a rule go to ``<topic>.dlq`` with their reasons."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from hub.avro.json_codec import JsonRecordReader, record_to_json
from hub.avro.schema import DatasetSchema
from hub.avro.wire import encode
from hub.bus.port import EventBus, Headers, OutgoingMessage, Position, Sending
from hub.bus.span import PositionSpan
from hub.catalogue.loader import LoadedCatalogue
from hub.catalogue.models import DatasetEntry
from hub.ingest.dead_letter import DeadLetter
from hub.ingest.validation import RecordValidator, Violation
from hub.metrics import RECORDS_IN, count_dead_letters
from hub.registry.port import SchemaRegistry, subject_for_topic

MAX_RECORD_BYTES = 1_000_000
"""The largest encoded record a topic takes: under Kafka's default ``message.max.bytes`` and the
producer's ``max_request_size`` (1 MiB), with room for the key, headers and batch framing. A
larger record is refused by the rule ``record_too_large`` (the broker would refuse it anyway)."""


# Not frozen: one is made for every record, and a frozen dataclass's __init__ costs 4x.
@dataclass(slots=True)
class SourceRef:
    """Where a record came from, e.g. kind='csv', name='export.csv', position=17 (row); a SQL
    or REST source's position is its cursor, a JSON value."""

    kind: str
    name: str
    position: Any

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "position": self.position}


# Not frozen: one is made for every record, and a frozen dataclass's __init__ costs 4x.
@dataclass(slots=True)
class IncomingRecord:
    """A record as a source produced it: mapped fields, or the reasons mapping failed."""

    source: SourceRef
    original: bytes
    record: dict[str, Any] | None
    problems: tuple[Violation, ...] = ()
    headers: Headers = ()
    """Carried onto the topic or the DLQ with the message (a connector's source position)."""


@dataclass(frozen=True, slots=True)
class Flushed:
    """A batch the bus acknowledged: its last incoming record and where its messages landed."""

    last: IncomingRecord
    accepted: list[Position]
    rejected: list[Position]


OnFlushed = Callable[[Flushed], None]


@dataclass
class IngestReport:
    """What a write did. It keeps no record: a run over millions of rows keeps where they
    landed as a span, and one dead letter per rule as its example."""

    dataset: str
    topic: str
    accepted: int = 0
    rejected: int = 0
    rejected_by_rule: Counter[str] = field(default_factory=Counter)
    examples: dict[str, DeadLetter] = field(default_factory=dict)
    """The first dead letter of each rule."""
    written: PositionSpan = field(default_factory=PositionSpan)

    def audit_details(self, source: str) -> dict[str, Any]:
        """The details of the audit entry for a connector run over the file ``source``."""
        return {
            "source": "csv",
            "file": source,
            **write_details(self.written, self.rejected),
            "rejected_by_rule": dict(self.rejected_by_rule),
        }


def write_details(span: PositionSpan, dead_letters: int) -> dict[str, Any]:
    """An audit entry's account of a write: how many records and dead letters, and where the
    records landed (``PositionSpan.details``)."""
    return {"count": span.count, "dead_letters": dead_letters, **span.details()}


class DatasetWriter:
    """Writes records of one catalogue dataset onto its topic."""

    def __init__(
        self,
        bus: EventBus,
        registry: SchemaRegistry,
        catalogue: LoadedCatalogue,
        dataset_id: str,
        *,
        batch_size: int = 1000,
    ) -> None:
        self._bus = bus
        self._entry = catalogue.entry(dataset_id)
        self._schema = catalogue.schema(dataset_id)
        self._key_field = self._schema.key_field  # read for every record
        self._validator = RecordValidator(self._entry, self._schema)
        self._batch_size = batch_size
        self._schema_id = registry.register(subject_for_topic(self._entry.topic), self._schema.text)

    @property
    def schema_id(self) -> int:
        return self._schema_id

    @property
    def batch_size(self) -> int:
        """Records per batch published (the settings' ``publish_batch_size``)."""
        return self._batch_size

    def through(self, bus: EventBus) -> DatasetWriter:
        """This writer publishing through another bus (one idempotent batch's view of the
        hub's bus, ``hub.ingest.batch_delivery``); schema, validator and reader shared."""
        other = copy.copy(self)
        other._bus = bus
        return other

    @property
    def entry(self) -> DatasetEntry:
        return self._entry

    @property
    def schema(self) -> DatasetSchema:
        return self._schema

    @cached_property
    def json_reader(self) -> JsonRecordReader:
        """Turns a producer's JSON record into this dataset's Avro datum."""
        return JsonRecordReader(self._schema.parsed)

    def violations(self, record: dict[str, Any]) -> list[Violation]:
        """Every rule the record breaks: Avro types, then the dataset's contract."""
        return self._validator.violations(record)

    def message(self, record: dict[str, Any], headers: Headers = ()) -> OutgoingMessage:
        """The record encoded for the topic, keyed by its key field; the record must be valid."""
        key_field = self._key_field
        key = str(record[key_field]).encode("utf-8") if key_field else None
        value = encode(self._schema_id, self._schema.parsed, record)
        return OutgoingMessage(key=key, value=value, headers=headers)

    def too_large(self, message: OutgoingMessage) -> Violation | None:
        """``record_too_large`` when the encoded record would not fit in one Kafka message."""
        size = len(message.value)
        if size <= MAX_RECORD_BYTES:
            return None
        return Violation(
            "$",
            "record_too_large",
            f"Bản ghi mã hoá dài {size:,} byte, vượt giới hạn {MAX_RECORD_BYTES:,} byte của một"
            " thông điệp; hãy tách hoặc rút gọn trường dài nhất".replace(",", "."),
        )

    def publish(self, messages: list[OutgoingMessage]) -> list[Position]:
        positions = self._bus.publish(self._entry.topic, messages)
        RECORDS_IN.labels(dataset=self._entry.id, outcome="accepted").inc(len(positions))
        return positions

    def dead_letter(self, item: IncomingRecord, problems: Iterable[Violation]) -> DeadLetter:
        return DeadLetter(
            dataset=self._entry.id,
            source=item.source.as_dict(),
            violations=tuple(problems),
            original=item.original,
            record=record_to_json(item.record) if item.record is not None else None,
        )

    def send_to_dlq(self, letters: list[DeadLetter]) -> list[Position]:
        positions = self._bus.publish(
            self._entry.dlq_topic,
            [OutgoingMessage(key=None, value=letter.to_bytes()) for letter in letters],
        )
        _count_letters(letters)
        return positions

    def write(
        self, incoming: Iterable[IncomingRecord], *, on_flushed: OnFlushed | None = None
    ) -> IngestReport:
        """Publish the valid records and dead-letter the others, in batches; ``on_flushed``
        hears of each batch, in order, once the bus acknowledged all of it.

        A batch is sent, then the next one is built while it travels, and only then are its
        acknowledgements awaited: the bus's round trip is hidden behind the mapping work. When
        the source fails, the batch travelling is settled before the error goes up."""
        report = IngestReport(dataset=self._entry.id, topic=self._entry.topic)
        batch = _Batch()
        travelling: _Sent | None = None
        items = iter(incoming)
        while True:
            try:
                item = next(items)
            except StopIteration:
                break
            except Exception:
                if travelling is not None:
                    self._settle(travelling, report, on_flushed)
                raise
            problems: Sequence[Violation] = item.problems
            if item.record is not None and not problems:
                problems = self._validator.violations(item.record)
            if problems or item.record is None:
                batch.bad.append(self.dead_letter(item, problems))
                batch.bad_headers.append(item.headers)
            else:
                message = self.message(item.record, item.headers)
                oversized = self.too_large(message)
                if oversized is None:
                    batch.good.append(message)
                else:
                    batch.bad.append(self.dead_letter(item, (oversized,)))
                    batch.bad_headers.append(item.headers)
            batch.last = item
            if len(batch.good) + len(batch.bad) >= self._batch_size:
                sent = self._send(batch)
                if travelling is not None:
                    self._settle(travelling, report, on_flushed)
                travelling, batch = sent, _Batch()
        last = self._send(batch) if batch.last is not None else None
        for pending in (travelling, last):
            if pending is not None:
                self._settle(pending, report, on_flushed)
        return report

    def _send(self, batch: _Batch) -> _Sent:
        return _Sent(
            batch,
            self._bus.send(self._entry.topic, batch.good),
            self._bus.send(
                self._entry.dlq_topic,
                [
                    OutgoingMessage(key=None, value=letter.to_bytes(), headers=headers)
                    for letter, headers in zip(batch.bad, batch.bad_headers, strict=True)
                ],
            ),
        )

    def _settle(self, sent: _Sent, report: IngestReport, on_flushed: OnFlushed | None) -> None:
        accepted = sent.topic.acknowledged()
        rejected = sent.dlq.acknowledged()
        batch = sent.batch
        count_settled(report, accepted, len(batch.good), batch.bad)
        if on_flushed is not None and batch.last is not None:
            on_flushed(Flushed(batch.last, accepted, rejected))


def count_settled(
    report: IngestReport, accepted: list[Position], good: int, letters: Sequence[DeadLetter]
) -> None:
    """A batch the bus acknowledged, in the report and the metrics: ``good`` records at
    ``accepted``, and ``letters`` dead-lettered (by rule, with an example of each rule)."""
    report.written.add(accepted)
    report.accepted += good
    report.rejected += len(letters)
    RECORDS_IN.labels(dataset=report.dataset, outcome="accepted").inc(good)
    RECORDS_IN.labels(dataset=report.dataset, outcome="rejected").inc(len(letters))
    _count_letters(letters)
    for letter in letters:
        rules = {v.rule for v in letter.violations}
        report.rejected_by_rule.update(rules)
        for rule in rules:
            report.examples.setdefault(rule, letter)


def _count_letters(letters: Sequence[DeadLetter]) -> None:
    """``kho_dead_letters_total``: each letter by its dataset, source kind and first rule."""
    for letter in letters:
        rule = letter.violations[0].rule if letter.violations else "unknown"
        count_dead_letters(letter.dataset, str(letter.source.get("kind", "unknown")), [rule])


@dataclass
class _Batch:
    good: list[OutgoingMessage] = field(default_factory=list)
    bad: list[DeadLetter] = field(default_factory=list)
    bad_headers: list[Headers] = field(default_factory=list)
    last: IncomingRecord | None = None


@dataclass(frozen=True, slots=True)
class _Sent:
    """A batch handed to the bus: its records and dead letters, travelling."""

    batch: _Batch
    topic: Sending
    dlq: Sending
