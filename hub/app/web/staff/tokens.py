"""``/quan-ly/ma-truy-cap``: the agencies' API tokens for administrators, as ``kho token`` shows
and changes them: list (never a secret), create, rotate, revoke.

A token's plaintext exists only in the answer to the POST that made it: rendered there, never
stored, never put in a redirect, and the answer is not kept by the browser (no-store). The
create form carries a one-time form id kept in the session, so posting the same form again
(reload, Back) issues nothing and shows nothing: it goes back to the list. Rotating a token
twice fails on its own (the old token is no longer live).

Each change goes through the token store the CLI uses and is audited with the CLI's action
names and details (``token.create``, ``token.rotate``, ``token.revoke``), under the person's
actor (``token:sso:<subject>``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from hub.app.api.numbers import bounded_int
from hub.app.web.people.csrf import checked_form
from hub.app.web.staff.guard import Staff, for_staff, not_found
from hub.app.web.staff.tools import TOKENS
from hub.app.web.templating import render
from hub.audit import actions
from hub.auth.tokens import IssuedToken, Role, TokenInfo

SHOWN = 200
"""Tokens listed at most, newest first (``kho token list`` shows them all)."""
MAX_DAYS = 3650
"""The longest validity the form issues, in days (ten years)."""
_FORM_IDS = "token_form_ids"
_FORM_IDS_KEPT = 5
ROLE_LABELS = {
    Role.PRODUCER: "Ghi dữ liệu",
    Role.CONSUMER: "Đọc dữ liệu",
    Role.STEWARD: "Quản lý dữ liệu",
    Role.ADMIN: "Quản trị",
}
"""Each role in a word or two, shown in the list of tokens beside its code."""
_ROLE_NAMES = {
    Role.PRODUCER: "producer — gửi bản ghi",
    Role.CONSUMER: "consumer — đọc dữ liệu được chia sẻ",
    Role.STEWARD: "steward — quản lý bộ dữ liệu của cơ quan",
    Role.ADMIN: "admin — quản trị toàn bộ Kho",
}


@dataclass
class TokenForm:
    """The create form as posted, kept to fill it again, and the errors by field."""

    agency: str = ""
    roles: tuple[str, ...] = ()
    days: str = ""
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TokenRequest:
    agency: str
    roles: frozenset[Role]
    days: int | None


@for_staff(TOKENS)
async def tokens_page(request: Request, staff: Staff) -> Response:
    done = request.query_params.get("xong")
    return await _page(request, staff, TokenForm(), done=done)


@for_staff(TOKENS)
async def create_token(request: Request, staff: Staff) -> Response:
    form = await checked_form(request)
    if not _take_form_id(request, form):
        return RedirectResponse(f"{TOKENS.path}?xong=da-cap", status_code=303)
    posted, wanted = _read(staff, form)
    if wanted is None:
        return await _page(request, staff, posted, status=422)
    valid_for = dt.timedelta(days=wanted.days) if wanted.days else None
    issued = await run_in_threadpool(
        staff.hub.tokens.create, wanted.agency, wanted.roles, valid_for=valid_for
    )
    details = {"token_id": issued.token_id, "roles": sorted(wanted.roles), "days": wanted.days}
    await staff.hub.audit.append_async(
        actions.TOKEN_CREATE, actor=staff.actor, details={"agency": wanted.agency, **details}
    )
    return _issued_page(request, staff, issued, agency=wanted.agency, replaced=None)


@for_staff(TOKENS)
async def rotate_token(request: Request, staff: Staff) -> Response:
    await checked_form(request)
    token_id = request.path_params["token_id"]
    old = await _live_token(staff, token_id)
    issued = await run_in_threadpool(staff.hub.tokens.rotate, token_id) if old else None
    if old is None or issued is None:
        return _no_live_token(request, token_id)
    await staff.hub.audit.append_async(
        actions.TOKEN_ROTATE,
        actor=staff.actor,
        details={"old": token_id, "new": issued.token_id, "grace_hours": 0},
    )
    return _issued_page(request, staff, issued, agency=old.agency, replaced=token_id)


@for_staff(TOKENS)
async def revoke_token(request: Request, staff: Staff) -> Response:
    form = await checked_form(request)
    token_id = request.path_params["token_id"]
    if await _live_token(staff, token_id) is None:
        return _no_live_token(request, token_id)
    confirmed = form.get("xac_nhan")
    if not isinstance(confirmed, str) or confirmed.strip() != token_id:
        error = f"Hãy gõ đúng mã số {token_id} để xác nhận thu hồi."
        return await _page(request, staff, TokenForm(), status=422, revoke_errors={token_id: error})
    if not await run_in_threadpool(staff.hub.tokens.revoke, token_id):
        return _no_live_token(request, token_id)
    await staff.hub.audit.append_async(
        actions.TOKEN_REVOKE, actor=staff.actor, details={"token_id": token_id}
    )
    return RedirectResponse(f"{TOKENS.path}?xong=thu-hoi", status_code=303)


def _read(staff: Staff, form: FormData) -> tuple[TokenForm, TokenRequest | None]:
    """The posted create form, and the token it asks for when every field is right."""
    posted = TokenForm(
        agency=_text(form, "agency"),
        roles=tuple(str(v) for v in form.getlist("roles") if str(v)),
        days=_text(form, "days"),
    )
    known_agencies = {a.id for a in staff.hub.catalogue.catalogue.agencies}
    if not posted.agency:
        posted.errors["agency"] = "Hãy chọn cơ quan được cấp mã."
    elif posted.agency not in known_agencies:
        posted.errors["agency"] = f"Cơ quan “{posted.agency[:64]}” không có trong danh mục."
    unknown = [name for name in posted.roles if name not in set(Role)]
    if not posted.roles:
        posted.errors["roles"] = "Hãy chọn ít nhất một vai trò."
    elif unknown:
        posted.errors["roles"] = f"Vai trò không có: {', '.join(n[:32] for n in unknown[:5])}."
    days: int | None = None
    if posted.days:
        days = _days(posted.days)
        if days is None:
            posted.errors["days"] = (
                f"Số ngày hiệu lực phải là số nguyên từ 1 đến {MAX_DAYS}; để trống nếu mã"
                " không hết hạn."
            )
    if posted.errors:
        return posted, None
    return posted, TokenRequest(posted.agency, frozenset(Role(n) for n in posted.roles), days)


def _days(text: str) -> int | None:
    return bounded_int(text, 1, MAX_DAYS)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _new_form_id(request: Request) -> str:
    """A one-time id for the create form; the last few stay valid (several tabs)."""
    form_id = secrets.token_urlsafe(16)
    kept = [i for i in request.session.get(_FORM_IDS, []) if isinstance(i, str)]
    request.session[_FORM_IDS] = [*kept, form_id][-_FORM_IDS_KEPT:]
    return form_id


def _take_form_id(request: Request, form: FormData) -> bool:
    """Whether the posted form id was still unused (it is used up now)."""
    sent = form.get("form_id")
    kept = [i for i in request.session.get(_FORM_IDS, []) if isinstance(i, str)]
    if not isinstance(sent, str) or sent not in kept:
        return False
    request.session[_FORM_IDS] = [i for i in kept if i != sent]
    return True


async def _live_token(staff: Staff, token_id: str) -> TokenInfo | None:
    tokens = await run_in_threadpool(staff.hub.tokens.describe)
    return next((t for t in tokens if t.token_id == token_id and t.live), None)


def _no_live_token(request: Request, token_id: str) -> Response:
    return not_found(request, f"Không có mã truy cập còn hiệu lực mang id “{token_id[:32]}”.")


def _agency_names(staff: Staff) -> dict[str, str]:
    return {agency.id: agency.name for agency in staff.hub.catalogue.catalogue.agencies}


def _issued_page(
    request: Request, staff: Staff, issued: IssuedToken, *, agency: str, replaced: str | None
) -> Response:
    context = {
        "person": staff.person,
        "issued": issued,
        "agency": agency,
        "agency_name": _agency_names(staff).get(agency, agency),
        "replaced": replaced,
    }
    return render(request, "staff/tokens_issued.html", context)


async def _page(
    request: Request,
    staff: Staff,
    form: TokenForm,
    *,
    status: int = 200,
    done: str | None = None,
    revoke_errors: dict[str, str] | None = None,
) -> Response:
    tokens = await run_in_threadpool(staff.hub.tokens.describe)
    context: dict[str, Any] = {
        "person": staff.person,
        "tokens": tokens[:SHOWN],
        "total": len(tokens),
        "shown": SHOWN,
        "agencies": _agency_names(staff),
        "roles": _ROLE_NAMES,
        "role_labels": {role.value: label for role, label in ROLE_LABELS.items()},
        "form": form,
        "form_id": _new_form_id(request),
        "max_days": MAX_DAYS,
        "done": done,
        "revoke_errors": revoke_errors or {},
    }
    return render(request, "staff/tokens.html", context, status=status)


ROUTES: list[BaseRoute] = [
    Route(TOKENS.path, tokens_page, methods=["GET"], name="staff_tokens"),
    Route(TOKENS.path, create_token, methods=["POST"], name="staff_token_create"),
    Route(
        TOKENS.path + "/{token_id}/doi", rotate_token, methods=["POST"], name="staff_token_rotate"
    ),
    Route(
        TOKENS.path + "/{token_id}/thu-hoi",
        revoke_token,
        methods=["POST"],
        name="staff_token_revoke",
    ),
]
