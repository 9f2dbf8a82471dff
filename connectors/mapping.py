"""Mapping a source row to a schema record, collecting every problem with its field path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.config import ConnectorConfig
from connectors.convert import convert_cell
from connectors.errors import ConversionError
from hub.ingest.validation import Violation


def map_row(
    config: ConnectorConfig, cells: Mapping[str, Any]
) -> tuple[dict[str, Any], list[Violation]]:
    """The record for the row, and the problems found (empty when the row mapped cleanly)."""
    record: dict[str, Any] = {}
    problems: list[Violation] = []
    for field_name, mapping in config.fields.items():
        if mapping.column is None:
            record[field_name] = mapping.constant
            continue
        raw = cells.get(mapping.column)
        if raw is None or raw == "":
            if mapping.required:
                problems.append(
                    Violation(f"$.{field_name}", "required", f"Ô '{mapping.column}' bị trống")
                )
            record[field_name] = None
            continue
        try:
            record[field_name] = convert_cell(raw, mapping)
        except ConversionError as exc:
            problems.append(
                Violation(f"$.{field_name}", mapping.convert, f"Cột '{mapping.column}': {exc}")
            )
    return record, problems
