"""The route table's endpoints for the open-data catalogue: publications, and stewards'
approvals and revocations."""

from __future__ import annotations

from hub.app.api import publications
from hub.app.api.documented_refusals import (
    AGENCY_401,
    DB_DOWN,
    MALFORMED_JSON,
    NOT_JSON,
    OVER_16K,
    error,
)
from hub.app.api.endpoint import Access, Answer, Body, Endpoint, Parameter
from hub.app.api.publication_answers import ApprovalAnswer, PublicationList
from hub.app.api.publications import ApprovalInput, RevocationInput

_PUBLICATION_ID = Parameter(
    "publication_id", "path", "Mã ấn phẩm, ví dụ tthc.dossiers | Publication id"
)
_STEWARD_401 = AGENCY_401
_NOT_STEWARD = error(
    "not_a_steward: mã không có vai trò steward; not_owner: không phải cơ quan chủ quản"
    " | Not a steward token of the owning agency"
)
_UNKNOWN_PUBLICATION = error("unknown_publication: không có trong danh mục dữ liệu mở")

_APPROVAL_BODY_ERRORS = {400: MALFORMED_JSON, 413: OVER_16K, 415: NOT_JSON}

PUBLICATION_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "GET",
        "/api/v1/publications",
        publications.list_publications,
        "list_publications",
        "Danh mục dữ liệu mở và phê duyệt | Publications and their approvals",
        {
            200: Answer("Các ấn phẩm | The publications", PublicationList),
            401: error("Có gửi mã nhưng mã sai | A token was sent but is not valid"),
            503: DB_DOWN,
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
            503: DB_DOWN,
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
            503: DB_DOWN,
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
