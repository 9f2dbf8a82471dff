"""Schema compatibility as Confluent's registry defines it, decided by Apache Avro's own checker.

BACKWARD: the new schema reads what the older one wrote (the default). FORWARD: the older
schema reads what the new one writes. FULL: both. A ``_TRANSITIVE`` level compares with every
live version; the others with the latest only. NONE checks nothing.

Two quirks of ``avro.compatibility`` (1.12) are worked around here, without changing a rule:

- when it compares the branches of a union it restarts the location at ``/``, so a broken
  nullable field would not be named; the checker below keeps the current location;
- when several things break at once it keeps the rules in a list but their locations and
  messages in sets, so which field broke which rule is lost; each incompatibility is therefore
  recorded as avro creates it (``_recording_incompatible``), keeping only those of the parts
  whose result avro counted (not the branches a reader union merely tried).

Whether a schema is compatible is always avro's verdict; the records only explain it.
"""

from __future__ import annotations

import ast
import contextvars
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

import avro.compatibility
import avro.errors
import avro.schema
from avro.compatibility import (
    ReaderWriterCompatibilityChecker,
    SchemaCompatibilityResult,
    SchemaCompatibilityType,
    SchemaIncompatibilityType,
)

from hub.registry.errors import INVALID_COMPATIBILITY_LEVEL, INVALID_SCHEMA


class CompatibilityLevel(StrEnum):
    BACKWARD = "BACKWARD"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD = "FORWARD"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"
    FULL = "FULL"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"
    NONE = "NONE"

    @property
    def transitive(self) -> bool:
        return self.endswith("_TRANSITIVE")

    @property
    def directions(self) -> tuple[Direction, ...]:
        base = self.removesuffix("_TRANSITIVE")
        return {
            "BACKWARD": (Direction.BACKWARD,),
            "FORWARD": (Direction.FORWARD,),
            "FULL": (Direction.BACKWARD, Direction.FORWARD),
        }.get(base, ())


DEFAULT_LEVEL = CompatibilityLevel.BACKWARD


class Direction(StrEnum):
    """Who reads whom: BACKWARD = the new schema reads old data; FORWARD = the reverse."""

    BACKWARD = "BACKWARD"
    FORWARD = "FORWARD"


class Rule(StrEnum):
    """Avro's incompatibility kinds, spelled as Confluent's registry reports them."""

    NAME_MISMATCH = "NAME_MISMATCH"
    FIXED_SIZE_MISMATCH = "FIXED_SIZE_MISMATCH"
    MISSING_ENUM_SYMBOLS = "MISSING_ENUM_SYMBOLS"
    READER_FIELD_MISSING_DEFAULT_VALUE = "READER_FIELD_MISSING_DEFAULT_VALUE"
    TYPE_MISMATCH = "TYPE_MISMATCH"
    MISSING_UNION_BRANCH = "MISSING_UNION_BRANCH"


@dataclass(frozen=True, slots=True)
class Incompatibility:
    """One rule the new schema breaks against one older version."""

    rule: Rule
    location: str  # where in the reading schema, e.g. /fields/1/type/symbols
    field: str | None  # the field's dotted path, e.g. "address.street"; None at the root
    version: int  # the older version it conflicts with
    direction: Direction
    detail: str  # avro's own words

    @property
    def message(self) -> str:
        """A sentence in Vietnamese naming the field, the rule and the version."""
        where = f"Trường '{self.field}'" if self.field else "Bản ghi gốc"
        old = f"phiên bản {self.version}"
        reader, writer = (
            ("lược đồ mới", old) if self.direction is Direction.BACKWARD else (old, "lược đồ mới")
        )
        return (
            f"{where} vi phạm {self.rule} so với {old} ({self.direction}): "
            f"{self._explain(reader, writer)}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "errorType": str(self.rule),
            "field": self.field,
            "location": self.location,
            "oldSchemaVersion": self.version,
            "direction": str(self.direction),
            "description": self.message,
        }

    def _explain(self, reader: str, writer: str) -> str:
        if self.rule is Rule.READER_FIELD_MISSING_DEFAULT_VALUE:
            return (
                f"{reader} có trường này mà không có giá trị mặc định, "
                f"trong khi dữ liệu ghi theo {writer} không có nó"
            )
        if self.rule is Rule.TYPE_MISMATCH:
            found = re.fullmatch(
                r"reader type: (\S+) not compatible with writer type: (\S+)", self.detail
            )
            if found:
                return (
                    f"kiểu {found[1]} của {reader} không đọc được kiểu {found[2]} do {writer} ghi"
                )
            return f"kiểu của {reader} không đọc được dữ liệu do {writer} ghi ({self.detail})"
        if self.rule is Rule.MISSING_ENUM_SYMBOLS:
            return f"{reader} thiếu ký hiệu enum {_symbols(self.detail)} mà {writer} có thể ghi"
        if self.rule is Rule.MISSING_UNION_BRANCH:
            return f"union của {reader} thiếu nhánh cho dữ liệu do {writer} ghi ({self.detail})"
        if self.rule is Rule.NAME_MISMATCH:
            return f"tên kiểu của {reader} khác tên trong {writer} ({self.detail})"
        return f"kích thước fixed của {reader} khác {writer} ({self.detail})"


def parse_schema(schema_text: str) -> avro.schema.Schema:
    """The schema parsed by Apache Avro; INVALID_SCHEMA (in Vietnamese) if it is not one."""
    try:
        parsed = _parse(schema_text)
    except (avro.errors.AvroException, json.JSONDecodeError, TypeError, ValueError) as exc:
        raise INVALID_SCHEMA(reason=f"Lược đồ Avro không hợp lệ: {exc}") from exc
    except RecursionError as exc:
        raise INVALID_SCHEMA(reason="Lược đồ Avro không hợp lệ: JSON lồng nhau quá sâu") from exc
    bad = [name for name in _field_names(parsed, set()) if not _AVRO_NAME.match(name)]
    if bad:
        raise INVALID_SCHEMA(
            reason=f"Lược đồ Avro không hợp lệ: tên trường {bad[0]!r} phải gồm chữ Latin không"
            " dấu, chữ số và dấu gạch dưới, không bắt đầu bằng chữ số (đặc tả Avro)"
        )
    return parsed


_AVRO_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
"""A field's name as the Avro specification allows it. Apache Avro for Python checks the names
of types but takes any field name, which other implementations (Java's among them) refuse."""


def _field_names(schema: avro.schema.Schema, seen: set[str]) -> list[str]:
    """The names of every record field in the schema, nested records included."""
    if isinstance(schema, avro.schema.RecordSchema):
        if schema.fullname in seen:
            return []
        seen.add(schema.fullname)
        return [name for f in schema.fields for name in [f.name, *_field_names(f.type, seen)]]
    if isinstance(schema, avro.schema.ArraySchema):
        return _field_names(schema.items, seen)
    if isinstance(schema, avro.schema.MapSchema):
        return _field_names(schema.values, seen)
    if isinstance(schema, avro.schema.UnionSchema):
        return [name for branch in schema.schemas for name in _field_names(branch, seen)]
    return []


@lru_cache(maxsize=512)
def _parse(schema_text: str) -> avro.schema.Schema:
    return avro.schema.parse(schema_text)


def check_compatibility(
    new_schema: str, existing: Sequence[tuple[int, str]], level: CompatibilityLevel
) -> list[Incompatibility]:
    """What the new schema breaks under ``level`` against ``existing`` (version, schema text)
    pairs, oldest first; empty when compatible."""
    new = parse_schema(new_schema)
    if not level.directions or not existing:
        return []
    compared = existing if level.transitive else existing[-1:]
    found: list[Incompatibility] = []
    for version, text in compared:
        old = parse_schema(text)
        for direction in level.directions:
            reader, writer = (new, old) if direction is Direction.BACKWARD else (old, new)
            found.extend(_incompatibilities(reader, writer, version, direction))
    return found


def summary(subject: str, level: CompatibilityLevel, problems: Sequence[Incompatibility]) -> str:
    """The refusal message for a whole registration, in Vietnamese."""
    listed = "; ".join(p.message for p in problems)
    return f"Lược đồ không tương thích với chủ đề {subject} theo mức {level}: {listed}"


@dataclass(frozen=True, slots=True)
class _Leaf:
    kind: SchemaIncompatibilityType
    detail: str
    location: str


@dataclass
class _Frame:
    """The incompatibilities found while avro compares one reader/writer pair."""

    own: list[_Leaf] = field(default_factory=list)
    from_parts: list[_Leaf] = field(default_factory=list)


_frames: contextvars.ContextVar[list[_Frame] | None] = contextvars.ContextVar(
    "kho_avro_compatibility_frames", default=None
)
_avro_incompatible = avro.compatibility.incompatible


def _recording_incompatible(
    incompat_type: SchemaIncompatibilityType, message: str, location: list[str]
) -> SchemaCompatibilityResult:
    """avro's own ``incompatible``, also noting the result while a check of ours runs."""
    result = _avro_incompatible(incompat_type, message, location)
    frames = _frames.get()
    if frames:
        frames[-1].own.append(_Leaf(incompat_type, message, next(iter(result.locations))))
    return result


avro.compatibility.incompatible = _recording_incompatible  # avro looks it up at call time


class _LocatingChecker(ReaderWriterCompatibilityChecker):
    """Avro's checker, keeping the current location when it compares union branches, and
    keeping the incompatibilities of the parts that count: a reader union tries each of its
    branches and reports only that none fits, so what the failed tries found is dropped."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # avro leaves it unannotated
        self._where: list[str] = []
        self.frames: list[_Frame] = [_Frame()]

    def get_compatibility(
        self,
        reader: avro.schema.Schema,
        writer: avro.schema.Schema,
        reference_token: str = ReaderWriterCompatibilityChecker.ROOT_REFERENCE_TOKEN,
        location: list[str] | None = None,
    ) -> SchemaCompatibilityResult:
        if location is None and self._where:
            location, reference_token = self._where[:-1], self._where[-1]
        result: SchemaCompatibilityResult = super().get_compatibility(
            reader, writer, reference_token, location
        )
        return result

    def calculate_compatibility(
        self, reader: avro.schema.Schema, writer: avro.schema.Schema, location: list[str]
    ) -> SchemaCompatibilityResult:
        outer, self._where = self._where, location
        self.frames.append(_Frame())
        try:
            result: SchemaCompatibilityResult = super().calculate_compatibility(
                reader, writer, location
            )
        finally:
            self._where = outer
            frame = self.frames.pop()
        tries_only = isinstance(reader, avro.schema.UnionSchema)
        self.frames[-1].from_parts.extend(frame.own + ([] if tries_only else frame.from_parts))
        return result


def _incompatibilities(
    reader: avro.schema.Schema, writer: avro.schema.Schema, version: int, direction: Direction
) -> list[Incompatibility]:
    checker = _LocatingChecker()
    token = _frames.set(checker.frames)
    try:
        result = checker.get_compatibility(reader, writer)
    finally:
        _frames.reset(token)
    if result.compatibility is not SchemaCompatibilityType.incompatible:
        return []
    leaves = list(dict.fromkeys(checker.frames[0].from_parts))
    if not leaves:  # a part avro had already compared elsewhere (memoised): report it as avro did
        leaves = [
            _Leaf(kind, "; ".join(sorted(result.messages)), location)
            for kind, location in zip(
                result.incompatibilities, sorted(result.locations), strict=False
            )
        ]
    return [
        Incompatibility(
            rule=Rule(leaf.kind.name.upper()),
            location=leaf.location,
            field=_field_path(reader, leaf.location),
            version=version,
            direction=direction,
            detail=leaf.detail,
        )
        for leaf in leaves
    ]


def _field_path(schema: avro.schema.Schema, location: str) -> str | None:
    """The dotted names of the fields along a location in the reading schema."""
    names: list[str] = []
    node: Any = schema
    steps = [s for s in location.split("/") if s]
    i = 0
    while i < len(steps):
        step = steps[i]
        if step == "fields" and i + 1 < len(steps) and steps[i + 1].isdigit():
            record = _record_in(node, int(steps[i + 1]))
            if record is None:
                break
            node = record.fields[int(steps[i + 1])]
            names.append(node.name)
            i += 2
            continue
        if step == "type" and isinstance(node, avro.schema.Field):
            node = node.type
        elif step == "items" and isinstance(node, avro.schema.ArraySchema):
            node = node.items
        elif step == "values" and isinstance(node, avro.schema.MapSchema):
            node = node.values
        else:
            break
        i += 1
    return ".".join(names) or None


def _record_in(node: Any, index: int) -> avro.schema.RecordSchema | None:
    """The record at this node; for a union, its first record branch with that many fields."""
    candidates = node.schemas if isinstance(node, avro.schema.UnionSchema) else [node]
    for candidate in candidates:
        if isinstance(candidate, avro.schema.RecordSchema) and index < len(candidate.fields):
            return candidate
    return None


def _symbols(detail: str) -> str:
    try:
        symbols = ast.literal_eval(detail)
    except (ValueError, SyntaxError):
        return detail
    if isinstance(symbols, set | frozenset | list | tuple):
        return ", ".join(sorted(str(s) for s in symbols))
    return detail


def parse_level(text: object) -> CompatibilityLevel:
    """A compatibility level from a request; INVALID_COMPATIBILITY_LEVEL if it is none."""
    try:
        return CompatibilityLevel(str(text).upper())
    except ValueError:
        known = ", ".join(CompatibilityLevel)
        raise INVALID_COMPATIBILITY_LEVEL(text=text, known=known) from None
