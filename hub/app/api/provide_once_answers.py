"""The answers of the provide-once store's endpoints as pydantic models, for the OpenAPI
document (hub/api/openapi_provide_once.py). Closed (``additionalProperties: false``), so that a
key the code adds without documenting it fails the tests that validate real answers."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.provide_once.consent import ConsentInput
from hub.provide_once.evidence import EvidenceInput


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WithheldEvidence(_Answer):
    """Một loại giấy tờ không được cung cấp và lý do | An evidence type withheld, and why."""

    evidence_type: str = Field(description="Mã loại giấy tờ | Evidence type code")
    reason: Literal["no_consent", "consent_expired", "consent_revoked", "consent_other_purpose"]
    message: str = Field(description="Lý do cho người đọc | The reason, for people")


class FieldProblem(_Answer):
    """Một trường sai trong nội dung gửi lên | One field of the body that is wrong."""

    field: str = Field(description="Trường, ví dụ attributes.so_phieu | Dotted field path")
    message: str = Field(description="Lỗi kiểm tra | What is wrong with it")


class EvidenceFile(_Answer):
    uri: str = Field(description="Đường dẫn tệp | Where the file is kept")
    sha256: str = Field(pattern="^[0-9a-f]{64}$", description="Băm SHA-256 | File hash")


class EvidenceItem(_Answer):
    """Một phiên bản giấy tờ | One version of one evidence."""

    evidence_id: str = Field(description="Mã giấy tờ, cố định suốt đời | The evidence's id")
    subject_id: str = Field(description="Số CCCD hoặc mã số thuế | CCCD or tax code (MST)")
    evidence_type: str = Field(description="Mã loại giấy tờ | Evidence type code")
    issuing_agency: str = Field(description="Cơ quan cấp | Issuing agency")
    version: int = Field(ge=1, description="Số phiên bản, 1 là bản đầu | Version, from 1")
    issued_on: dt.date = Field(description="Ngày cấp | Date of issue")
    valid_until: dt.date | None = Field(
        description="Hết hiệu lực (gồm), null: vô thời hạn | Valid until (inclusive), or null"
    )
    attributes: dict[str, str] = Field(description="Nội dung giấy tờ | The evidence's content")
    source_ref: str | None = Field(description="Mã ở hệ thống nguồn | Id in the source system")
    file: EvidenceFile | None = Field(description="Tệp đính kèm | Attached file, if any")
    recorded_at: dt.datetime = Field(description="Thời điểm ghi (UTC) | When recorded (UTC)")
    recorded_by: str = Field(description="Người ghi, ví dụ token:<id> | Who recorded it")
    correction_reason: str | None = Field(
        description="Lý do đính chính | Why this version corrects the one before"
    )


class RecordAnswer(_Answer):
    outcome: Literal["created", "corrected", "unchanged"] = Field(
        description=(
            "created (201): giấy tờ mới; corrected (200): phiên bản mới; unchanged (200): cùng "
            "nội dung, không ghi gì | created, corrected (a new version) or unchanged (a replay)"
        )
    )
    evidence: EvidenceItem = Field(description="Phiên bản hiện hành | The version in force")
    event: Literal["published", "pending"] = Field(
        description=(
            "Sự kiện cập nhật đã gửi lên bus, hoặc còn chờ trong hộp thư đi | Whether the "
            "update event reached the bus or waits in the outbox"
        )
    )


class PrefillEvidenceItem(EvidenceItem):
    valid: bool = Field(description="Còn hiệu lực hôm nay | Valid today")
    basis: Literal["legal_basis", "consent"] = Field(
        description="Căn cứ được dùng: pháp luật hay đồng ý | Covered by law or by consent"
    )
    consent_id: str | None = Field(description="Đồng ý được dựa vào | The consent relied on")


class ProcedureRef(_Answer):
    code: str = Field(description="Mã thủ tục hành chính | Procedure code")
    name: str = Field(description="Tên thủ tục | Procedure name")


class PrefillAnswer(_Answer):
    """Giấy tờ dùng lại được để điền sẵn hồ sơ | The evidence the agency may reuse."""

    subject_id: str
    procedure: ProcedureRef
    agency: str = Field(description="Cơ quan hỏi | The asking agency")
    evidence: list[PrefillEvidenceItem] = Field(
        description="Phiên bản hiện hành được phép xem | Versions in force the agency may read"
    )
    not_on_file: list[str] = Field(
        description="Loại được phép nhưng kho chưa có: hồ sơ phải xin | Covered but not held"
    )
    withheld: list[WithheldEvidence] = Field(
        description="Loại không được cung cấp | Types withheld (whether held is not revealed)"
    )
    legal_basis: str | None = Field(description="Văn bản pháp luật | The law the procedure cites")


class HistoryAnswer(_Answer):
    evidence_id: str
    versions: list[EvidenceItem] = Field(
        min_length=1, description="Mọi phiên bản, cũ trước | Every version, oldest first"
    )


class MyEvidenceItem(EvidenceItem):
    valid: bool = Field(description="Còn hiệu lực hôm nay | Valid today")


class MyEvidence(_Answer):
    subject_id: str
    evidence: list[MyEvidenceItem] = Field(
        description="Phiên bản hiện hành của từng giấy tờ | The version in force of each"
    )


class ConsentItem(_Answer):
    """Một đồng ý của chủ thể | One of the subject's consents."""

    consent_id: str = Field(pattern="^cs_[0-9a-f]{16}$")
    agency: str = Field(description="Cơ quan được dùng giấy tờ | The agency it lets reuse them")
    purpose: str = Field(description="Mã thủ tục là mục đích | The procedure it is for")
    evidence_types: list[str] = Field(description="Loại giấy tờ | Evidence types covered")
    granted_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    state: Literal["active", "expired", "revoked"]


class ConsentList(_Answer):
    consents: list[ConsentItem] = Field(description="Mới nhất trước | Newest first")


class AccessLogEvidence(_Answer):
    evidence_id: str
    version: int | None = Field(description="null: cả lịch sử | null: the whole history")


class AccessLogEntry(_Answer):
    """Một lần dữ liệu của chủ thể được dùng | One use of the subject's data."""

    seq: int = Field(ge=1, description="Số thứ tự nhật ký kiểm toán | Audit log position")
    at: dt.datetime = Field(description="Thời điểm, giờ Việt Nam | When, in Vietnam time")
    action: str = Field(
        description=(
            "evidence.record, evidence.read, evidence.refused, consent.grant, consent.revoke"
        )
    )
    agency: str | None = Field(description="Cơ quan, null: chính chủ thể | Agency, or null")
    agency_name: str | None = Field(description="Tên cơ quan | The agency's name")
    procedure: ProcedureRef | None = Field(description="Thủ tục liên quan | For this procedure")
    evidence: list[AccessLogEvidence] = Field(description="Giấy tờ liên quan | Evidence touched")
    refused: str | None = Field(description="Mã lỗi nếu bị từ chối | Refusal code, if refused")
    summary: str = Field(description="Mô tả tiếng Việt | What happened, in Vietnamese")


class AccessLogPage(_Answer):
    subject_id: str
    entries: list[AccessLogEntry]
    next: int | None = Field(
        description="Giá trị after cho trang sau, null khi hết | 'after' of the next page"
    )


class Me(_Answer):
    subject_id: str = Field(description="Số CCCD hoặc mã số thuế | CCCD or tax code (MST)")
    kind: Literal["citizen", "organisation"] = Field(description="Công dân hay tổ chức | Kind")


ANSWER_MODELS: list[type[BaseModel]] = [
    RecordAnswer,
    PrefillAnswer,
    HistoryAnswer,
    MyEvidence,
    ConsentList,
    AccessLogPage,
    Me,
]
"""Answers, described in "serialization" mode (what the hub writes)."""

REQUEST_MODELS: list[type[BaseModel]] = [EvidenceInput, ConsentInput]
"""Request bodies, described in "validation" mode (what the endpoints accept)."""
