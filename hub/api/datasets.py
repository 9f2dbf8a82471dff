"""Catalogue and dataset reads. Without credentials a caller sees what the public may see:
open datasets, and the open projection (personal fields removed) of shared ones."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from hub.api.cursor import format_cursor, parse_cursor
from hub.api.errors import ApiError
from hub.api.errors import VietnameseJSONResponse as JSONResponse
from hub.avro.json_codec import record_to_json
from hub.catalogue.models import Classification, DatasetEntry
from hub.wiring import Hub

MAX_LIMIT = 1000


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def catalogue_entry(hub: Hub, dataset_id: str) -> DatasetEntry:
    """The catalogue's entry for the id, or a 404 naming it."""
    try:
        return hub.catalogue.catalogue.dataset(dataset_id)
    except KeyError:
        raise _unknown(dataset_id) from None


def visible_entry(hub: Hub, dataset_id: str) -> DatasetEntry:
    """An entry the public may see: restricted ones answer as if they did not exist."""
    entry = catalogue_entry(hub, dataset_id)
    if entry.classification is Classification.RESTRICTED:
        raise _unknown(dataset_id)
    return entry


def _unknown(dataset_id: str) -> ApiError:
    return ApiError(404, "unknown_dataset", f"Không có bộ dữ liệu {dataset_id!r} trong danh mục")


def _describe(hub: Hub, entry: DatasetEntry) -> dict[str, Any]:
    schema = hub.catalogue.schema(entry.id)
    agency = hub.catalogue.catalogue.agency(entry.owner)
    return {
        "id": entry.id,
        "title": entry.title.model_dump(),
        "description": entry.description.model_dump(),
        "owner": {"id": agency.id, "name": agency.name},
        "classification": entry.classification.value,
        "topic": entry.topic,
        "schema_subject": f"{entry.topic}-value",
        "open_projection": entry.open_projection is not None,
        "licence": entry.licence,
        "update_frequency": entry.update_frequency,
        "fields": [
            {
                "name": name,
                "doc": schema.field_doc(name),
                "personal": name in schema.personal_fields,
            }
            for name in schema.field_names
        ],
    }


async def list_catalogue(request: Request) -> JSONResponse:
    hub = _hub(request)
    entries = [
        _describe(hub, e)
        for e in hub.catalogue.catalogue.datasets
        if e.classification is not Classification.RESTRICTED
    ]
    return JSONResponse({"datasets": entries})


async def show_dataset(request: Request) -> JSONResponse:
    hub = _hub(request)
    entry = visible_entry(hub, request.path_params["dataset_id"])
    return JSONResponse(_describe(hub, entry))


def readable_entry(hub: Hub, dataset_id: str) -> DatasetEntry:
    """A dataset whose records the public may read: open, or shared with an open projection."""
    entry = visible_entry(hub, dataset_id)
    if entry.classification is not Classification.OPEN and entry.open_projection is None:
        raise ApiError(
            403, "not_open", f"Bộ dữ liệu {entry.id} chỉ chia sẻ cho cơ quan được cấp quyền"
        )
    return entry


async def read_records(request: Request) -> JSONResponse:
    hub = _hub(request)
    entry = readable_entry(hub, request.path_params["dataset_id"])
    try:
        limit = int(request.query_params.get("limit", "100"))
        positions = parse_cursor(request.query_params.get("after"))
    except ValueError as exc:
        raise ApiError(400, "bad_query", f"Tham số không hợp lệ: {exc}") from exc
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(400, "bad_query", f"limit phải từ 1 đến {MAX_LIMIT}")
    records, after = await run_in_threadpool(read_open_page, hub, entry, positions, limit)
    return JSONResponse({"dataset": entry.id, "records": records, "next": format_cursor(after)})


def read_open_page(
    hub: Hub, entry: DatasetEntry, positions: dict[int, int], limit: int
) -> tuple[list[dict[str, Any]], dict[int, int]]:
    personal = hub.catalogue.schema(entry.id).personal_fields
    decoder = hub.decoder
    after = dict(positions)
    page: list[dict[str, Any]] = []
    for partition in range(hub.bus.partition_count(entry.topic)):
        start = after.get(partition, 0)
        batch = hub.bus.fetch(entry.topic, partition, start, limit - len(page))
        for record in batch:
            decoded = decoder.decode(record.value)
            projected = record_to_json({k: v for k, v in decoded.items() if k not in personal})
            page.append(
                {"partition": record.partition, "offset": record.offset, "value": projected}
            )
            after[partition] = record.offset + 1
        if len(page) >= limit:
            break
    return page, after
