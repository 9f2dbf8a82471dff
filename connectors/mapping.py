"""Mapping a source row to a schema record, collecting every problem with its field path.

This is where a source's cell becomes a value: text is put in NFC here, for every connector
(files, SQL, REST, MQTT), before its converter reads it."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from connectors.config import ConnectorConfig, FieldMapping
from connectors.convert import CONVERTERS, convert_cell
from connectors.errors import ConversionError
from hub.ingest.validation import Violation

# A mapped field: its name, its column, whether it is required, how text is converted (None:
# text kept as it is), and its mapping (for typed values and for messages). A tuple: unpacked
# once per field per row.
_Field = tuple[str, str, bool, Callable[[str, FieldMapping], Any] | None, FieldMapping]


class RowMapper:
    """A connector's mapping, looked up once: ``map(cells)`` for each row of a run."""

    def __init__(self, config: ConnectorConfig) -> None:
        # Every field in the configuration's order; constants filled in, the rest set per row.
        # An optional field left empty stays out of the record: it takes the schema's default.
        self._template = {name: m.constant for name, m in config.fields.items() if not m.optional}
        self._fields: tuple[_Field, ...] = tuple(
            (
                name,
                m.column,
                m.required and not m.optional,
                None if m.convert == "text" else CONVERTERS[m.convert],
                m,
            )
            for name, m in config.fields.items()
            if m.column is not None
        )

    def map(self, cells: Mapping[str, Any]) -> tuple[dict[str, Any], list[Violation]]:
        """The record for the row, and the problems found (empty when the row mapped cleanly).

        Text is put in NFC as connectors.nfc.nfc does, called here directly: ASCII text, most
        cells (codes, dates, amounts), is in NFC already and is not looked at again."""
        normalize = unicodedata.normalize
        record = self._template.copy()
        problems: list[Violation] = []
        for name, column, required, from_text, mapping in self._fields:
            raw = cells.get(column)
            if raw is None or raw == "":
                if required:
                    problems.append(Violation(f"$.{name}", "required", f"Ô '{column}' bị trống"))
                continue
            try:
                if type(raw) is str:
                    if not raw.isascii():
                        raw = normalize("NFC", raw)
                    record[name] = raw if from_text is None else from_text(raw, mapping)
                else:
                    record[name] = convert_cell(raw, mapping)
            except ConversionError as exc:
                problems.append(Violation(f"$.{name}", mapping.convert, f"Cột '{column}': {exc}"))
        return record, problems


def map_row(
    config: ConnectorConfig, cells: Mapping[str, Any]
) -> tuple[dict[str, Any], list[Violation]]:
    """One row mapped (a run maps many through one RowMapper)."""
    return RowMapper(config).map(cells)
