"""The OpenAPI description of the provide-once store's endpoints (hub/api/evidence.py and
hub/api/me.py), merged into ``/openapi.json`` by hub/api/openapi.py.

Request bodies are the very models the endpoints parse (EvidenceInput, ConsentInput, in
"validation" mode); answers are the closed models of hub/api/provide_once_answers.py.
"""

from __future__ import annotations

from typing import Any

from hub.app.api.openapi_parts import answer, error_answer, path_parameter, request_body

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


_Security = list[dict[str, list[str]]]
_AGENCY: _Security = [{"bearer": []}]
_SUBJECT: _Security = [{"subject": []}]
_EITHER: _Security = [{"bearer": []}, {"subject": []}]

_SUBJECT_ID = path_parameter("subject_id", "Số CCCD (12 chữ số) hoặc mã số thuế | CCCD or tax code")
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

_AGENCY_401 = error_answer(
    "Thiếu hoặc sai mã truy cập | missing_token, malformed_token, unknown_token, "
    "revoked_token, expired_token"
)
_SUBJECT_401 = error_answer(
    "Thiếu hoặc sai phiên đăng nhập | missing_token, malformed_token, invalid_token, "
    "expired_token, invalid_subject"
)
_EITHER_401 = error_answer(
    "Thiếu hoặc sai mã truy cập hay phiên đăng nhập | The agency token's or the JWT's codes"
)
_NOT_A_SUBJECT = "not_a_subject: mã của cơ quan trên trang của công dân | An agency token"
_BAD_PAGING = error_answer("after hoặc limit sai | bad_query; `parameter` names it")
_503 = error_answer(
    "Cơ sở dữ liệu hoặc hệ thống định danh không truy cập được; thử lại | service_unavailable"
)


def _subject_page(
    summary: str, ok: dict[str, Any], more: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A GET of the subject's own pages: a subject token, a 200, and the refusals they share."""
    responses = {
        "200": ok,
        "401": _SUBJECT_401,
        "403": error_answer(_NOT_A_SUBJECT),
        "503": _503,
    }
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
                "requestBody": request_body(
                    "EvidenceInput", "Giấy tờ | The evidence (64 KiB at most)"
                ),
                "responses": {
                    "201": answer("Giấy tờ mới | Created", "RecordAnswer"),
                    "200": answer(
                        "Đính chính hoặc không đổi | Corrected or unchanged", "RecordAnswer"
                    ),
                    "400": error_answer("JSON không hợp lệ | malformed_json"),
                    "401": _AGENCY_401,
                    "403": error_answer(
                        "not_a_producer; not_issuer (field: issuing_agency): không phải cơ quan "
                        "cấp loại giấy tờ này | Not the type's issuer"
                    ),
                    "413": error_answer("Quá 64 KiB | payload_too_large (limit)"),
                    "415": error_answer("Không phải application/json | unsupported_media_type"),
                    "422": error_answer(
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
                "parameters": [path_parameter("evidence_id", "Mã giấy tờ | Evidence id")],
                "responses": {
                    "200": answer("Các phiên bản | The versions", "HistoryAnswer"),
                    "401": _EITHER_401,
                    "404": error_answer(
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
                    "200": answer("Giấy tờ được phép | What may be reused", "PrefillAnswer"),
                    "401": _AGENCY_401,
                    "403": error_answer(
                        "not_a_consumer; no_consent, consent_expired, consent_revoked, "
                        "consent_other_purpose hoặc not_covered, với `missing` | Nothing covered"
                    ),
                    "404": error_answer("unknown_subject: kho chưa có giấy tờ của chủ thể"),
                    "422": error_answer(
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
                    "200": answer("Một trang nhật ký | A page of entries", "AccessLogPage"),
                    "400": _BAD_PAGING,
                    "401": _EITHER_401,
                    "403": error_answer(
                        "not_your_data (another subject); not_admin (agency token)"
                    ),
                    "422": error_answer(
                        "Mã chủ thể sai (quản trị viên) | cccd, mst, identifier_shape"
                    ),
                    "503": _503,
                },
            }
        },
    }


def _me_paths() -> dict[str, Any]:
    consent_answer = answer("Đồng ý | The consent", "ConsentItem")
    return {
        "/api/v1/me": {
            "get": {
                "summary": "Ai đang đăng nhập | Who is signed in",
                "security": _SUBJECT,
                "responses": {
                    "200": answer("Chủ thể | The subject", "Me"),
                    "401": _SUBJECT_401,
                    "403": error_answer(_NOT_A_SUBJECT),
                },
            }
        },
        "/api/v1/me/evidence": {
            "get": _subject_page(
                "Giấy tờ của tôi | The evidence the state holds about me",
                answer("Phiên bản hiện hành | The versions in force", "MyEvidence"),
            )
        },
        "/api/v1/me/consents": {
            "get": _subject_page(
                "Các đồng ý của tôi | My consents",
                answer("Mới nhất trước | Newest first", "ConsentList"),
            ),
            "post": {
                "summary": "Đồng ý cho cơ quan dùng giấy tờ | Let an agency reuse evidence",
                "description": (
                    "purpose là mã thủ tục; chỉ các loại giấy tờ thủ tục cần; hiệu lực tối đa 5 "
                    "năm. | purpose is a procedure code; only types the procedure needs; "
                    "expires_at (with a UTC offset) within 5 years."
                ),
                "security": _SUBJECT,
                "requestBody": request_body(
                    "ConsentInput", "Đồng ý | The consent (16 KiB at most)"
                ),
                "responses": {
                    "201": consent_answer,
                    "400": error_answer("JSON không hợp lệ | malformed_json"),
                    "401": _SUBJECT_401,
                    "403": error_answer(_NOT_A_SUBJECT),
                    "413": error_answer("Quá 16 KiB | payload_too_large (limit)"),
                    "415": error_answer("Không phải application/json | unsupported_media_type"),
                    "422": error_answer(
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
                "parameters": [path_parameter("consent_id", "Mã đồng ý, cs_… | Consent id")],
                "responses": {
                    "200": consent_answer,
                    "401": _SUBJECT_401,
                    "403": error_answer(_NOT_A_SUBJECT),
                    "404": error_answer(
                        "unknown_consent: không có, hoặc của người khác | Not yours"
                    ),
                    "503": _503,
                },
            }
        },
        "/api/v1/me/access-log": {
            "get": {
                **_subject_page(
                    "Ai đã dùng dữ liệu của tôi | Who used my data, when, for what",
                    answer("Một trang nhật ký | A page of entries", "AccessLogPage"),
                    {"400": _BAD_PAGING},
                ),
                "parameters": _PAGING,
            }
        },
    }


def provide_once_paths() -> dict[str, Any]:
    """The path items of the provide-once endpoints."""
    return {**_evidence_paths(), **_me_paths()}
