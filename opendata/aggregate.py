"""Declared aggregations: counts, rates and means per group, with small groups suppressed.

A group with fewer than ``min_count`` records keeps its row (so the table still shows that the
group exists) but its count and figures are left empty; so is a rate or mean computed over
fewer than ``min_count`` records. Rates are percentages with two decimals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from hub.avro.schema import DatasetSchema
from hub.vietnam_time import VIETNAM_TZ
from opendata.description import Bilingual
from opendata.specs import Aggregation, Bucket, Condition, Dimension, Measure
from opendata.table import Column, Table, schema_column

_BUCKET_FORMATS = {Bucket.DAY: "%Y-%m-%d", Bucket.MONTH: "%Y-%m", Bucket.YEAR: "%Y"}
_BUCKET_WORDS = {
    Bucket.DAY: Bilingual("ngày", "day"),
    Bucket.MONTH: Bilingual("tháng", "month"),
    Bucket.YEAR: Bilingual("năm", "year"),
}


class _Figures:
    """What one group has accumulated: its count, and a numerator and denominator per measure."""

    __slots__ = ("count", "parts")

    def __init__(self, measures: int) -> None:
        self.count = 0
        self.parts = [[0.0, 0] for _ in range(measures)]


class Aggregator:
    """Accumulates a declared aggregation one record at a time; ``table`` gives the groups in
    order, small ones suppressed."""

    def __init__(self, spec: Aggregation, schema: DatasetSchema) -> None:
        self._spec = spec
        self._schema = schema
        self._keys = [_dimension_value(d) for d in spec.group_by]
        self._parts = [_measure_part(m) for m in spec.measures]
        self._groups: dict[tuple[Any, ...], _Figures] = {}

    def add(self, record: dict[str, Any]) -> None:
        group = tuple(key(record) for key in self._keys)
        figures = self._groups.get(group)
        if figures is None:
            figures = self._groups[group] = _Figures(len(self._parts))
        figures.count += 1
        for part, accumulated in zip(self._parts, figures.parts, strict=True):
            numerator, counted = part(record)
            accumulated[0] += numerator
            accumulated[1] += counted

    def table(self) -> Table:
        spec, groups = self._spec, self._groups
        rows = []
        suppressed = 0
        for group in sorted(groups, key=lambda g: tuple("" if v is None else str(v) for v in g)):
            figures = groups[group]
            small = figures.count < spec.min_count
            suppressed += small
            values = [
                None if small else _figure(measure, numerator, int(counted), spec.min_count)
                for measure, (numerator, counted) in zip(spec.measures, figures.parts, strict=True)
            ]
            rows.append((*group, None if small else figures.count, *values))
        return Table(_columns(spec, self._schema), rows, suppressed_groups=suppressed)


def aggregate(spec: Aggregation, schema: DatasetSchema, records: Iterable[dict[str, Any]]) -> Table:
    aggregator = Aggregator(spec, schema)
    for record in records:
        aggregator.add(record)
    return aggregator.table()


def _dimension_value(dimension: Dimension) -> Callable[[dict[str, Any]], Any]:
    name, bucket = dimension.field, dimension.bucket
    if bucket is None:
        return lambda record: record.get(name)
    pattern = _BUCKET_FORMATS[bucket]

    def bucketed(record: dict[str, Any]) -> str | None:
        value = record.get(name)
        if isinstance(value, dt.datetime):
            value = value.astimezone(VIETNAM_TZ)
        return None if value is None else str(value.strftime(pattern))

    return bucketed


def _measure_part(measure: Measure) -> Callable[[dict[str, Any]], tuple[float, int]]:
    """For one record: what it adds to the measure's numerator, and whether it counts."""
    if measure.kind == "count":
        return lambda record: (1.0, 1)
    if measure.kind == "mean":
        name = measure.field

        def mean_part(record: dict[str, Any]) -> tuple[float, int]:
            value = record.get(name) if name else None
            return (0.0, 0) if value is None else (float(value), 1)

        return mean_part
    assert measure.condition is not None  # noqa: S101 (checked by the spec model)
    return _condition_part(measure.condition)


def _condition_part(condition: Condition) -> Callable[[dict[str, Any]], tuple[float, int]]:
    name, expected, bound = condition.field, condition.equals, condition.at_most_field

    def rate_part(record: dict[str, Any]) -> tuple[float, int]:
        value = record.get(name)
        if value is None:
            return 0.0, 0
        if bound is None:
            return (1.0 if value == expected else 0.0), 1
        limit = record.get(bound)
        return (1.0 if limit is not None and value <= limit else 0.0), 1

    return rate_part


def _figure(measure: Measure, numerator: float, counted: int, min_count: int) -> float | None:
    if counted < min_count:
        return None
    if measure.kind == "rate":
        return round(100.0 * numerator / counted, 2)
    if measure.kind == "mean":
        return round(numerator / counted, 2)
    return numerator


def _columns(spec: Aggregation, schema: DatasetSchema) -> tuple[Column, ...]:
    dimensions = []
    for d in spec.group_by:
        column = schema_column(schema, d.field)
        if d.bucket is not None:
            word = _BUCKET_WORDS[d.bucket]
            column = Column(
                d.column,
                "string",
                Bilingual(
                    f"{word.vi.capitalize()} của: {column.description.vi}",
                    f"The {word.en} of: {column.description.en}",
                ),
                column.nullable,
            )
        dimensions.append(column)
    count = Column(
        spec.count_column,
        "integer",
        Bilingual(
            f"Số bản ghi trong nhóm; để trống khi ít hơn {spec.min_count}",
            f"Records in the group; empty when fewer than {spec.min_count}",
        ),
        nullable=True,
    )
    measures = [
        Column(m.name, "number", Bilingual(m.title.vi, m.title.en), nullable=True)
        for m in spec.measures
    ]
    return (*dimensions, count, *measures)
