"""Materialising a publication from its topic: check the spec against the schema, read the
records, keep the projection, and hand back a described table.

- snapshot: the latest record of each key, in key order;
- history: every record, partition by partition in offset order;
- aggregation: see ``opendata.aggregate``.

Each publication is a sink the records pass through, so the publications of one dataset share
a single read of its topic.

Personal fields (marked ``"personal": true`` in the schema) never reach a table.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from hub.avro.decoder import RegistryDecoder
from hub.avro.schema import DatasetSchema
from hub.bus.port import EventBus
from hub.bus.reading import read_all
from opendata.aggregate import Aggregator
from opendata.coverage import Coverage
from opendata.spec_check import check_spec
from opendata.specs import PublicationSpec
from opendata.table import Table, schema_column


def published_columns(spec: PublicationSpec, schema: DatasetSchema) -> list[str]:
    if spec.columns:
        return list(spec.columns)
    return [f for f in schema.field_names if f not in schema.personal_fields]


@dataclass(frozen=True)
class Materialised:
    table: Table
    coverage: Coverage


def materialise_together(
    specs: Sequence[PublicationSpec],
    schema: DatasetSchema,
    records: Iterable[dict[str, Any]],
) -> list[Materialised]:
    """Every spec's table and coverage from one pass over the dataset's decoded records (in
    topic order): a topic is read once however many publications it feeds."""
    for spec in specs:
        check_spec(spec, schema)
    sinks = [_sink(spec, schema) for spec in specs]
    coverages = [Coverage(spec.time_field, spec.commune_field) for spec in specs]
    adders = [sink.add for sink in sinks] + [coverage.add for coverage in coverages]
    with _without_cycle_collection():
        for record in records:
            for add in adders:
                add(record)
    return [
        Materialised(sink.table(), coverage)
        for sink, coverage in zip(sinks, coverages, strict=True)
    ]


def materialise(
    spec: PublicationSpec,
    schema: DatasetSchema,
    records: Iterable[dict[str, Any]],
) -> Table:
    """One publication's table from the topic's decoded records (in topic order)."""
    return materialise_together([spec], schema, records)[0].table


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while a million records pile up. Decoded records are
    dicts of plain values and hold no cycles, but every collection of the oldest generation
    walks all of them: measured at 100,000 dossiers, the pass took 30 % longer with it on.
    Reference counting still frees everything as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Sink(Protocol):
    def add(self, record: dict[str, Any]) -> None: ...

    def table(self) -> Table: ...


def _sink(spec: PublicationSpec, schema: DatasetSchema) -> _Sink:
    inner: _Sink
    if spec.aggregation is not None:
        inner = Aggregator(spec.aggregation, schema)
    else:
        inner = _Rows(schema, published_columns(spec, schema))
    latest = spec.kind == "snapshot" or (spec.aggregation and spec.aggregation.over == "latest")
    return _Latest(schema.key_field, inner) if latest else inner


class _Rows:
    """The published columns of every record, in the order they come."""

    def __init__(self, schema: DatasetSchema, names: list[str]) -> None:
        self._columns = tuple(schema_column(schema, n) for n in names)
        self._names = names
        self._rows: list[tuple[Any, ...]] = []

    def add(self, record: dict[str, Any]) -> None:
        self._rows.append(tuple(map(record.get, self._names)))

    def table(self) -> Table:
        return Table(self._columns, self._rows)


class _Latest:
    """Keeps the last record of each key and hands them on in key order. Without a key field,
    every record is its own key, so none is lost."""

    def __init__(self, key_field: str | None, then: _Sink) -> None:
        self._key_field = key_field
        self._then = then
        self._latest: dict[Any, dict[str, Any]] = {}

    def add(self, record: dict[str, Any]) -> None:
        key = len(self._latest) if self._key_field is None else record[self._key_field]
        self._latest[key] = record

    def table(self) -> Table:
        latest = self._latest
        for key in sorted(latest, key=str) if self._key_field else latest:
            self._then.add(latest[key])
        return self._then.table()


def topic_records(
    bus: EventBus, decoder: RegistryDecoder, topic: str, until: dict[int, int] | None = None
) -> Iterator[dict[str, Any]]:
    """Every record of the topic up to the end offsets ``until`` (by default, as it stands
    now), decoded with its writer's schema."""
    for record in read_all(bus, topic, until=until):
        yield decoder.decode(record.value)
