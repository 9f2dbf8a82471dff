"""The route table's endpoints for the provide-once store: issuers record evidence, agencies
prefill dossiers, and the subject's own pages (/me)."""

from __future__ import annotations

from hub.app.api import evidence, me
from hub.app.api.documented_refusals import (
    AGENCY_401,
    EITHER_401,
    MALFORMED_JSON,
    NOT_JSON,
    OVER_16K,
    SUBJECT_401,
    UNAVAILABLE,
    error,
)
from hub.app.api.endpoint import Access, Answer, Body, Endpoint, Parameter
from hub.app.api.provide_once_answers import (
    AccessLogPage,
    ConsentItem,
    ConsentList,
    HistoryAnswer,
    Me,
    MyEvidence,
    PrefillAnswer,
    RecordAnswer,
)
from hub.provide_once.consent import ConsentInput
from hub.provide_once.evidence import EvidenceInput

_NOT_A_SUBJECT = error("not_a_subject: mã của cơ quan trên trang của công dân | An agency token")
_BAD_PAGING = error("after hoặc limit sai | bad_query; `parameter` names it")
_SUBJECT_ID = Parameter(
    "subject_id", "path", "Số CCCD (12 chữ số) hoặc mã số thuế | CCCD or tax code"
)
_PAGING = (
    Parameter(
        "after",
        "query",
        "Sau số thứ tự này (mặc định 0) | After this seq (default 0)",
        {"type": "integer", "minimum": 0},
    ),
    Parameter(
        "limit",
        "query",
        "Số mục tối đa (mặc định 100) | Entries per page (default 100)",
        {"type": "integer", "minimum": 1, "maximum": 500},
    ),
)

_EVIDENCE = (
    Endpoint(
        "POST",
        "/api/v1/evidence",
        evidence.record_evidence,
        "record_evidence",
        "Ghi hoặc đính chính giấy tờ | Record evidence, or correct it",
        {
            201: Answer("Giấy tờ mới | Created", RecordAnswer),
            200: Answer("Đính chính hoặc không đổi | Corrected or unchanged", RecordAnswer),
            400: MALFORMED_JSON,
            401: AGENCY_401,
            403: error(
                "not_a_producer; not_issuer (field: issuing_agency): không phải cơ quan cấp loại "
                "giấy tờ này | Not the type's issuer"
            ),
            413: error("Quá 64 KiB | payload_too_large (limit)"),
            415: NOT_JSON,
            422: error(
                "Trường sai, `field` nêu trường | invalid_field (with problems), cccd, mst, "
                "identifier_shape, unknown_evidence_type, subject_kind, issued_in_future, "
                "valid_until_after_issue, file_reference, evidence_id_taken (the id names another "
                "subject's or type's evidence)"
            ),
            503: UNAVAILABLE,
        },
        access=Access.AGENCY,
        description=(
            "Cơ quan cấp ghi giấy tờ một lần; cùng nội dung gửi lại không ghi gì, nội dung khác "
            "với cùng evidence_id là phiên bản mới. Mọi chuỗi, kể cả tên và giá trị trong "
            "attributes, được chuẩn hoá Unicode NFC khi nhận. | For the issuing agency's producer "
            "token. The same content again changes nothing (unchanged); other content under the "
            "same evidence_id is the next version (corrected). valid_until defaults to the "
            "type's validity. file_uri and file_sha256 go together. Every text, attribute names "
            "and values included, is normalised to Unicode NFC on the way in: text sent "
            "decomposed (NFD) is stored, compared and answered composed, and the length limits "
            "count the composed form. Each version is published as an update event."
        ),
        body=Body(EvidenceInput, "Giấy tờ | The evidence (64 KiB at most)"),
        tags=("provide-once",),
    ),
    Endpoint(
        "GET",
        "/api/v1/evidence/{evidence_id:path}/history",
        evidence.evidence_history,
        "evidence_history",
        "Lịch sử phiên bản giấy tờ | Every version of one evidence",
        {
            200: Answer("Các phiên bản | The versions", HistoryAnswer),
            401: EITHER_401,
            404: error(
                "unknown_evidence: không có giấy tờ này, hoặc bên gọi không phải chủ thể hay cơ "
                "quan cấp | No such evidence, or not the caller's to see"
            ),
            503: UNAVAILABLE,
        },
        access=Access.AGENCY_OR_SUBJECT,
        description=(
            "Cho chủ thể (phiên đăng nhập) hoặc cơ quan cấp (mã truy cập); lần xem của cơ quan "
            "được ghi vào nhật ký truy cập của chủ thể. | For the subject or the issuing agency. "
            "The id may contain '/', percent-encoded or not."
        ),
        parameters=(Parameter("evidence_id", "path", "Mã giấy tờ | Evidence id"),),
        tags=("provide-once",),
    ),
    Endpoint(
        "GET",
        "/api/v1/subjects/{subject_id}/prefill",
        evidence.prefill,
        "prefill",
        "Điền sẵn hồ sơ | The evidence a procedure needs, for prefill",
        {
            200: Answer("Giấy tờ được phép | What may be reused", PrefillAnswer),
            401: AGENCY_401,
            403: error(
                "not_a_consumer; no_consent, consent_expired, consent_revoked, "
                "consent_other_purpose hoặc not_covered, với `missing` | Nothing covered"
            ),
            404: error("unknown_subject: kho chưa có giấy tờ của chủ thể"),
            422: error(
                "cccd, mst, identifier_shape (field: subject_id); unknown_procedure (field: "
                "procedure, also when it is missing)"
            ),
            503: UNAVAILABLE,
        },
        access=Access.AGENCY,
        description=(
            "Từng loại giấy tờ thủ tục cần chỉ được cung cấp khi có căn cứ pháp lý hoặc đồng ý "
            "của chủ thể; không loại nào được phép là 403 kèm `missing`. | For a consumer token. "
            "Each type the procedure needs is given only where the law or the subject's consent "
            "covers the agency and the procedure; the others are `withheld`. Nothing covered is "
            "a 403 listing `missing`. Audited."
        ),
        parameters=(
            _SUBJECT_ID,
            Parameter(
                "procedure",
                "query",
                "Mã thủ tục hành chính | Procedure code, e.g. 1.003614",
                required=True,
            ),
        ),
        tags=("provide-once",),
    ),
    Endpoint(
        "GET",
        "/api/v1/subjects/{subject_id}/access-log",
        evidence.subject_access_log,
        "subject_access_log",
        "Nhật ký truy cập của chủ thể | A subject's access log",
        {
            200: Answer("Một trang nhật ký | A page of entries", AccessLogPage),
            400: _BAD_PAGING,
            401: EITHER_401,
            403: error("not_your_data (another subject); not_admin (agency token)"),
            422: error("Mã chủ thể sai (quản trị viên) | cccd, mst, identifier_shape"),
            503: UNAVAILABLE,
        },
        access=Access.AGENCY_OR_SUBJECT,
        description=(
            "Cho chính chủ thể (phiên đăng nhập) hoặc quản trị viên (mã truy cập admin). | For "
            "the subject itself, or an admin token; a subject asking for another subject's log "
            "is refused, and the attempt is audited."
        ),
        parameters=(_SUBJECT_ID, *_PAGING),
        tags=("provide-once",),
    ),
)

_CONSENT = Answer("Đồng ý | The consent", ConsentItem)

_ME = (
    Endpoint(
        "GET",
        "/api/v1/me",
        me.who_am_i,
        "who_am_i",
        "Ai đang đăng nhập | Who is signed in",
        {200: Answer("Chủ thể | The subject", Me), 401: SUBJECT_401, 403: _NOT_A_SUBJECT},
        access=Access.SUBJECT,
        tags=("me",),
    ),
    Endpoint(
        "GET",
        "/api/v1/me/evidence",
        me.my_evidence,
        "my_evidence",
        "Giấy tờ của tôi | The evidence the state holds about me",
        {
            200: Answer("Phiên bản hiện hành | The versions in force", MyEvidence),
            401: SUBJECT_401,
            403: _NOT_A_SUBJECT,
            503: UNAVAILABLE,
        },
        access=Access.SUBJECT,
        tags=("me",),
    ),
    Endpoint(
        "GET",
        "/api/v1/me/consents",
        me.my_consents,
        "my_consents",
        "Các đồng ý của tôi | My consents",
        {
            200: Answer("Mới nhất trước | Newest first", ConsentList),
            401: SUBJECT_401,
            403: _NOT_A_SUBJECT,
            503: UNAVAILABLE,
        },
        access=Access.SUBJECT,
        tags=("me",),
    ),
    Endpoint(
        "POST",
        "/api/v1/me/consents",
        me.grant_consent,
        "grant_consent",
        "Đồng ý cho cơ quan dùng giấy tờ | Let an agency reuse evidence",
        {
            201: _CONSENT,
            400: MALFORMED_JSON,
            401: SUBJECT_401,
            403: _NOT_A_SUBJECT,
            413: OVER_16K,
            415: NOT_JSON,
            422: error(
                "Trường sai, `field` nêu trường | invalid_field (with problems), unknown_agency, "
                "unknown_procedure, unknown_evidence_type, subject_kind, not_required, "
                "expires_in_past, expires_too_late"
            ),
            503: UNAVAILABLE,
        },
        access=Access.SUBJECT,
        description=(
            "purpose là mã thủ tục; chỉ các loại giấy tờ thủ tục cần; hiệu lực tối đa 5 năm. | "
            "purpose is a procedure code; only types the procedure needs; expires_at (with a UTC "
            "offset) within 5 years."
        ),
        body=Body(ConsentInput, "Đồng ý | The consent (16 KiB at most)"),
        tags=("me",),
    ),
    Endpoint(
        "DELETE",
        "/api/v1/me/consents/{consent_id}",
        me.revoke_consent,
        "revoke_consent",
        "Rút đồng ý | Revoke a consent",
        {
            200: _CONSENT,
            401: SUBJECT_401,
            403: _NOT_A_SUBJECT,
            404: error("unknown_consent: không có, hoặc của người khác | Not yours"),
            503: UNAVAILABLE,
        },
        access=Access.SUBJECT,
        description=(
            "Có hiệu lực ngay; rút lại lần nữa không đổi gì. | Takes effect at once; revoking "
            "again answers the consent unchanged."
        ),
        parameters=(Parameter("consent_id", "path", "Mã đồng ý, cs_… | Consent id"),),
        tags=("me",),
    ),
    Endpoint(
        "GET",
        "/api/v1/me/access-log",
        me.my_access_log,
        "my_access_log",
        "Ai đã dùng dữ liệu của tôi | Who used my data, when, for what",
        {
            200: Answer("Một trang nhật ký | A page of entries", AccessLogPage),
            400: _BAD_PAGING,
            401: SUBJECT_401,
            403: _NOT_A_SUBJECT,
            503: UNAVAILABLE,
        },
        access=Access.SUBJECT,
        parameters=_PAGING,
        tags=("me",),
    ),
)

PROVIDE_ONCE_ENDPOINTS: tuple[Endpoint, ...] = (*_EVIDENCE, *_ME)
