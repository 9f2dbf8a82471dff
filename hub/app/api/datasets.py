"""Catalogue and dataset reads, as the catalogue allows the caller (hub.auth.policy).

Without a token a caller sees what the public may see: the catalogue less restricted datasets,
and the public projection (personal fields removed) of open datasets and of shared ones with
an open projection. With a token, the caller's agency and grants decide.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from hub.app.api.answers import (
    CatalogueAnswer,
    ConsumerGrantItem,
    DatasetDescription,
    FieldItem,
    LocalizedText,
    OwnerAgency,
    RecordItem,
    RecordsPage,
    YourAccess,
)
from hub.app.api.authentication import optional_agency
from hub.app.api.cursor import format_cursor, parse_cursor
from hub.app.api.errors import ApiError
from hub.app.wiring import Hub
from hub.audit import actions, token_actor
from hub.auth.policy import ReadAccess, Refusal, is_visible, read_access
from hub.auth.tokens import Credential
from hub.avro.json_codec import record_to_json
from hub.catalogue.models import DatasetEntry
from hub.sharing import Projection

MAX_LIMIT = 1000


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def catalogue_entry(hub: Hub, dataset_id: str) -> DatasetEntry:
    """The catalogue's entry for the id, or a 404 naming it."""
    try:
        return hub.catalogue.catalogue.dataset(dataset_id)
    except KeyError:
        raise refusal_error(Refusal("unknown_dataset", _unknown(dataset_id), hidden=True)) from None


def _unknown(dataset_id: str) -> str:
    return f"Không có bộ dữ liệu {dataset_id!r} trong danh mục"


def refusal_error(refusal: Refusal) -> ApiError:
    """A policy refusal as an answer: 404 when the dataset is hidden from the caller, else 403."""
    return ApiError(404 if refusal.hidden else 403, refusal.code, refusal.message)


async def readable(request: Request) -> tuple[Hub, DatasetEntry, Credential | None, ReadAccess]:
    """The dataset in the path, the caller, and the projection the caller reads, or the
    refusal as a 401, 403 or 404."""
    hub = _hub(request)
    credential = optional_agency(request)
    entry = catalogue_entry(hub, request.path_params["dataset_id"])
    access = read_access(credential, entry)
    if isinstance(access, Refusal):
        raise refusal_error(access)
    return hub, entry, credential, access


def describe_dataset(
    hub: Hub, entry: DatasetEntry, credential: Credential | None
) -> DatasetDescription:
    """The dataset as the catalogue describes it to the caller (the pages render the same
    model for the public: ``credential`` None)."""
    schema = hub.catalogue.schema(entry.id)
    agency = hub.catalogue.catalogue.agency(entry.owner)
    pseudonymised = set(entry.pseudonymise)
    described = DatasetDescription(
        id=entry.id,
        title=LocalizedText(vi=entry.title.vi, en=entry.title.en),
        description=LocalizedText(vi=entry.description.vi, en=entry.description.en),
        owner=OwnerAgency(id=agency.id, name=agency.name),
        sector=entry.sector,
        classification=entry.classification.value,
        topic=entry.topic,
        masked_topic=entry.masked_topic if schema.personal_fields else None,
        schema_subject=f"{entry.topic}-value",
        open_projection=entry.open_projection is not None,
        legal_basis=entry.legal_basis,
        retention=entry.retention,
        licence=entry.licence,
        update_frequency=entry.update_frequency,
        consumers=[
            ConsumerGrantItem(agency=g.agency, personal_data=g.personal_data, purpose=g.purpose)
            for g in entry.consumers
        ],
        fields=[
            FieldItem(
                name=name,
                doc=schema.field_doc(name),
                personal=name in schema.personal_fields,
                pseudonymised=name in pseudonymised,
            )
            for name in schema.field_names
        ],
    )
    if credential is not None:
        access = read_access(credential, entry)
        described.your_access = (
            YourAccess(projection=access.projection.value, basis=access.basis)
            if isinstance(access, ReadAccess)
            else YourAccess(projection=None, refused=access.code)
        )
    return described


async def list_catalogue(request: Request) -> CatalogueAnswer:
    hub = _hub(request)
    credential = optional_agency(request)
    entries = [
        describe_dataset(hub, e, credential)
        for e in hub.catalogue.catalogue.datasets
        if is_visible(credential, e)
    ]
    return CatalogueAnswer(datasets=entries)


async def show_dataset(request: Request) -> DatasetDescription:
    hub = _hub(request)
    credential = optional_agency(request)
    entry = catalogue_entry(hub, request.path_params["dataset_id"])
    if not is_visible(credential, entry):
        raise refusal_error(Refusal("unknown_dataset", _unknown(entry.id), hidden=True))
    return describe_dataset(hub, entry, credential)


async def read_records(request: Request) -> RecordsPage:
    hub, entry, credential, access = await readable(request)
    try:
        limit = int(request.query_params.get("limit", "100"))
        positions = parse_cursor(request.query_params.get("after"))
    except ValueError as exc:
        raise ApiError(400, "bad_query", f"Tham số không hợp lệ: {exc}") from exc
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(400, "bad_query", f"limit phải từ 1 đến {MAX_LIMIT}")
    records, after = await run_in_threadpool(
        read_page, hub, entry, access.projection, positions, limit
    )
    await run_in_threadpool(audit_personal_read, hub, entry, credential, access, records)
    return RecordsPage(
        dataset=entry.id,
        projection=access.projection.value,
        records=[RecordItem.model_validate(record) for record in records],
        next=format_cursor(after),
    )


def audit_personal_read(
    hub: Hub,
    entry: DatasetEntry,
    credential: Credential | None,
    access: ReadAccess,
    page: list[dict[str, Any]],
) -> None:
    """Append a ``records.read_personal`` entry when the caller was just shown personal fields
    in clear: who, on what basis, how many records and which positions."""
    if access.projection is not Projection.FULL or not page or credential is None:
        return
    if not hub.catalogue.schema(entry.id).personal_fields:
        return
    hub.audit.append(
        actions.RECORDS_READ_PERSONAL,
        actor=token_actor(credential.token_id, credential.agency),
        dataset=entry.id,
        details={
            "basis": access.basis,
            "count": len(page),
            "positions": [f"{item['partition']}:{item['offset']}" for item in page],
        },
    )


def read_page(
    hub: Hub,
    entry: DatasetEntry,
    projection: Projection,
    positions: dict[int, int],
    limit: int,
    ends: Mapping[int, int] | None = None,
) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """Up to ``limit`` records after the positions, decoded and projected. With the topic's
    ``ends`` (when the caller knows them), only partitions with records before their end are
    read, up to that end; else every partition, as far as the bus has records."""
    projector = hub.projector(entry.id)
    decoder = hub.decoder
    after = dict(positions)
    page: list[dict[str, Any]] = []
    ranges: list[tuple[int, int, int | None]]
    if ends is None:
        partitions = hub.bus.partition_count(entry.topic)
        ranges = [(p, after.get(p, 0), None) for p in range(partitions)]
    else:
        ranges = [(p, after.get(p, 0), end) for p, end in sorted(ends.items())]
    for partition, start, end in ranges:
        wanted = limit - len(page) if end is None else min(limit - len(page), end - start)
        if wanted <= 0:
            continue
        batch = hub.bus.fetch(entry.topic, partition, start, wanted)
        for record in batch:
            projected = projector.project(decoder.decode(record.value), projection)
            page.append(
                {
                    "partition": record.partition,
                    "offset": record.offset,
                    "value": record_to_json(projected),
                }
            )
            after[partition] = record.offset + 1
        if len(page) >= limit:
            break
    return page, after
