"""The answers of the open-data catalogue's endpoints (hub/app/api/publications.py), returned
by the handlers and described in ``/openapi.json``; closed, so that a key the code adds without
documenting it fails the tests that validate real answers."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from hub.app.api.answers import Closed, LocalizedText, Moment
from opendata.approvals import PublicationStatus

_DIGEST = "^[0-9a-f]{64}$"


class ApprovalSummary(Closed):
    """Phê duyệt đang hiệu lực | The approval in force, as the public sees it."""

    id: int = Field(ge=1)
    spec_digest: str = Field(pattern=_DIGEST, description="Bản đặc tả đã duyệt | Digest approved")
    approved_by_agency: str | None = Field(
        description="Cơ quan phê duyệt, null: trung tâm CNTT của tỉnh | Agency, or null (CLI)"
    )
    approved_at: Moment = Field(description="Thời điểm (UTC) | When (UTC)")
    note: str


class PublicationItem(Closed):
    """Một ấn phẩm dữ liệu mở đã khai báo | One declared open-data publication."""

    id: str = Field(description="Mã ấn phẩm | Publication id")
    dataset: str = Field(description="Bộ dữ liệu nguồn | The catalogue dataset")
    kind: Literal["snapshot", "history", "aggregation"]
    title: LocalizedText | None
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


class PublicationList(Closed):
    publications: list[PublicationItem] = Field(description="Theo thứ tự khai báo | As declared")


class ApprovalItem(Closed):
    """Một lần phê duyệt và số phận của nó | One approval, and what became of it."""

    id: int = Field(ge=1)
    publication_id: str
    dataset_id: str
    spec_digest: str = Field(pattern=_DIGEST)
    state: Literal["active", "superseded", "revoked"]
    approved_by: str = Field(description="token:<id> hoặc cli | Who approved")
    approved_by_agency: str | None
    approved_at: Moment
    note: str
    superseded_at: Moment | None = Field(description="Bị thay bởi lần duyệt sau | Replaced")
    revoked_at: Moment | None
    revoked_by: str | None
    revoked_by_agency: str | None
    revoke_reason: str | None
    spec: dict[str, Any] = Field(description="Đúng bản đặc tả đã duyệt | The spec approved")


class ApprovalAnswer(Closed):
    publication_id: str
    status: PublicationStatus = Field(description="Trạng thái sau thao tác | Status afterwards")
    approval: ApprovalItem
