"""Materialising a publication from its topic: check the spec against the schema, read the
records, keep the projection, and hand back a described table.

- snapshot: the latest record of each key, in key order;
- history: every record, partition by partition in offset order;
- aggregation: see ``opendata.aggregate``.

Personal fields (marked ``"personal": true`` in the schema) never reach a table.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hub.avro.decoder import RegistryDecoder
from hub.avro.schema import DatasetSchema
from hub.bus.port import EventBus
from hub.bus.reading import read_all
from opendata.aggregate import aggregate
from opendata.errors import PublishBlocked
from opendata.specs import PublicationSpec
from opendata.table import Table, schema_column


def check_spec(spec: PublicationSpec, schema: DatasetSchema) -> None:
    """Refuse a spec that names a field the schema lacks, or publishes a personal one."""
    known = set(schema.field_names)
    for name in spec.fields:
        if name not in known:
            raise PublishBlocked(
                f"trường {name!r} không có trong lược đồ {schema.path.name}"
                f" (các trường: {', '.join(schema.field_names)})"
            )
        if name in schema.personal_fields:
            raise PublishBlocked(
                f"trường {name!r} là dữ liệu cá nhân theo lược đồ {schema.path.name};"
                " không được công bố hay dùng để gộp nhóm"
            )


def published_columns(spec: PublicationSpec, schema: DatasetSchema) -> list[str]:
    if spec.columns:
        return list(spec.columns)
    return [f for f in schema.field_names if f not in schema.personal_fields]


def materialise(
    spec: PublicationSpec,
    schema: DatasetSchema,
    records: Iterator[dict[str, Any]],
) -> Table:
    """The publication's table from the topic's decoded records (in topic order)."""
    check_spec(spec, schema)
    latest = spec.kind == "snapshot" or (spec.aggregation and spec.aggregation.over == "latest")
    if latest:
        records = iter(_latest_by_key(records, schema.key_field).values())
    if spec.aggregation is not None:
        return aggregate(spec.aggregation, schema, records)
    names = published_columns(spec, schema)
    columns = tuple(schema_column(schema, n) for n in names)
    rows = [tuple(record.get(n) for n in names) for record in records]
    return Table(columns, rows)


def topic_records(bus: EventBus, decoder: RegistryDecoder, topic: str) -> Iterator[dict[str, Any]]:
    """Every record of the topic as it stands now, decoded with its writer's schema."""
    for record in read_all(bus, topic):
        yield decoder.decode(record.value)


def _latest_by_key(
    records: Iterator[dict[str, Any]], key_field: str | None
) -> dict[Any, dict[str, Any]]:
    """The last record of each key value, in key order. Without a key field, every record is
    its own key, so none is lost."""
    if key_field is None:
        return dict(enumerate(records))
    latest = {record[key_field]: record for record in records}
    return {key: latest[key] for key in sorted(latest, key=str)}
