"""The route table of the hub's API: every endpoint, declared once, with who may call it, the
model it parses and the model it answers for each status. The app's routes and ``/openapi.json``
are both made from it; the Confluent registry's endpoints are in hub/app/api/registry_routes.py.
"""

from __future__ import annotations

from hub.app.api import audit, datasets, evidence, ingest, me, meta, publications, stream
from hub.app.api.answers import (
    AuditPage,
    CatalogueAnswer,
    DatasetDescription,
    ErrorAnswer,
    Health,
    IngestAnswer,
    RecordBatch,
    RecordsPage,
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
from hub.app.api.publication_answers import ApprovalAnswer, PublicationList
from hub.app.api.publications import ApprovalInput, RevocationInput
from hub.provide_once.consent import ConsentInput
from hub.provide_once.evidence import EvidenceInput


def error(description: str) -> Answer:
    return Answer(description, ErrorAnswer)


_BAD_TOKEN = error("A token was sent but is malformed, unknown, revoked or expired")
_AGENCY_401 = error(
    "Thiếu hoặc sai mã truy cập | missing_token, malformed_token, unknown_token, "
    "revoked_token, expired_token"
)
_SUBJECT_401 = error(
    "Thiếu hoặc sai phiên đăng nhập | missing_token, malformed_token, invalid_token, "
    "expired_token, invalid_subject"
)
_EITHER_401 = error(
    "Thiếu hoặc sai mã truy cập hay phiên đăng nhập | The agency token's or the JWT's codes"
)
_NOT_A_SUBJECT = error("not_a_subject: mã của cơ quan trên trang của công dân | An agency token")
_BAD_PAGING = error("after hoặc limit sai | bad_query; `parameter` names it")
_UNAVAILABLE = error(
    "Cơ sở dữ liệu hoặc hệ thống định danh không truy cập được; thử lại | service_unavailable"
)
_MALFORMED_JSON = error("JSON không hợp lệ | malformed_json")
_NOT_JSON = error("Không phải application/json | unsupported_media_type")
_OVER_16K = error("Quá 16 KiB | payload_too_large (limit)")
_HIDDEN = error("Unknown dataset, or restricted to another agency")
_NOT_READER = error("Not granted to the caller's agency, or not a reader role")

_DATASET = Parameter("dataset_id", "path")
_CURSOR = Parameter(
    "after",
    "query",
    "Con trỏ 'phân_vùng:vị_trí,…' | Cursor 'partition:offset,…'",
    {"type": "string", "pattern": r"^\d+:\d+(,\d+:\d+)*$"},
)
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
_PUBLICATION_ID = Parameter(
    "publication_id", "path", "Mã ấn phẩm, ví dụ tthc.dossiers | Publication id"
)
_STEWARD_401 = _AGENCY_401
_NOT_STEWARD = error(
    "not_a_steward: mã không có vai trò steward; not_owner: không phải cơ quan chủ quản"
    " | Not a steward token of the owning agency"
)
_UNKNOWN_PUBLICATION = error("unknown_publication: không có trong danh mục dữ liệu mở")
_DB_DOWN = error("Cơ sở dữ liệu không truy cập được; thử lại | service_unavailable")


SERVICE = (
    Endpoint(
        "GET",
        "/healthz",
        meta.health,
        "health",
        "Liveness",
        {200: Answer("OK", Health)},
        access=Access.OPEN,
        tags=("service",),
    ),
    Endpoint(
        "GET",
        "/openapi.json",
        meta.serve_openapi,
        "openapi",
        "Tài liệu OpenAPI 3.1 | This document",
        {200: Answer("The OpenAPI 3.1 document of every route the app serves")},
        access=Access.OPEN,
        tags=("service",),
    ),
)

DATASETS = (
    Endpoint(
        "GET",
        "/api/v1/catalogue",
        datasets.list_catalogue,
        "list_catalogue",
        "Danh mục CSDL dùng chung | The shared-database catalogue",
        {200: Answer("Datasets visible to the caller", CatalogueAnswer), 401: _BAD_TOKEN},
        tags=("datasets",),
    ),
    Endpoint(
        "GET",
        "/api/v1/datasets/{dataset_id}",
        datasets.show_dataset,
        "show_dataset",
        "Mô tả bộ dữ liệu | One dataset's description",
        {200: Answer("The dataset", DatasetDescription), 401: _BAD_TOKEN, 404: _HIDDEN},
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
            401: _BAD_TOKEN,
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
            400: error("Malformed JSON, bad mode or key"),
            401: error("Missing, malformed, unknown, revoked or expired token"),
            403: error("Not a producer of the owning agency"),
            404: error("Unknown dataset"),
            409: error("Idempotency-Key in use or reused"),
            413: error("Body or record count over the limit"),
            415: error("Not application/json"),
            422: Answer("Invalid records (atomic mode: nothing published)", IngestAnswer),
            503: error("The bus or database is unreachable; retry"),
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
            401: _BAD_TOKEN,
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

EVIDENCE = (
    Endpoint(
        "POST",
        "/api/v1/evidence",
        evidence.record_evidence,
        "record_evidence",
        "Ghi hoặc đính chính giấy tờ | Record evidence, or correct it",
        {
            201: Answer("Giấy tờ mới | Created", RecordAnswer),
            200: Answer("Đính chính hoặc không đổi | Corrected or unchanged", RecordAnswer),
            400: _MALFORMED_JSON,
            401: _AGENCY_401,
            403: error(
                "not_a_producer; not_issuer (field: issuing_agency): không phải cơ quan cấp loại "
                "giấy tờ này | Not the type's issuer"
            ),
            413: error("Quá 64 KiB | payload_too_large (limit)"),
            415: _NOT_JSON,
            422: error(
                "Trường sai, `field` nêu trường | invalid_field (with problems), cccd, mst, "
                "identifier_shape, unknown_evidence_type, subject_kind, issued_in_future, "
                "valid_until_after_issue, file_reference, evidence_id_taken (the id names another "
                "subject's or type's evidence)"
            ),
            503: _UNAVAILABLE,
        },
        access=Access.AGENCY,
        description=(
            "Cơ quan cấp ghi giấy tờ một lần; cùng nội dung gửi lại không ghi gì, nội dung khác "
            "với cùng evidence_id là phiên bản mới. | For the issuing agency's producer token. "
            "The same content again changes nothing (unchanged); other content under the same "
            "evidence_id is the next version (corrected). valid_until defaults to the type's "
            "validity. file_uri and file_sha256 go together. Each version is published as an "
            "update event."
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
            401: _EITHER_401,
            404: error(
                "unknown_evidence: không có giấy tờ này, hoặc bên gọi không phải chủ thể hay cơ "
                "quan cấp | No such evidence, or not the caller's to see"
            ),
            503: _UNAVAILABLE,
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
            401: _AGENCY_401,
            403: error(
                "not_a_consumer; no_consent, consent_expired, consent_revoked, "
                "consent_other_purpose hoặc not_covered, với `missing` | Nothing covered"
            ),
            404: error("unknown_subject: kho chưa có giấy tờ của chủ thể"),
            422: error(
                "cccd, mst, identifier_shape (field: subject_id); unknown_procedure (field: "
                "procedure, also when it is missing)"
            ),
            503: _UNAVAILABLE,
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
            401: _EITHER_401,
            403: error("not_your_data (another subject); not_admin (agency token)"),
            422: error("Mã chủ thể sai (quản trị viên) | cccd, mst, identifier_shape"),
            503: _UNAVAILABLE,
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

ME = (
    Endpoint(
        "GET",
        "/api/v1/me",
        me.who_am_i,
        "who_am_i",
        "Ai đang đăng nhập | Who is signed in",
        {200: Answer("Chủ thể | The subject", Me), 401: _SUBJECT_401, 403: _NOT_A_SUBJECT},
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
            401: _SUBJECT_401,
            403: _NOT_A_SUBJECT,
            503: _UNAVAILABLE,
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
            401: _SUBJECT_401,
            403: _NOT_A_SUBJECT,
            503: _UNAVAILABLE,
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
            400: _MALFORMED_JSON,
            401: _SUBJECT_401,
            403: _NOT_A_SUBJECT,
            413: _OVER_16K,
            415: _NOT_JSON,
            422: error(
                "Trường sai, `field` nêu trường | invalid_field (with problems), unknown_agency, "
                "unknown_procedure, unknown_evidence_type, subject_kind, not_required, "
                "expires_in_past, expires_too_late"
            ),
            503: _UNAVAILABLE,
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
            401: _SUBJECT_401,
            403: _NOT_A_SUBJECT,
            404: error("unknown_consent: không có, hoặc của người khác | Not yours"),
            503: _UNAVAILABLE,
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
            401: _SUBJECT_401,
            403: _NOT_A_SUBJECT,
            503: _UNAVAILABLE,
        },
        access=Access.SUBJECT,
        parameters=_PAGING,
        tags=("me",),
    ),
)

_APPROVAL_BODY_ERRORS = {400: _MALFORMED_JSON, 413: _OVER_16K, 415: _NOT_JSON}

PUBLICATIONS = (
    Endpoint(
        "GET",
        "/api/v1/publications",
        publications.list_publications,
        "list_publications",
        "Danh mục dữ liệu mở và phê duyệt | Publications and their approvals",
        {
            200: Answer("Các ấn phẩm | The publications", PublicationList),
            401: error("Có gửi mã nhưng mã sai | A token was sent but is not valid"),
            503: _DB_DOWN,
        },
        description=(
            "Công khai. Chỉ ấn phẩm open hoặc approved được đưa lên cổng dữ liệu mở. | Public. "
            "Publications of a restricted dataset are listed only to its owner."
        ),
        tags=("open data",),
    ),
    Endpoint(
        "POST",
        "/api/v1/publications/{publication_id}/approval",
        publications.grant_approval,
        "grant_approval",
        "Phê duyệt công bố | Approve a publication",
        {
            201: Answer("Phê duyệt | The approval", ApprovalAnswer),
            200: Answer("Đã duyệt từ trước | Already approved", ApprovalAnswer),
            **_APPROVAL_BODY_ERRORS,
            401: _STEWARD_401,
            403: _NOT_STEWARD,
            404: _UNKNOWN_PUBLICATION,
            422: error(
                "restricted_dataset, no_open_projection, unknown_dataset; invalid_field (field "
                "names it) | The catalogue forbids it, or a bad body"
            ),
            503: _DB_DOWN,
        },
        access=Access.AGENCY,
        description=(
            "Người quản lý dữ liệu (steward) của cơ quan chủ quản duyệt đúng bản đặc tả hiện "
            "tại; sửa đặc tả sau đó thì phải duyệt lại. | A steward token of the owning agency "
            "approves the current spec (its digest and JSON are kept). Approving the same digest "
            "again answers 200 and writes nothing. Audited."
        ),
        parameters=(_PUBLICATION_ID,),
        body=Body(ApprovalInput, "Ghi chú | The note (16 KiB at most)", required=False),
        tags=("open data",),
    ),
    Endpoint(
        "DELETE",
        "/api/v1/publications/{publication_id}/approval",
        publications.revoke_approval,
        "revoke_approval",
        "Thu hồi phê duyệt | Revoke a publication's approval",
        {
            200: Answer("Phê duyệt đã thu hồi | The revoked approval", ApprovalAnswer),
            **_APPROVAL_BODY_ERRORS,
            401: _STEWARD_401,
            403: _NOT_STEWARD,
            404: _UNKNOWN_PUBLICATION,
            409: error("not_approved: không có phê duyệt đang hiệu lực | None active"),
            422: error("invalid_field (field: reason) | The reason is missing"),
            503: _DB_DOWN,
        },
        access=Access.AGENCY,
        description=(
            "Ấn phẩm rời cổng dữ liệu mở ở lần công bố sau. | The publication leaves the portal "
            "at the next publish. `reason` is required. Audited."
        ),
        parameters=(_PUBLICATION_ID,),
        body=Body(RevocationInput, "Lý do | The reason"),
        tags=("open data",),
    ),
)

ENDPOINTS: tuple[Endpoint, ...] = (*SERVICE, *DATASETS, *EVIDENCE, *ME, *PUBLICATIONS)
"""Every endpoint of the app itself, in the order its routes are tried."""
