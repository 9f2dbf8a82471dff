"""An Avro schema file and what the hub reads from it beyond Avro: personal fields and the key.

A field is personal when it carries ``"personal": true``; the record's key field is named by the
record-level attribute ``"kho.key"``. fastavro ignores both attributes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fastavro

from hub.errors import ConfigurationError


@dataclass(frozen=True)
class DatasetSchema:
    """A parsed record schema with its canonical text and hub attributes."""

    path: Path
    definition: dict[str, Any]
    parsed: Any = field(repr=False)

    @property
    def text(self) -> str:
        """The schema as registered: compact JSON of the file's definition."""
        return json.dumps(self.definition, ensure_ascii=False, separators=(",", ":"))

    @property
    def full_name(self) -> str:
        namespace = self.definition.get("namespace")
        name = str(self.definition["name"])
        return f"{namespace}.{name}" if namespace else name

    @property
    def field_names(self) -> list[str]:
        return [str(f["name"]) for f in self.definition["fields"]]

    @property
    def personal_fields(self) -> frozenset[str]:
        return frozenset(str(f["name"]) for f in self.definition["fields"] if f.get("personal"))

    @property
    def key_field(self) -> str | None:
        key = self.definition.get("kho.key")
        return str(key) if key else None

    def is_string_field(self, name: str) -> bool:
        """Whether the field holds a string, or null or a string."""
        for f in self.definition["fields"]:
            if f["name"] == name:
                kind = f["type"]
                return kind == "string" or (
                    isinstance(kind, list)
                    and "string" in kind
                    and all(t in ("null", "string") for t in kind)
                )
        raise KeyError(name)

    def field_doc(self, name: str) -> str:
        for f in self.definition["fields"]:
            if f["name"] == name:
                return str(f.get("doc", ""))
        raise KeyError(name)


def load_schema(path: Path) -> DatasetSchema:
    """Read and parse an ``.avsc`` record schema, naming the file in any error."""
    try:
        definition = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigurationError(f"Không tìm thấy tệp lược đồ {path}") from exc
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"Tệp lược đồ {path} không phải JSON hợp lệ: {exc}") from exc
    if not isinstance(definition, dict) or definition.get("type") != "record":
        raise ConfigurationError(f"Tệp lược đồ {path} phải là một Avro record")
    try:
        parsed = fastavro.parse_schema(definition)
    except (fastavro.schema.SchemaParseException, ValueError, TypeError, KeyError) as exc:
        raise ConfigurationError(f"Lược đồ Avro {path} không hợp lệ: {exc}") from exc
    schema = DatasetSchema(path=path, definition=definition, parsed=parsed)
    key = schema.key_field
    if key is not None and key not in schema.field_names:
        raise ConfigurationError(f"Lược đồ {path}: khóa kho.key={key!r} không phải một trường")
    return schema
