"""A materialised publication: typed, described columns and rows in column order.

Rows are tuples, not dicts: a million-row history stays small, and every file writer walks the
same order. Column kinds are the few that CSV, JSON and Parquet all say the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from hub.avro.schema import DatasetSchema
from hub.vietnam_time import VIETNAM_TZ
from opendata.description import Bilingual

ColumnKind = Literal["string", "integer", "number", "boolean", "timestamp", "date"]

_PRIMITIVE_KINDS: dict[str, ColumnKind] = {
    "string": "string",
    "enum": "string",
    "int": "integer",
    "long": "integer",
    "float": "number",
    "double": "number",
    "boolean": "boolean",
}
_LOGICAL_KINDS: dict[str, ColumnKind] = {
    "timestamp-millis": "timestamp",
    "timestamp-micros": "timestamp",
    "date": "date",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind
    description: Bilingual
    nullable: bool = False


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]] = field(repr=False)
    suppressed_groups: int = 0  # aggregations: groups whose figures were left empty

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @cached_property
    def column_values(self) -> list[tuple[Any, ...]]:
        """The rows turned into columns, once: the file writers work column by column."""
        if not self.rows:
            return [() for _ in self.columns]
        return list(zip(*self.rows, strict=True))

    @cached_property
    def times_text(self) -> dict[int, list[str | None]]:
        """Each timestamp column as ISO 8601 text in Vietnam's zone (+07:00), to the second:
        formatted once, for every file that writes times as text."""
        return {
            i: [
                None if v is None else v.astimezone(VIETNAM_TZ).isoformat(timespec="seconds")
                for v in values
            ]
            for i, (column, values) in enumerate(zip(self.columns, self.column_values, strict=True))
            if column.kind == "timestamp"
        }


def schema_column(schema: DatasetSchema, name: str) -> Column:
    """The column of a schema field: its kind from the Avro type, its description from the
    field's bilingual doc ("Vietnamese. | English.")."""
    definition = next(f for f in schema.definition["fields"] if f["name"] == name)
    kind, nullable = _kind_of(definition["type"])
    return Column(name, kind, bilingual_doc(str(definition.get("doc", ""))), nullable)


def bilingual_doc(doc: str) -> Bilingual:
    vi, _, en = doc.partition(" | ")
    return Bilingual(vi.strip(), (en or vi).strip())


def _kind_of(avro_type: Any) -> tuple[ColumnKind, bool]:
    if isinstance(avro_type, list):
        branches = [t for t in avro_type if t != "null"]
        kind, _ = _kind_of(branches[0]) if len(branches) == 1 else ("string", True)
        return kind, "null" in avro_type
    if isinstance(avro_type, dict):
        logical = avro_type.get("logicalType")
        if logical in _LOGICAL_KINDS:
            return _LOGICAL_KINDS[logical], False
        return _PRIMITIVE_KINDS.get(str(avro_type.get("type")), "string"), False
    return _PRIMITIVE_KINDS.get(str(avro_type), "string"), False
