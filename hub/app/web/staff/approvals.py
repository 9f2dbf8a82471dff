"""``/quan-ly/phe-duyet``: the open-data publications a steward may act on, each with its status;
one publication's spec, its approvals (who, when, note or reason), what ``kho publish --plan``
would do to the portal for it, and the forms that grant or revoke its approval.

Who sees what follows the API (hub/app/api/publications.py): a steward lists the publications
of the datasets their agency owns, an administrator every one; a restricted dataset's
publications exist only for its owner and administrators (404 for anyone else), another
agency's publication is 403. Grants and revocations go through ``hub.approvals`` with the
person's audit actor, exactly as ``POST``/``DELETE /api/v1/publications/{id}/approval`` do, so
the approval store keeps the same rules (only the owning agency approves) and the audit log the
same entries. The preview is ``Publisher.run(plan=True, only=[id])``, the code of
``kho publish --plan --only id``: it reads the topic and the portal and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from hub.app.api.publications import MAX_TEXT, ApprovalInput, RevocationInput
from hub.app.web.people.csrf import checked_form
from hub.app.web.staff.approvals_preview import publish_preview
from hub.app.web.staff.guard import Staff, for_staff, forbidden, not_found
from hub.app.web.staff.tools import APPROVALS
from hub.app.web.templating import render, vn_number
from hub.app.wiring import Hub
from hub.catalogue.models import DatasetEntry
from opendata.approval_records import Approval
from opendata.approvals import PublicationReview, PublicationStatus
from opendata.errors import ApprovalRefused
from opendata.specs import PublicationSpec

PAGE_SIZE = 50
"""Publications listed on one page of the list (``?sau=<id>`` opens the next)."""
HISTORY_SHOWN = 50
"""The newest approvals of one publication shown on its page."""

STATUS_WORDS = {
    PublicationStatus.OPEN: "Dữ liệu mở — không cần phê duyệt",
    PublicationStatus.APPROVED: "Đã phê duyệt",
    PublicationStatus.STALE: "Đặc tả đã đổi sau khi phê duyệt — cần phê duyệt lại",
    PublicationStatus.REVOKED: "Đã thu hồi phê duyệt",
    PublicationStatus.PENDING: "Chờ phê duyệt",
    PublicationStatus.BLOCKED: "Danh mục không cho công bố",
}
KIND_WORDS = {
    "snapshot": "Bản mới nhất của từng bản ghi",
    "history": "Mọi bản ghi (lịch sử)",
    "aggregation": "Số liệu tổng hợp",
}
STATE_WORDS = {"active": "Đang hiệu lực", "superseded": "Đã được thay", "revoked": "Đã thu hồi"}
DONE_WORDS = {
    "duyet": "Đã ghi phê duyệt. Lần công bố tới sẽ đưa ấn phẩm lên cổng dữ liệu mở.",
    "da-duyet": "Đặc tả này đã được phê duyệt từ trước; không ghi thêm gì.",
    "thu-hoi": "Đã thu hồi phê duyệt. Lần công bố tới sẽ rút ấn phẩm khỏi cổng dữ liệu mở.",
}
_REFUSAL_STATUS = {"unknown_publication": 404, "not_owner": 403, "not_approved": 409}
"""The API's statuses for the approval store's refusals; any other refusal is 422."""


@dataclass(frozen=True)
class ListedPublication:
    review: PublicationReview
    dataset_title: str
    owner_name: str


@dataclass
class ApprovalForms:
    """What was posted to the grant and revoke forms, and the errors by field."""

    note: str = ""
    reason: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    refusal: str | None = None


@for_staff(APPROVALS)
async def approvals_list(request: Request, staff: Staff) -> Response:
    hub = staff.hub
    reviews = await run_in_threadpool(hub.approvals.overview)
    agencies = _agency_names(hub)
    listed = []
    for review in reviews:
        entry = _entry(hub, review.spec.dataset)
        if not _acts_on(staff, entry):
            continue
        title = entry.title.vi if entry is not None else review.spec.dataset
        owner = agencies.get(entry.owner, entry.owner) if entry is not None else "–"
        listed.append(ListedPublication(review, title, owner))
    after = request.query_params.get("sau", "")
    start = next((i + 1 for i, p in enumerate(listed) if p.review.spec.id == after), 0)
    shown = listed[start : start + PAGE_SIZE]
    context = {
        "person": staff.person,
        "staff": staff,
        "agency_name": agencies.get(staff.agency, staff.agency),
        "publications": shown,
        "total": len(listed),
        "first": start + 1,
        "next_after": shown[-1].review.spec.id if start + PAGE_SIZE < len(listed) else None,
        "page_size": PAGE_SIZE,
        "status_words": STATUS_WORDS,
        "kind_words": KIND_WORDS,
    }
    return render(request, "staff/approvals.html", context)


@for_staff(APPROVALS)
async def approval_page(request: Request, staff: Staff) -> Response:
    reached = _reach(request, staff)
    if isinstance(reached, Response):
        return reached
    spec, entry = reached
    done = request.query_params.get("xong")
    return await _detail(
        request, staff, spec, entry, ApprovalForms(), done=DONE_WORDS.get(done or "")
    )


@for_staff(APPROVALS)
async def grant(request: Request, staff: Staff) -> Response:
    form = await checked_form(request)
    reached = _reach(request, staff)
    if isinstance(reached, Response):
        return reached
    spec, entry = reached
    posted = ApprovalForms(note=_text(form, "note"))
    try:
        note = ApprovalInput(note=posted.note).note
    except ValidationError:
        posted.errors["note"] = f"Ghi chú dài quá {vn_number(MAX_TEXT)} ký tự; hãy viết ngắn lại."
        return await _detail(request, staff, spec, entry, posted, status=422)
    try:
        outcome = await run_in_threadpool(
            lambda: staff.hub.approvals.grant_outcome(spec.id, actor=staff.actor, note=note)
        )
    except ApprovalRefused as refused:
        return await _refused(request, staff, spec, entry, posted, refused)
    done = "duyet" if outcome.created else "da-duyet"
    return RedirectResponse(f"{_path(spec.id)}?xong={done}", status_code=303)


@for_staff(APPROVALS)
async def revoke(request: Request, staff: Staff) -> Response:
    form = await checked_form(request)
    reached = _reach(request, staff)
    if isinstance(reached, Response):
        return reached
    spec, entry = reached
    posted = ApprovalForms(reason=_text(form, "reason"))
    try:
        reason = RevocationInput(reason=posted.reason).reason
    except ValidationError as invalid:
        too_long = any(e["type"] == "string_too_long" for e in invalid.errors())
        posted.errors["reason"] = (
            f"Lý do dài quá {vn_number(MAX_TEXT)} ký tự; hãy viết ngắn lại."
            if too_long
            else "Hãy ghi lý do thu hồi: người đọc nhật ký cần biết vì sao ấn phẩm bị rút."
        )
        return await _detail(request, staff, spec, entry, posted, status=422)
    try:
        await run_in_threadpool(
            lambda: staff.hub.approvals.revoke(spec.id, actor=staff.actor, reason=reason)
        )
    except ApprovalRefused as refused:
        return await _refused(request, staff, spec, entry, posted, refused)
    return RedirectResponse(f"{_path(spec.id)}?xong=thu-hoi", status_code=303)


def _reach(
    request: Request, staff: Staff
) -> tuple[PublicationSpec, DatasetEntry | None] | Response:
    """The publication and its dataset's entry, or the page saying why this person may not
    open it: 404 when it is not declared or its dataset is restricted to another agency, 403
    when another agency owns it."""
    publication_id = request.path_params["publication_id"]
    try:
        spec = staff.hub.approvals.spec(publication_id)
    except ApprovalRefused:
        return not_found(request, f"Không có ấn phẩm {publication_id} trong danh mục dữ liệu mở.")
    entry = _entry(staff.hub, spec.dataset)
    if entry is not None and not staff.sees(entry):
        return not_found(request, f"Không có ấn phẩm {publication_id} trong danh mục dữ liệu mở.")
    if not _acts_on(staff, entry):
        owner = entry.owner if entry is not None else "cơ quan chủ quản"
        name = _agency_names(staff.hub).get(owner, owner)
        return forbidden(
            request,
            f"Ấn phẩm {publication_id} thuộc bộ dữ liệu của {name}; chỉ người quản lý dữ liệu"
            " của cơ quan đó (hoặc quản trị viên) mở được trang này.",
        )
    return spec, entry


async def _refused(
    request: Request,
    staff: Staff,
    spec: PublicationSpec,
    entry: DatasetEntry | None,
    posted: ApprovalForms,
    refused: ApprovalRefused,
) -> Response:
    posted.refusal = str(refused)
    status = _REFUSAL_STATUS.get(refused.code, 422)
    return await _detail(request, staff, spec, entry, posted, status=status)


async def _detail(
    request: Request,
    staff: Staff,
    spec: PublicationSpec,
    entry: DatasetEntry | None,
    forms: ApprovalForms,
    *,
    status: int = 200,
    done: str | None = None,
) -> Response:
    hub = staff.hub
    state, history = await run_in_threadpool(_standing, hub, spec)
    preview = await run_in_threadpool(publish_preview, hub, spec, entry, staff.actor)
    agencies = _agency_names(hub)
    active = next((a for a in history if a.state == "active"), None)
    context: dict[str, Any] = {
        "person": staff.person,
        "spec": spec,
        "spec_json": spec.model_dump_json(indent=2, exclude_defaults=True),
        "entry": entry,
        "owner_name": agencies.get(entry.owner, entry.owner) if entry is not None else "–",
        "status": state,
        "status_words": STATUS_WORDS,
        "kind_words": KIND_WORDS,
        "state_words": STATE_WORDS,
        "history": list(reversed(history))[:HISTORY_SHOWN],
        "history_total": len(history),
        "history_shown": HISTORY_SHOWN,
        "active": active,
        "agencies": agencies,
        "preview": preview,
        "may_approve": _owner_agency(staff, entry) and state not in _NOT_APPROVABLE,
        "may_revoke": _owner_agency(staff, entry) and active is not None,
        "forms": forms,
        "done": done,
        "max_text": MAX_TEXT,
        "grant_path": _path(spec.id) + "/duyet",
        "revoke_path": _path(spec.id) + "/thu-hoi",
    }
    return render(request, "staff/approvals_detail.html", context, status=status)


_NOT_APPROVABLE = frozenset(
    {PublicationStatus.OPEN, PublicationStatus.APPROVED, PublicationStatus.BLOCKED}
)
"""Statuses whose grant form is not offered: no approval needed, already approved, or one the
catalogue refuses whatever is approved."""


def _standing(hub: Hub, spec: PublicationSpec) -> tuple[PublicationStatus, list[Approval]]:
    return hub.approvals.status(spec), hub.approvals.history(spec.id)


def _entry(hub: Hub, dataset_id: str) -> DatasetEntry | None:
    try:
        return hub.catalogue.catalogue.dataset(dataset_id)
    except KeyError:
        return None


def _acts_on(staff: Staff, entry: DatasetEntry | None) -> bool:
    """Listed and opened: the owner's stewards and administrators; a restricted dataset only
    for whom it exists; a dataset no longer in the catalogue only for administrators."""
    if entry is None:
        return staff.is_admin
    return staff.sees(entry) and staff.owns(entry)


def _owner_agency(staff: Staff, entry: DatasetEntry | None) -> bool:
    """Whether the approval store lets this person grant or revoke: only the owning agency."""
    return entry is not None and entry.owner == staff.agency


def _agency_names(hub: Hub) -> dict[str, str]:
    return {agency.id: agency.name for agency in hub.catalogue.catalogue.agencies}


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _path(publication_id: str) -> str:
    return f"{APPROVALS.path}/{publication_id}"


ROUTES: list[BaseRoute] = [
    Route(APPROVALS.path, approvals_list, methods=["GET"], name="staff_approvals"),
    Route(
        APPROVALS.path + "/{publication_id}",
        approval_page,
        methods=["GET"],
        name="staff_approval",
    ),
    Route(
        APPROVALS.path + "/{publication_id}/duyet",
        grant,
        methods=["POST"],
        name="staff_approval_grant",
    ),
    Route(
        APPROVALS.path + "/{publication_id}/thu-hoi",
        revoke,
        methods=["POST"],
        name="staff_approval_revoke",
    ),
]
