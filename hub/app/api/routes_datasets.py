"""The route table's endpoints for the shared-database catalogue: the catalogue, a dataset,
reading, ingesting and streaming its records; and the audit log."""

from __future__ import annotations

from hub.app.api import audit, datasets, ingest, stream
from hub.app.api.answers import (
    AuditPage,
    CatalogueAnswer,
    DatasetDescription,
    IngestAnswer,
    RecordBatch,
    RecordsPage,
)
from hub.app.api.documented_refusals import (
    BAD_TOKEN,
    error,
)
from hub.app.api.endpoint import Access, Answer, Body, Endpoint, Parameter

_HIDDEN = error("Unknown dataset, or restricted to another agency")
_NOT_READER = error("Not granted to the caller's agency, or not a reader role")

_DATASET = Parameter("dataset_id", "path")
_CURSOR = Parameter(
    "after",
    "query",
    "Con trỏ 'phân_vùng:vị_trí,…' | Cursor 'partition:offset,…'",
    {"type": "string", "pattern": r"^\d+:\d+(,\d+:\d+)*$"},
)

DATASET_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "GET",
        "/api/v1/catalogue",
        datasets.list_catalogue,
        "list_catalogue",
        "Danh mục CSDL dùng chung | The shared-database catalogue",
        {200: Answer("Datasets visible to the caller", CatalogueAnswer), 401: BAD_TOKEN},
        tags=("datasets",),
    ),
    Endpoint(
        "GET",
        "/api/v1/datasets/{dataset_id}",
        datasets.show_dataset,
        "show_dataset",
        "Mô tả bộ dữ liệu | One dataset's description",
        {200: Answer("The dataset", DatasetDescription), 401: BAD_TOKEN, 404: _HIDDEN},
        parameters=(_DATASET,),
        tags=("datasets",),
    ),
    Endpoint(
        "GET",
        "/api/v1/datasets/{dataset_id}/records",
        datasets.read_records,
        "read_records",
        "Đọc bản ghi theo con trỏ | Read records after a cursor",
        {
            200: Answer("A page of records", RecordsPage),
            400: error("Bad cursor or limit"),
            401: BAD_TOKEN,
            403: _NOT_READER,
            404: _HIDDEN,
        },
        parameters=(
            _DATASET,
            _CURSOR,
            Parameter("limit", "query", schema={"type": "integer", "minimum": 1, "maximum": 1000}),
        ),
        tags=("datasets",),
    ),
    Endpoint(
        "POST",
        "/api/v1/datasets/{dataset_id}/records",
        ingest.ingest_records,
        "ingest_records",
        "Ghi một lô bản ghi | Publish a batch of records",
        {
            200: Answer("Published", IngestAnswer),
            400: error("Malformed JSON, not an array of records or an empty one, bad mode or key"),
            401: error("Missing, malformed, unknown, revoked or expired token"),
            403: error("Not a producer of the owning agency"),
            404: error("Unknown dataset"),
            409: error("Idempotency-Key in use or reused"),
            413: error("Body or record count over the limit"),
            415: error("Not application/json"),
            422: Answer("Invalid records (atomic mode: nothing published)", IngestAnswer),
            503: error(
                "The bus or database is unreachable, or (`still_publishing`) a batch with an"
                " Idempotency-Key is not yet taken by the bus and goes on publishing; retry"
                " with the same key after Retry-After"
            ),
        },
        access=Access.AGENCY,
        description=(
            "All-or-nothing by default; `mode=partial` publishes the valid records and sends the "
            "invalid ones to `<topic>.dlq`. Text is normalised to NFC. `Idempotency-Key` makes a "
            "retried batch publish nothing twice; a replayed answer carries "
            "`Idempotent-Replayed: true`."
        ),
        parameters=(
            _DATASET,
            Parameter("mode", "query", schema={"type": "string", "enum": ["atomic", "partial"]}),
            Parameter(
                "Idempotency-Key",
                "header",
                schema={"type": "string", "minLength": 1, "maxLength": 200},
            ),
        ),
        body=Body(RecordBatch, "Các bản ghi | The records, a JSON array of objects"),
        tags=("datasets",),
    ),
    Endpoint(
        "GET",
        "/api/v1/datasets/{dataset_id}/stream",
        stream.stream_records,
        "stream_records",
        "Luồng bản ghi mới (SSE) | New records as server-sent events",
        {
            200: Answer(
                "event: record; data: a RecordItem; id: the cursor", media_type="text/event-stream"
            ),
            400: error("Bad cursor"),
            401: BAD_TOKEN,
            403: _NOT_READER,
            404: _HIDDEN,
        },
        parameters=(_DATASET, _CURSOR, Parameter("Last-Event-ID", "header")),
        tags=("datasets",),
    ),
    Endpoint(
        "GET",
        "/api/v1/audit",
        audit.list_audit,
        "list_audit",
        "Nhật ký kiểm toán (quản trị) | The audit log, for administrators",
        {
            200: Answer("A page of entries", AuditPage),
            400: error("A filter that cannot be read; `parameter` names it"),
            401: error("Missing, malformed, unknown, revoked or expired token"),
            403: error("Not an admin token"),
        },
        access=Access.AGENCY,
        description=(
            "Entries in `seq` order: every write, read of personal data, grant change, approval "
            "and publication, each with the hash of the one before."
        ),
        parameters=(
            Parameter("dataset", "query", "Bộ dữ liệu | Dataset id"),
            Parameter("agency", "query", "Cơ quan thực hiện | Agency that acted"),
            Parameter("actor", "query", "Người thực hiện, ví dụ token:<id> | Principal that acted"),
            Parameter("action", "query", "Hành động, ví dụ records.write | Action name"),
            Parameter(
                "since",
                "query",
                "Từ thời điểm (ISO 8601, gồm) | From (inclusive); no offset: Vietnam time",
            ),
            Parameter("until", "query", "Trước thời điểm (ISO 8601) | Before (exclusive)"),
            Parameter(
                "after",
                "query",
                "Sau số thứ tự | After this seq",
                {"type": "integer", "minimum": 0},
            ),
            Parameter(
                "limit",
                "query",
                "Mặc định 100",
                {"type": "integer", "minimum": 1, "maximum": 1000},
            ),
        ),
        tags=("audit",),
    ),
)
