"""The first records of a dataset as the public may see them, for its page: read through the same
function the API's ``GET /api/v1/datasets/{id}/records`` uses, in the projection the sharing
policy grants a caller without a token (personal fields removed), and written for a Vietnamese
reader: dates dd/mm/yyyy, numbers 1.234,5, Có/Không.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.app.web.templating import vn_date, vn_datetime, vn_number
from hub.app.wiring import Hub
from hub.catalogue.models import DatasetEntry
from hub.sharing import Projection

PREVIEW_ROWS = 10


@dataclass(frozen=True, slots=True)
class Preview:
    """Columns (field names, in the schema's order) and rows of display text."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def read_preview(
    hub: Hub, entry: DatasetEntry, projection: Projection, rows: int = PREVIEW_ROWS
) -> Preview:
    """Up to ``rows`` records from the start of the dataset, in ``projection``."""
    # Imported here: hub.app.api imports the pages' routes, so a module-level import would make
    # this module's import depend on which of the two packages was imported first.
    from hub.app.api.datasets import read_page

    page, _ = read_page(hub, entry, projection, {}, rows)
    definition: list[Mapping[str, Any]] = hub.catalogue.schema(entry.id).definition["fields"]
    present = {name for item in page for name in item["value"]}
    fields = [f for f in definition if f["name"] in present]
    kinds = {str(f["name"]): _kind(f["name"], f["type"]) for f in fields}
    columns = tuple(kinds)
    return Preview(
        columns,
        tuple(
            tuple(display(item["value"].get(name), kinds[name]) for name in columns)
            for item in page
        ),
    )


def display(value: object, kind: str) -> str:
    """One value as a cell's text: ``kind`` is datetime, date, bool, count, number or text (a
    year is text: 2025, not 2.025)."""
    if value is None:
        return "–"
    if isinstance(value, bool) or kind == "bool":
        return "Có" if value else "Không"
    if kind in ("datetime", "date") and isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        return vn_datetime(moment) if kind == "datetime" else vn_date(moment.date())
    if kind == "count" and isinstance(value, int):
        return vn_number(value, 0)
    if kind == "number" and isinstance(value, int | float):
        return vn_number(value, 3)
    return str(value)


def _kind(name: str, avro_type: Any) -> str:
    """How to show a field, from its Avro type (a nullable union reads as its other branch)."""
    if isinstance(avro_type, list):
        branches = [t for t in avro_type if t != "null"]
        avro_type = branches[0] if len(branches) == 1 else "string"
    if isinstance(avro_type, dict):
        logical = avro_type.get("logicalType", "")
        if logical.startswith("timestamp"):
            return "datetime"
        if logical == "date":
            return "date"
        avro_type = avro_type.get("type", "string")
    if avro_type == "boolean":
        return "bool"
    if avro_type in ("int", "long"):
        return "text" if name == "year" or name.endswith("_year") else "count"
    if avro_type in ("float", "double"):
        return "number"
    return "text"
