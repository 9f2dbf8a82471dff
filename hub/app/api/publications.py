"""The open-data catalogue and stewards' approvals over HTTP (opendata/approvals.py).

- ``GET /api/v1/publications``: public; each declared publication, its status and approval.
- ``POST /api/v1/publications/{publication_id}/approval``: a steward token of the owning
  agency approves the current spec (201; 200 when this digest is already approved).
- ``DELETE /api/v1/publications/{publication_id}/approval``: the same, revokes it with a
  reason (200; 409 when nothing is active).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from hub.app.api.authentication import agency, optional_agency
from hub.app.api.body import read_json_body
from hub.app.api.endpoint import Reply
from hub.app.api.errors import ApiError
from hub.app.api.evidence import parse_body
from hub.app.api.publication_answers import ApprovalAnswer, PublicationItem, PublicationList
from hub.app.wiring import Hub
from hub.audit.chain import utc_iso
from hub.audit.entry import Actor, token_actor
from hub.auth.policy import is_visible
from hub.auth.tokens import Credential, Role
from opendata.approval_records import Approval
from opendata.approvals import Grant, PublicationReview, PublicationStatus
from opendata.errors import ApprovalRefused

MAX_BODY_BYTES = 16 * 1024
MAX_TEXT = 2000

_REFUSAL_STATUS = {
    "unknown_publication": 404,
    "not_owner": 403,
    "not_approved": 409,
}
"""Refusals answered with another status than 422 (the catalogue forbids it, bad input)."""


class ApprovalInput(BaseModel):
    """Phê duyệt | A steward's approval of the publication's current spec."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(
        default="",
        max_length=MAX_TEXT,
        description="Ghi chú của người phê duyệt | The steward's note, kept with the approval",
    )


class RevocationInput(BaseModel):
    """Thu hồi phê duyệt | A revocation, with its reason."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=1,
        max_length=MAX_TEXT,
        pattern=r"\S",
        description="Lý do thu hồi (bắt buộc) | Why the approval is revoked (required)",
    )


async def list_publications(request: Request) -> PublicationList:
    hub: Hub = request.app.state.hub
    credential = optional_agency(request)
    reviews = await run_in_threadpool(lambda: hub.approvals.overview())
    return PublicationList(
        publications=[_describe(review) for review in reviews if _visible(hub, credential, review)]
    )


async def grant_approval(request: Request) -> Reply:
    hub, credential, publication_id = await _steward(request, "phê duyệt ấn phẩm dữ liệu mở")
    body = parse_body(ApprovalInput, await _body(request))
    actor = token_actor(credential.token_id, credential.agency)
    try:
        grant, status = await run_in_threadpool(_grant, hub, publication_id, actor, body.note)
    except ApprovalRefused as exc:
        raise _refused(exc) from None
    return Reply(_answer(publication_id, status, grant.approval), 201 if grant.created else 200)


async def revoke_approval(request: Request) -> ApprovalAnswer:
    hub, credential, publication_id = await _steward(request, "thu hồi phê duyệt")
    body = parse_body(RevocationInput, await _body(request))
    actor = token_actor(credential.token_id, credential.agency)
    try:
        approval, status = await run_in_threadpool(_revoke, hub, publication_id, actor, body.reason)
    except ApprovalRefused as exc:
        raise _refused(exc) from None
    return _answer(publication_id, status, approval)


def _grant(hub: Hub, publication_id: str, actor: Actor, note: str) -> tuple[Grant, str]:
    """The grant, and the publication's status after it."""
    grant = hub.approvals.grant_outcome(publication_id, actor=actor, note=note)
    return grant, hub.approvals.status(hub.approvals.spec(publication_id)).value


def _revoke(hub: Hub, publication_id: str, actor: Actor, reason: str) -> tuple[Approval, str]:
    """The revoked approval, and the publication's status after it (``revoked`` when it is no
    longer declared)."""
    approval = hub.approvals.revoke(publication_id, actor=actor, reason=reason)
    try:
        spec = hub.approvals.spec(publication_id)
    except ApprovalRefused:
        return approval, PublicationStatus.REVOKED.value
    return approval, hub.approvals.status(spec).value


async def _steward(request: Request, what: str) -> tuple[Hub, Credential, str]:
    """The hub, a caller whose token has the steward (or admin) role, and the publication."""
    hub: Hub = request.app.state.hub
    credential = agency(request)
    if not credential.has(Role.STEWARD):
        raise ApiError(403, "not_a_steward", f"Mã truy cập cần vai trò steward để {what}")
    return hub, credential, request.path_params["publication_id"]


async def _body(request: Request) -> object:
    """The JSON body; none at all (no type, no bytes) reads as ``{}``, so that a missing field
    is named rather than the missing body."""
    if "content-type" not in request.headers and not await request.body():
        return {}
    return (await read_json_body(request, max_bytes=MAX_BODY_BYTES)).value


def _refused(exc: ApprovalRefused) -> ApiError:
    return ApiError(_REFUSAL_STATUS.get(exc.code, 422), exc.code, str(exc))


def _visible(hub: Hub, credential: Credential | None, review: PublicationReview) -> bool:
    """Publications of a restricted dataset are listed only to whom the dataset is visible."""
    try:
        entry = hub.catalogue.catalogue.dataset(review.spec.dataset)
    except KeyError:
        return True
    return is_visible(credential, entry)


def _describe(review: PublicationReview) -> PublicationItem:
    spec, active = review.spec, review.active
    return PublicationItem.model_validate(
        {
            "id": spec.id,
            "dataset": spec.dataset,
            "kind": spec.kind,
            "title": spec.title.model_dump() if spec.title is not None else None,
            "status": review.status.value,
            "publishable": review.status.publishable,
            "digest": spec.digest,
            "approval": None
            if active is None
            else {
                "id": active.id,
                "spec_digest": active.spec_digest,
                "approved_by_agency": active.approved_by_agency,
                "approved_at": utc_iso(active.approved_at),
                "note": active.note,
            },
        }
    )


def _answer(publication_id: str, status: str, approval: Approval) -> ApprovalAnswer:
    return ApprovalAnswer.model_validate(
        {"publication_id": publication_id, "status": status, "approval": approval.as_dict()}
    )
