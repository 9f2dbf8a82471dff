"""The OpenAPI description of the provide-once store's endpoints (hub/api/evidence.py and
hub/api/me.py), merged into ``/openapi.json`` by hub/api/openapi.py.

Request bodies are the very models the endpoints parse (EvidenceInput, ConsentInput, in
"validation" mode); answers are described by the models below, closed
(``additionalProperties: false``) so that a key the code adds without documenting it fails the
tests that validate real answers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.provide_once.consent import ConsentInput
from hub.provide_once.evidence import EvidenceInput

_REF = "#/components/schemas/{model}"


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


SUBJECT_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": (
        "Phiên đăng nhập của công dân, tổ chức (JWT của hệ thống định danh của tỉnh) | A "
        "citizen's or organisation's sign-in token: a JWT whose subject is their CCCD or MST"
    ),
}
"""The security scheme of the subject's own pages (``/api/v1/me``…)."""


def _json(model: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _REF.format(model=model)}}}


def _answer(description: str, model: str) -> dict[str, Any]:
    return {"description": description, "content": _json(model)}


def _error(description: str) -> dict[str, Any]:
    return _answer(description, "ErrorAnswer")


def _body(model: str, description: str) -> dict[str, Any]:
    return {"required": True, "description": description, "content": _json(model)}


def _path(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": description,
    }


_Security = list[dict[str, list[str]]]
_AGENCY: _Security = [{"bearer": []}]
_SUBJECT: _Security = [{"subject": []}]
_EITHER: _Security = [{"bearer": []}, {"subject": []}]

_SUBJECT_ID = _path("subject_id", "Số CCCD (12 chữ số) hoặc mã số thuế | CCCD or tax code")
_PAGING = [
    {
        "name": "after",
        "in": "query",
        "schema": {"type": "integer", "minimum": 0},
        "description": "Sau số thứ tự này (mặc định 0) | After this seq (default 0)",
    },
    {
        "name": "limit",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 500},
        "description": "Số mục tối đa (mặc định 100) | Entries per page (default 100)",
    },
]

_AGENCY_401 = _error(
    "Thiếu hoặc sai mã truy cập | missing_token, malformed_token, unknown_token, "
    "revoked_token, expired_token"
)
_SUBJECT_401 = _error(
    "Thiếu hoặc sai phiên đăng nhập | missing_token, malformed_token, invalid_token, "
    "expired_token, invalid_subject"
)
_EITHER_401 = _error(
    "Thiếu hoặc sai mã truy cập hay phiên đăng nhập | The agency token's or the JWT's codes"
)
_NOT_A_SUBJECT = "not_a_subject: mã của cơ quan trên trang của công dân | An agency token"
_BAD_PAGING = _error("after hoặc limit sai | bad_query; `parameter` names it")
_503 = _error(
    "Cơ sở dữ liệu hoặc hệ thống định danh không truy cập được; thử lại | service_unavailable"
)


def _subject_page(
    summary: str, answer: dict[str, Any], more: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A GET of the subject's own pages: a subject token, a 200, and the refusals they share."""
    responses = {"200": answer, "401": _SUBJECT_401, "403": _error(_NOT_A_SUBJECT), "503": _503}
    return {"summary": summary, "security": _SUBJECT, "responses": {**responses, **(more or {})}}


def _evidence_paths() -> dict[str, Any]:
    return {
        "/api/v1/evidence": {
            "post": {
                "summary": "Ghi hoặc đính chính giấy tờ | Record evidence, or correct it",
                "description": (
                    "Cơ quan cấp ghi giấy tờ một lần; cùng nội dung gửi lại không ghi gì, nội "
                    "dung khác với cùng evidence_id là phiên bản mới. | For the issuing agency's "
                    "producer token. The same content again changes nothing (unchanged); other "
                    "content under the same evidence_id is the next version (corrected). "
                    "valid_until defaults to the type's validity. file_uri and file_sha256 go "
                    "together. Each version is published as an update event."
                ),
                "security": _AGENCY,
                "requestBody": _body("EvidenceInput", "Giấy tờ | The evidence (64 KiB at most)"),
                "responses": {
                    "201": _answer("Giấy tờ mới | Created", "RecordAnswer"),
                    "200": _answer(
                        "Đính chính hoặc không đổi | Corrected or unchanged", "RecordAnswer"
                    ),
                    "400": _error("JSON không hợp lệ | malformed_json"),
                    "401": _AGENCY_401,
                    "403": _error(
                        "not_a_producer; not_issuer (field: issuing_agency): không phải cơ quan "
                        "cấp loại giấy tờ này | Not the type's issuer"
                    ),
                    "413": _error("Quá 64 KiB | payload_too_large (limit)"),
                    "415": _error("Không phải application/json | unsupported_media_type"),
                    "422": _error(
                        "Trường sai, `field` nêu trường | invalid_field (with problems), cccd, "
                        "mst, identifier_shape, unknown_evidence_type, subject_kind, "
                        "issued_in_future, valid_until_after_issue, file_reference, "
                        "evidence_id_taken (the id names another subject's or type's evidence)"
                    ),
                    "503": _503,
                },
            }
        },
        "/api/v1/evidence/{evidence_id}/history": {
            "get": {
                "summary": "Lịch sử phiên bản giấy tờ | Every version of one evidence",
                "description": (
                    "Cho chủ thể (phiên đăng nhập) hoặc cơ quan cấp (mã truy cập); lần xem của "
                    "cơ quan được ghi vào nhật ký truy cập của chủ thể. | For the subject or "
                    "the issuing agency. The id may contain '/', percent-encoded or not."
                ),
                "security": _EITHER,
                "parameters": [_path("evidence_id", "Mã giấy tờ | Evidence id")],
                "responses": {
                    "200": _answer("Các phiên bản | The versions", "HistoryAnswer"),
                    "401": _EITHER_401,
                    "404": _error(
                        "unknown_evidence: không có giấy tờ này, hoặc bên gọi không phải chủ thể"
                        " hay cơ quan cấp | No such evidence, or not the caller's to see"
                    ),
                    "503": _503,
                },
            }
        },
        "/api/v1/subjects/{subject_id}/prefill": {
            "get": {
                "summary": "Điền sẵn hồ sơ | The evidence a procedure needs, for prefill",
                "description": (
                    "Từng loại giấy tờ thủ tục cần chỉ được cung cấp khi có căn cứ pháp lý hoặc "
                    "đồng ý của chủ thể; không loại nào được phép là 403 kèm `missing`. | For a "
                    "consumer token. Each type the procedure needs is given only where the law "
                    "or the subject's consent covers the agency and the procedure; the others "
                    "are `withheld`. Nothing covered is a 403 listing `missing`. Audited."
                ),
                "security": _AGENCY,
                "parameters": [
                    _SUBJECT_ID,
                    {
                        "name": "procedure",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string"},
                        "description": "Mã thủ tục hành chính | Procedure code, e.g. 1.003614",
                    },
                ],
                "responses": {
                    "200": _answer("Giấy tờ được phép | What may be reused", "PrefillAnswer"),
                    "401": _AGENCY_401,
                    "403": _error(
                        "not_a_consumer; no_consent, consent_expired, consent_revoked, "
                        "consent_other_purpose hoặc not_covered, với `missing` | Nothing covered"
                    ),
                    "404": _error("unknown_subject: kho chưa có giấy tờ của chủ thể"),
                    "422": _error(
                        "cccd, mst, identifier_shape (field: subject_id); unknown_procedure "
                        "(field: procedure, also when it is missing)"
                    ),
                    "503": _503,
                },
            }
        },
        "/api/v1/subjects/{subject_id}/access-log": {
            "get": {
                "summary": "Nhật ký truy cập của chủ thể | A subject's access log",
                "description": (
                    "Cho chính chủ thể (phiên đăng nhập) hoặc quản trị viên (mã truy cập admin). "
                    "| For the subject itself, or an admin token; a subject asking for another "
                    "subject's log is refused, and the attempt is audited."
                ),
                "security": _EITHER,
                "parameters": [_SUBJECT_ID, *_PAGING],
                "responses": {
                    "200": _answer("Một trang nhật ký | A page of entries", "AccessLogPage"),
                    "400": _BAD_PAGING,
                    "401": _EITHER_401,
                    "403": _error("not_your_data (another subject); not_admin (agency token)"),
                    "422": _error("Mã chủ thể sai (quản trị viên) | cccd, mst, identifier_shape"),
                    "503": _503,
                },
            }
        },
    }


def _me_paths() -> dict[str, Any]:
    consent_answer = _answer("Đồng ý | The consent", "ConsentItem")
    return {
        "/api/v1/me": {
            "get": {
                "summary": "Ai đang đăng nhập | Who is signed in",
                "security": _SUBJECT,
                "responses": {
                    "200": _answer("Chủ thể | The subject", "Me"),
                    "401": _SUBJECT_401,
                    "403": _error(_NOT_A_SUBJECT),
                },
            }
        },
        "/api/v1/me/evidence": {
            "get": _subject_page(
                "Giấy tờ của tôi | The evidence the state holds about me",
                _answer("Phiên bản hiện hành | The versions in force", "MyEvidence"),
            )
        },
        "/api/v1/me/consents": {
            "get": _subject_page(
                "Các đồng ý của tôi | My consents",
                _answer("Mới nhất trước | Newest first", "ConsentList"),
            ),
            "post": {
                "summary": "Đồng ý cho cơ quan dùng giấy tờ | Let an agency reuse evidence",
                "description": (
                    "purpose là mã thủ tục; chỉ các loại giấy tờ thủ tục cần; hiệu lực tối đa 5 "
                    "năm. | purpose is a procedure code; only types the procedure needs; "
                    "expires_at (with a UTC offset) within 5 years."
                ),
                "security": _SUBJECT,
                "requestBody": _body("ConsentInput", "Đồng ý | The consent (16 KiB at most)"),
                "responses": {
                    "201": consent_answer,
                    "400": _error("JSON không hợp lệ | malformed_json"),
                    "401": _SUBJECT_401,
                    "403": _error(_NOT_A_SUBJECT),
                    "413": _error("Quá 16 KiB | payload_too_large (limit)"),
                    "415": _error("Không phải application/json | unsupported_media_type"),
                    "422": _error(
                        "Trường sai, `field` nêu trường | invalid_field (with problems), "
                        "unknown_agency, unknown_procedure, unknown_evidence_type, subject_kind, "
                        "not_required, expires_in_past, expires_too_late"
                    ),
                    "503": _503,
                },
            },
        },
        "/api/v1/me/consents/{consent_id}": {
            "delete": {
                "summary": "Rút đồng ý | Revoke a consent",
                "description": (
                    "Có hiệu lực ngay; rút lại lần nữa không đổi gì. | Takes effect at once; "
                    "revoking again answers the consent unchanged."
                ),
                "security": _SUBJECT,
                "parameters": [_path("consent_id", "Mã đồng ý, cs_… | Consent id")],
                "responses": {
                    "200": consent_answer,
                    "401": _SUBJECT_401,
                    "403": _error(_NOT_A_SUBJECT),
                    "404": _error("unknown_consent: không có, hoặc của người khác | Not yours"),
                    "503": _503,
                },
            }
        },
        "/api/v1/me/access-log": {
            "get": {
                **_subject_page(
                    "Ai đã dùng dữ liệu của tôi | Who used my data, when, for what",
                    _answer("Một trang nhật ký | A page of entries", "AccessLogPage"),
                    {"400": _BAD_PAGING},
                ),
                "parameters": _PAGING,
            }
        },
    }


def provide_once_paths() -> dict[str, Any]:
    """The path items of the provide-once endpoints."""
    return {**_evidence_paths(), **_me_paths()}
