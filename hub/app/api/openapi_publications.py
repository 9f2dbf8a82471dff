"""The OpenAPI description of the open-data catalogue's endpoints (hub/api/publications.py),
merged into ``/openapi.json`` by hub/api/openapi.py.

Request bodies are the models the endpoints parse; answers are closed models here, so a key
the code adds without documenting it fails the tests that validate real answers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.app.api.openapi_parts import answer, error_answer, json_content, path_parameter
from hub.app.api.publications import ApprovalInput, RevocationInput
from opendata.approvals import PublicationStatus

_DIGEST = "^[0-9a-f]{64}$"


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Title(_Answer):
    vi: str
    en: str


class ApprovalSummary(_Answer):
    """Phê duyệt đang hiệu lực | The approval in force, as the public sees it."""

    id: int = Field(ge=1)
    spec_digest: str = Field(pattern=_DIGEST, description="Bản đặc tả đã duyệt | Digest approved")
    approved_by_agency: str | None = Field(
        description="Cơ quan phê duyệt, null: trung tâm CNTT của tỉnh | Agency, or null (CLI)"
    )
    approved_at: dt.datetime = Field(description="Thời điểm (UTC) | When (UTC)")
    note: str


class PublicationItem(_Answer):
    """Một ấn phẩm dữ liệu mở đã khai báo | One declared open-data publication."""

    id: str = Field(description="Mã ấn phẩm | Publication id")
    dataset: str = Field(description="Bộ dữ liệu nguồn | The catalogue dataset")
    kind: Literal["snapshot", "history", "aggregation"]
    title: Title | None
    status: PublicationStatus = Field(
        description=(
            "open: dữ liệu mở, không cần duyệt; approved: đã duyệt đúng bản đặc tả hiện tại; "
            "stale: đặc tả đã sửa sau khi duyệt; revoked: đã thu hồi; pending: chưa duyệt; "
            "blocked: danh mục không cho công bố | Only open and approved are published"
        )
    )
    publishable: bool = Field(description="Được đưa lên cổng dữ liệu mở | May be published")
    digest: str = Field(pattern=_DIGEST, description="SHA-256 của đặc tả hiện tại | Spec digest")
    approval: ApprovalSummary | None


class PublicationList(_Answer):
    publications: list[PublicationItem] = Field(description="Theo thứ tự khai báo | As declared")


class ApprovalItem(_Answer):
    """Một lần phê duyệt và số phận của nó | One approval, and what became of it."""

    id: int = Field(ge=1)
    publication_id: str
    dataset_id: str
    spec_digest: str = Field(pattern=_DIGEST)
    state: Literal["active", "superseded", "revoked"]
    approved_by: str = Field(description="token:<id> hoặc cli | Who approved")
    approved_by_agency: str | None
    approved_at: dt.datetime
    note: str
    superseded_at: dt.datetime | None = Field(description="Bị thay bởi lần duyệt sau | Replaced")
    revoked_at: dt.datetime | None
    revoked_by: str | None
    revoked_by_agency: str | None
    revoke_reason: str | None
    spec: dict[str, Any] = Field(description="Đúng bản đặc tả đã duyệt | The spec approved")


class ApprovalAnswer(_Answer):
    publication_id: str
    status: PublicationStatus = Field(description="Trạng thái sau thao tác | Status afterwards")
    approval: ApprovalItem


PUBLICATION_ANSWERS: list[type[BaseModel]] = [PublicationList, ApprovalAnswer]
"""Answers, described in "serialization" mode."""

PUBLICATION_REQUESTS: list[type[BaseModel]] = [ApprovalInput, RevocationInput]
"""Request bodies, described in "validation" mode."""


_PUBLICATION_ID = path_parameter(
    "publication_id", "Mã ấn phẩm, ví dụ tthc.dossiers | Publication id"
)
_401 = error_answer(
    "Thiếu hoặc sai mã truy cập | missing_token, malformed_token, unknown_token, revoked_token,"
    " expired_token"
)
_403 = error_answer(
    "not_a_steward: mã không có vai trò steward; not_owner: không phải cơ quan chủ quản"
    " | Not a steward token of the owning agency"
)
_404 = error_answer("unknown_publication: không có trong danh mục dữ liệu mở")
_503 = error_answer("Cơ sở dữ liệu không truy cập được; thử lại | service_unavailable")
_BODY_ERRORS = {
    "400": error_answer("JSON không hợp lệ | malformed_json"),
    "413": error_answer("Quá 16 KiB | payload_too_large (limit)"),
    "415": error_answer("Không phải application/json | unsupported_media_type"),
}


def publications_paths() -> dict[str, Any]:
    """The path items of the open-data catalogue's endpoints."""
    approved = answer("Phê duyệt | The approval", "ApprovalAnswer")
    return {
        "/api/v1/publications": {
            "get": {
                "summary": "Danh mục dữ liệu mở và phê duyệt | Publications and their approvals",
                "description": (
                    "Công khai. Chỉ ấn phẩm open hoặc approved được đưa lên cổng dữ liệu mở. | "
                    "Public. Publications of a restricted dataset are listed only to its owner."
                ),
                "security": [{}, {"bearer": []}],
                "responses": {
                    "200": answer("Các ấn phẩm | The publications", "PublicationList"),
                    "401": error_answer(
                        "Có gửi mã nhưng mã sai | A token was sent but is not valid"
                    ),
                    "503": _503,
                },
            }
        },
        "/api/v1/publications/{publication_id}/approval": {
            "post": {
                "summary": "Phê duyệt công bố | Approve a publication",
                "description": (
                    "Người quản lý dữ liệu (steward) của cơ quan chủ quản duyệt đúng bản đặc tả "
                    "hiện tại; sửa đặc tả sau đó thì phải duyệt lại. | A steward token of the "
                    "owning agency approves the current spec (its digest and JSON are kept). "
                    "Approving the same digest again answers 200 and writes nothing. Audited."
                ),
                "security": [{"bearer": []}],
                "parameters": [_PUBLICATION_ID],
                "requestBody": {
                    "required": False,
                    "description": "Ghi chú | The note (16 KiB at most)",
                    "content": json_content("ApprovalInput"),
                },
                "responses": {
                    "201": approved,
                    "200": answer("Đã duyệt từ trước | Already approved", "ApprovalAnswer"),
                    **_BODY_ERRORS,
                    "401": _401,
                    "403": _403,
                    "404": _404,
                    "422": error_answer(
                        "restricted_dataset, no_open_projection, unknown_dataset; invalid_field"
                        " (field names it) | The catalogue forbids it, or a bad body"
                    ),
                    "503": _503,
                },
            },
            "delete": {
                "summary": "Thu hồi phê duyệt | Revoke a publication's approval",
                "description": (
                    "Ấn phẩm rời cổng dữ liệu mở ở lần công bố sau. | The publication leaves "
                    "the portal at the next publish. `reason` is required. Audited."
                ),
                "security": [{"bearer": []}],
                "parameters": [_PUBLICATION_ID],
                "requestBody": {
                    "required": True,
                    "description": "Lý do | The reason",
                    "content": json_content("RevocationInput"),
                },
                "responses": {
                    "200": answer("Phê duyệt đã thu hồi | The revoked approval", "ApprovalAnswer"),
                    **_BODY_ERRORS,
                    "401": _401,
                    "403": _403,
                    "404": _404,
                    "409": error_answer(
                        "not_approved: không có phê duyệt đang hiệu lực | None active"
                    ),
                    "422": error_answer("invalid_field (field: reason) | The reason is missing"),
                    "503": _503,
                },
            },
        },
    }
