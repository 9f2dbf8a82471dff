"""The answers of the provide-once store's endpoints as pydantic models, returned by the
handlers and described in ``/openapi.json``. Closed (``additionalProperties: false``), so that a
key the code adds without documenting it fails the tests that validate real answers."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from hub.app.api.answers import Closed, Moment, WithheldEvidence


class EvidenceFile(Closed):
    uri: str = Field(description="Đường dẫn tệp | Where the file is kept")
    sha256: str = Field(pattern="^[0-9a-f]{64}$", description="Băm SHA-256 | File hash")


class EvidenceItem(Closed):
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
    recorded_at: Moment = Field(description="Thời điểm ghi (UTC) | When recorded (UTC)")
    recorded_by: str = Field(description="Người ghi, ví dụ token:<id> | Who recorded it")
    correction_reason: str | None = Field(
        description="Lý do đính chính | Why this version corrects the one before"
    )


class RecordAnswer(Closed):
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


class ProcedureRef(Closed):
    code: str = Field(description="Mã thủ tục hành chính | Procedure code")
    name: str = Field(description="Tên thủ tục | Procedure name")


class PrefillAnswer(Closed):
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


class HistoryAnswer(Closed):
    evidence_id: str
    versions: list[EvidenceItem] = Field(
        min_length=1, description="Mọi phiên bản, cũ trước | Every version, oldest first"
    )


class MyEvidenceItem(EvidenceItem):
    valid: bool = Field(description="Còn hiệu lực hôm nay | Valid today")


class MyEvidence(Closed):
    subject_id: str
    evidence: list[MyEvidenceItem] = Field(
        description="Phiên bản hiện hành của từng giấy tờ | The version in force of each"
    )


class ConsentItem(Closed):
    """Một đồng ý của chủ thể | One of the subject's consents."""

    consent_id: str = Field(pattern="^cs_[0-9a-f]{16}$")
    agency: str = Field(description="Cơ quan được dùng giấy tờ | The agency it lets reuse them")
    purpose: str = Field(description="Mã thủ tục là mục đích | The procedure it is for")
    evidence_types: list[str] = Field(description="Loại giấy tờ | Evidence types covered")
    granted_at: Moment
    expires_at: Moment
    revoked_at: Moment | None
    state: Literal["active", "expired", "revoked"]


class ConsentList(Closed):
    consents: list[ConsentItem] = Field(description="Mới nhất trước | Newest first")


class AccessLogEvidence(Closed):
    evidence_id: str
    version: int | None = Field(description="null: cả lịch sử | null: the whole history")


class AccessLogEntry(Closed):
    """Một lần dữ liệu của chủ thể được dùng | One use of the subject's data."""

    seq: int = Field(ge=1, description="Số thứ tự nhật ký kiểm toán | Audit log position")
    at: Moment = Field(description="Thời điểm, giờ Việt Nam | When, in Vietnam time")
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


class AccessLogPage(Closed):
    subject_id: str
    entries: list[AccessLogEntry]
    next: int | None = Field(
        description="Giá trị after cho trang sau, null khi hết | 'after' of the next page"
    )


class Me(Closed):
    subject_id: str = Field(description="Số CCCD hoặc mã số thuế | CCCD or tax code (MST)")
    kind: Literal["citizen", "organisation"] = Field(description="Công dân hay tổ chức | Kind")
