"""The bodies of the catalogue, dataset, ingest and audit endpoints, and of every error, as
pydantic models: the handlers return them and ``/openapi.json`` describes them. Closed
(``additionalProperties: false``) where the hub builds the whole object, so that a key the code
adds without documenting it fails the tests that validate real answers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, WithJsonSchema

Moment = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
"""A moment as the domain writes it (ISO 8601 with offset), sent as it is."""


class Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WithheldEvidence(Closed):
    """Một loại giấy tờ không được cung cấp và lý do | An evidence type withheld, and why."""

    evidence_type: str = Field(description="Mã loại giấy tờ | Evidence type code")
    reason: Literal["no_consent", "consent_expired", "consent_revoked", "consent_other_purpose"]
    message: str = Field(description="Lý do cho người đọc | The reason, for people")


class FieldProblem(Closed):
    """Một trường sai trong nội dung gửi lên | One field of the body that is wrong."""

    field: str = Field(description="Trường, ví dụ attributes.so_phieu | Dotted field path")
    message: str = Field(description="Lỗi kiểm tra | What is wrong with it")


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


class Health(Closed):
    status: str


class LocalizedText(Closed):
    vi: str
    en: str


class OwnerAgency(Closed):
    id: str
    name: str


class ConsumerGrantItem(Closed):
    agency: str
    personal_data: bool
    purpose: str


class FieldItem(Closed):
    name: str
    doc: str
    personal: bool
    pseudonymised: bool


class YourAccess(Closed):
    projection: str | None = Field(description="full, masked, public; null: refused")
    basis: str | None = Field(default=None, description="Căn cứ | Why the caller may read")
    refused: str | None = Field(default=None, description="Mã từ chối | Refusal code")


class DatasetDescription(Closed):
    """Một bộ dữ liệu của danh mục | One dataset of the catalogue."""

    id: str
    title: LocalizedText
    description: LocalizedText
    owner: OwnerAgency
    sector: str
    classification: str = Field(description="open, shared, restricted")
    topic: str
    masked_topic: str | None = Field(description="Chủ đề đã che | Masked topic, if personal")
    schema_subject: str
    open_projection: bool
    legal_basis: str
    retention: str = Field(description="Thời hạn lưu, ISO 8601 | Retention, ISO 8601 duration")
    licence: str
    update_frequency: str
    consumers: list[ConsumerGrantItem]
    fields: list[FieldItem]
    your_access: YourAccess | None = Field(
        default=None, description="Chỉ khi có mã truy cập | Only with a token"
    )


class CatalogueAnswer(Closed):
    datasets: list[DatasetDescription] = Field(
        description="Bộ dữ liệu bên gọi được thấy | Datasets visible to the caller"
    )


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


class RecordBatch(RootModel[list[dict[str, Any]]]):
    """Một lô bản ghi JSON | A batch of records, each a JSON object."""


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
    seq: int = Field(
        ge=0,
        description=(
            "Số thứ tự trong chuỗi (0: không đọc được, xem unreadable) | Position in the chain"
            " (0: unreadable)"
        ),
    )
    at: str = Field(description="Thời điểm (UTC, ISO 8601) | When (UTC, ISO 8601)")
    actor: str = Field(description="token:<id>, cli hoặc system:<thành phần> | Who acted")
    agency: str | None = Field(description="Cơ quan thực hiện | The agency acted for")
    action: str = Field(description="Hành động, ví dụ records.write | Dotted action name")
    dataset: str | None
    details: dict[str, Any]
    prev_hash: str = Field(description="Băm mục trước (64 hex) | Hash before (64 hex)")
    hash: str = Field(description="SHA-256 của mục (64 hex) | Entry hash (64 hex)")
    unreadable: str | None = Field(
        default=None,
        description=(
            "Khi mục đang lưu một giá trị không lần ghi nào tạo ra (đã bị sửa): lý do; các"
            " trường khác là giá trị đang lưu | Set when the entry was tampered into a value no"
            " append writes: why; the other fields then show what is stored"
        ),
    )


class AuditPage(BaseModel):
    entries: list[AuditEntryItem]
    next: int | None = Field(
        description="Giá trị after cho trang sau, null khi hết | 'after' of the next page"
    )
