"""The OpenAPI 3.1 description of the hub's HTTP API, served at ``/openapi.json``.

Bodies are described by pydantic models, whose JSON Schema (draft 2020-12) is what OpenAPI 3.1
uses. The tests validate real answers against these schemas, so the document cannot drift from
what the API does.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.app.api.openapi_parts import REF, error_answer, json_content, query_parameter
from hub.app.api.openapi_provide_once import SUBJECT_SCHEME, provide_once_paths
from hub.app.api.openapi_publications import (
    PUBLICATION_ANSWERS,
    PUBLICATION_REQUESTS,
    publications_paths,
)
from hub.app.api.provide_once_answers import (
    ANSWER_MODELS,
    REQUEST_MODELS,
    FieldProblem,
    WithheldEvidence,
)


class ErrorDetail(BaseModel):
    code: str = Field(description="Mã lỗi ổn định cho máy đọc | Stable machine-readable code")
    message: str = Field(description="Thông báo tiếng Việt | Message for people (Vietnamese)")
    limit: int | None = Field(default=None, description="Giới hạn đã vượt (413) | Limit (413)")
    received: int | None = Field(default=None, description="Số nhận được (413) | Received (413)")
    parameter: str | None = Field(
        default=None, description="Tham số sai (400) | The query parameter at fault (400)"
    )
    field: str | None = Field(
        default=None, description="Trường sai (403, 422) | The field at fault (403, 422)"
    )
    missing: list[WithheldEvidence] | None = Field(
        default=None, description="Giấy tờ thiếu căn cứ (403 điền sẵn) | Not covered (prefill)"
    )
    problems: list[FieldProblem] | None = Field(
        default=None, description="Mọi trường sai (422) | Every field at fault (422)"
    )


class ErrorAnswer(BaseModel):
    error: ErrorDetail


class TopicPosition(BaseModel):
    topic: str
    partition: int = Field(ge=0)
    offset: int = Field(ge=0)


class AcceptedRecord(TopicPosition):
    index: int = Field(ge=0, description="Vị trí bản ghi trong lô | Index in the batch")


class Violation(BaseModel):
    path: str = Field(description="JSONPath, ví dụ $[3].fee_vnd | JSON path, e.g. $[3].fee_vnd")
    rule: str = Field(description="Quy tắc bị vi phạm | The rule broken")
    message: str


class RejectedRecord(BaseModel):
    index: int = Field(ge=0)
    errors: list[Violation]
    dead_letter: TopicPosition | None = Field(
        default=None, description="Nơi lưu bản ghi lỗi (chế độ partial) | Where it was kept"
    )


class IngestAnswer(BaseModel):
    dataset: str
    mode: str = Field(pattern="^(atomic|partial)$")
    accepted_count: int = Field(ge=0)
    rejected_count: int = Field(ge=0)
    accepted: list[AcceptedRecord]
    rejected: list[RejectedRecord]


class RecordItem(BaseModel):
    partition: int = Field(ge=0)
    offset: int = Field(ge=0)
    value: dict[str, Any] = Field(description="Bản ghi đã giải mã Avro | The decoded record")


class RecordsPage(BaseModel):
    dataset: str
    projection: str = Field(
        pattern="^(full|masked|public)$",
        description=(
            "Phần dữ liệu bên gọi được xem: full (mọi trường), masked (trường cá nhân bị bỏ "
            "hoặc thay bằng bí danh), public (bỏ mọi trường cá nhân) | What the caller sees"
        ),
    )
    records: list[RecordItem]
    next: str = Field(description="Con trỏ cho trang sau | Cursor for the next page")


class AuditEntryItem(BaseModel):
    seq: int = Field(ge=1, description="Số thứ tự trong chuỗi | Position in the chain")
    at: str = Field(description="Thời điểm (UTC, ISO 8601) | When (UTC, ISO 8601)")
    actor: str = Field(description="token:<id>, cli hoặc system:<thành phần> | Who acted")
    agency: str | None = Field(description="Cơ quan thực hiện | The agency acted for")
    action: str = Field(description="Hành động, ví dụ records.write | Dotted action name")
    dataset: str | None
    details: dict[str, Any]
    prev_hash: str = Field(pattern="^[0-9a-f]{64}$", description="Băm mục trước | Hash before")
    hash: str = Field(pattern="^[0-9a-f]{64}$", description="SHA-256 của mục | Entry hash")


class AuditPage(BaseModel):
    entries: list[AuditEntryItem]
    next: int | None = Field(
        description="Giá trị after cho trang sau, null khi hết | 'after' of the next page"
    )


_MODELS: list[type[BaseModel]] = [ErrorAnswer, IngestAnswer, RecordsPage, RecordItem, AuditPage]


_DATASET = {"name": "dataset_id", "in": "path", "required": True, "schema": {"type": "string"}}
_AFTER = {
    "name": "after",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "pattern": r"^\d+:\d+(,\d+:\d+)*$"},
    "description": "Con trỏ 'phân_vùng:vị_trí,…' | Cursor 'partition:offset,…'",
}


_AUDIT_PARAMETERS = [
    query_parameter("dataset", {"type": "string"}, "Bộ dữ liệu | Dataset id"),
    query_parameter("agency", {"type": "string"}, "Cơ quan thực hiện | Agency that acted"),
    query_parameter("action", {"type": "string"}, "Hành động, ví dụ records.write | Action name"),
    query_parameter(
        "since",
        {"type": "string"},
        "Từ thời điểm (ISO 8601, gồm) | From (inclusive); no offset: Vietnam time",
    ),
    query_parameter("until", {"type": "string"}, "Trước thời điểm (ISO 8601) | Before (exclusive)"),
    query_parameter("after", {"type": "integer", "minimum": 0}, "Sau số thứ tự | After this seq"),
    query_parameter("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "Mặc định 100"),
]


def _paths() -> dict[str, Any]:
    return {
        "/healthz": {"get": {"summary": "Liveness", "responses": {"200": {"description": "OK"}}}},
        "/api/v1/catalogue": {
            "get": {
                "summary": "Danh mục CSDL dùng chung | The shared-database catalogue",
                "security": [{}, {"bearer": []}],
                "responses": {
                    "200": {"description": "Datasets visible to the caller"},
                    "401": error_answer(
                        "A token was sent but is malformed, unknown, revoked or expired"
                    ),
                },
            }
        },
        "/api/v1/datasets/{dataset_id}": {
            "get": {
                "summary": "Mô tả bộ dữ liệu | One dataset's description",
                "security": [{}, {"bearer": []}],
                "parameters": [_DATASET],
                "responses": {
                    "200": {"description": "The dataset"},
                    "401": error_answer(
                        "A token was sent but is malformed, unknown, revoked or expired"
                    ),
                    "404": error_answer("Unknown dataset, or restricted to another agency"),
                },
            }
        },
        "/api/v1/datasets/{dataset_id}/records": {
            "get": {
                "summary": "Đọc bản ghi theo con trỏ | Read records after a cursor",
                "parameters": [
                    _DATASET,
                    _AFTER,
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
                    },
                ],
                "security": [{}, {"bearer": []}],
                "responses": {
                    "200": {
                        "description": "A page of records",
                        "content": json_content("RecordsPage"),
                    },
                    "400": error_answer("Bad cursor or limit"),
                    "401": error_answer(
                        "A token was sent but is malformed, unknown, revoked or expired"
                    ),
                    "403": error_answer("Not granted to the caller's agency, or not a reader role"),
                    "404": error_answer("Unknown dataset, or restricted to another agency"),
                },
            },
            "post": {
                "summary": "Ghi một lô bản ghi | Publish a batch of records",
                "description": (
                    "All-or-nothing by default; `mode=partial` publishes the valid records and "
                    "sends the invalid ones to `<topic>.dlq`. Text is normalised to NFC. "
                    "`Idempotency-Key` makes a retried batch publish nothing twice."
                ),
                "security": [{"bearer": []}],
                "parameters": [
                    _DATASET,
                    {
                        "name": "mode",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["atomic", "partial"]},
                    },
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"type": "array", "items": {"type": "object"}}
                        }
                    },
                },
                "responses": {
                    "200": {"description": "Published", "content": json_content("IngestAnswer")},
                    "400": error_answer("Malformed JSON, bad mode or key"),
                    "401": error_answer("Missing, malformed, unknown, revoked or expired token"),
                    "403": error_answer("Not a producer of the owning agency"),
                    "404": error_answer("Unknown dataset"),
                    "409": error_answer("Idempotency-Key in use or reused"),
                    "413": error_answer("Body or record count over the limit"),
                    "415": error_answer("Not application/json"),
                    "422": {
                        "description": "Invalid records (atomic mode: nothing published)",
                        "content": json_content("IngestAnswer"),
                    },
                    "503": error_answer("The bus or database is unreachable; retry"),
                },
            },
        },
        "/api/v1/datasets/{dataset_id}/stream": {
            "get": {
                "summary": "Luồng bản ghi mới (SSE) | New records as server-sent events",
                "security": [{}, {"bearer": []}],
                "parameters": [
                    _DATASET,
                    _AFTER,
                    {"name": "Last-Event-ID", "in": "header", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "event: record; data: a RecordItem; id: the cursor",
                        "content": {"text/event-stream": {"schema": {"type": "string"}}},
                    },
                    "401": error_answer(
                        "A token was sent but is malformed, unknown, revoked or expired"
                    ),
                    "403": error_answer("Not granted to the caller's agency, or not a reader role"),
                    "404": error_answer("Unknown dataset, or restricted to another agency"),
                },
            }
        },
        "/api/v1/audit": {
            "get": {
                "summary": "Nhật ký kiểm toán (quản trị) | The audit log, for administrators",
                "description": (
                    "Entries in `seq` order: every write, read of personal data, grant change, "
                    "approval and publication, each with the hash of the one before."
                ),
                "security": [{"bearer": []}],
                "parameters": _AUDIT_PARAMETERS,
                "responses": {
                    "200": {
                        "description": "A page of entries",
                        "content": json_content("AuditPage"),
                    },
                    "400": error_answer("A filter that cannot be read; `parameter` names it"),
                    "401": error_answer("Missing, malformed, unknown, revoked or expired token"),
                    "403": error_answer("Not an admin token"),
                },
            }
        },
    }


def openapi_document() -> dict[str, Any]:
    _, definitions = models_json_schema(
        [(model, "serialization") for model in [*_MODELS, *ANSWER_MODELS, *PUBLICATION_ANSWERS]]
        + [(model, "validation") for model in [*REQUEST_MODELS, *PUBLICATION_REQUESTS]],
        ref_template=REF,
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kho — trục chia sẻ dữ liệu của tỉnh",
            "version": "1",
            "description": (
                "Ingest, read and stream the datasets of the shared-database catalogue; and the "
                "provide-once store: evidence recorded once by its issuer, prefilled into "
                "dossiers by law or the subject's consent, and the subject's own pages (/me); "
                "and the open-data catalogue, whose publications stewards approve or revoke."
            ),
        },
        "paths": {**_paths(), **provide_once_paths(), **publications_paths()},
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "kho_… (agency)"},
                "subject": SUBJECT_SCHEME,
            },
        },
    }


async def serve_openapi(request: Request) -> JSONResponse:
    return JSONResponse(openapi_document())
