"""``/quan-ly/nhat-ky``: the audit log for administrators, filtered and paged as
``GET /api/v1/audit`` serves it (the same ``AuditFilter`` and ``AuditLog.query``), and the
"verify the chain" button, which runs what ``kho audit verify`` runs.

Filters (query string): ``nguoi`` (the principal that acted, e.g. ``token:<id>`` or ``cli``),
``co_quan`` (the agency it acted for), ``hanh_dong``, ``bo_du_lieu``, ``tu`` (inclusive) and
``den`` (exclusive) in ISO 8601 (no offset: Vietnam time), and ``sau``, the ``seq`` to continue
after. A page holds at most ``PAGE_SIZE`` entries, oldest first, like the API.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hub.app.api.numbers import LARGEST_SEQ, bounded_int
from hub.app.web.people.csrf import checked_form
from hub.app.web.staff.action_labels import action_label
from hub.app.web.staff.guard import Staff, for_staff
from hub.app.web.staff.tools import AUDIT_LOG
from hub.app.web.templating import render
from hub.audit import AuditEntry, AuditError, AuditFilter, ChainHead, Problem, VerifyReport
from hub.audit.actions import KNOWN_ACTIONS, is_action_name
from hub.audit.entry import parse_moment
from hub.errors import KhoError

PAGE_SIZE = 50
"""Entries on one page."""
VERIFY_PATH = AUDIT_LOG.path + "/kiem-tra"
_MAX_TEXT = 200
_DETAILS_SHOWN = 12
"""Detail lines shown for one entry."""
_VALUE_SHOWN = 160
"""Characters of one detail's value shown."""
_LOG = logging.getLogger(__name__)

PROBLEMS = {
    Problem.MODIFIED: "bị sửa",
    Problem.DELETED: "bị xoá",
    Problem.INSERTED: "bị chèn thêm",
    Problem.REORDERED: "bị đảo thứ tự",
    Problem.TRUNCATED: "bị cắt bớt ở cuối",
    Problem.DIVERGED: "khác với mốc đã lưu",
}
"""Each kind of breach, as the page says it."""


@dataclass
class Filters:
    """The filters as typed (to fill the form again), what they mean, and errors by name."""

    typed: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    audit_filter: AuditFilter = field(default_factory=AuditFilter)
    after: int = 0


@dataclass(frozen=True)
class Row:
    entry: AuditEntry
    label: str
    """The action in Vietnamese (empty: an action this hub has no label for)."""
    details: list[tuple[str, str]]
    """The details as ``key: value`` lines, each value cut at ``_VALUE_SHOWN`` characters."""


@for_staff(AUDIT_LOG)
async def audit_page(request: Request, staff: Staff) -> Response:
    filters = read_filters(request.query_params)
    status = 422 if filters.errors else 200
    return await _page(request, staff, filters, status=status)


@for_staff(AUDIT_LOG)
async def verify_chain(request: Request, staff: Staff) -> Response:
    form = await checked_form(request)
    head_text = _form_text(form, "moc")
    try:
        expected = ChainHead.parse(head_text) if head_text else None
    except AuditError as exc:
        return await _page(
            request, staff, Filters(), status=422, head_text=head_text, head_error=str(exc)
        )
    try:
        report = await run_in_threadpool(staff.hub.audit.verify, expected)
    except KhoError as exc:  # the signed anchors could not be read (store down, no key)
        return await _page(
            request, staff, Filters(), status=503, head_text=head_text, head_error=str(exc)
        )
    return await _page(request, staff, Filters(), report=report, head_text=head_text)


def read_filters(params: Mapping[str, str]) -> Filters:
    """The query string's filters; an empty field is no filter, a bad one an error by name."""
    filters = Filters()
    names = ("nguoi", "co_quan", "hanh_dong", "bo_du_lieu", "tu", "den", "sau")
    for name in names:
        value = params.get(name)
        if value is not None and value.strip():
            filters.typed[name] = value.strip()
    texts = {name: _text(filters, name) for name in ("nguoi", "co_quan", "bo_du_lieu")}
    action = filters.typed.get("hanh_dong")
    if action is not None and not is_action_name(action):
        filters.errors["hanh_dong"] = (
            f"“{action[:64]}” không phải tên hành động (dạng records.write, token.create)."
        )
    since, until = _moment(filters, "tu"), _moment(filters, "den")
    filters.after = _after(filters)
    if not filters.errors:
        filters.audit_filter = AuditFilter(
            dataset=texts["bo_du_lieu"],
            agency=texts["co_quan"],
            actor=texts["nguoi"],
            action=action,
            since=since,
            until=until,
        )
    return filters


def _text(filters: Filters, name: str) -> str | None:
    value = filters.typed.get(name)
    if value is not None and len(value) > _MAX_TEXT:
        filters.errors[name] = f"Tối đa {_MAX_TEXT} ký tự."
        return None
    return value


def _moment(filters: Filters, name: str) -> dt.datetime | None:
    value = filters.typed.get(name)
    if value is None:
        return None
    try:
        return parse_moment(value[:64])
    except ValueError as exc:
        filters.errors[name] = str(exc)
        return None


def _after(filters: Filters) -> int:
    value = filters.typed.get("sau")
    if value is None:
        return 0
    after = bounded_int(value, 0, LARGEST_SEQ)
    if after is None:
        filters.errors["sau"] = f"“{value[:32]}” không phải số thứ tự của một mục (số từ 0)."
        return 0
    return after


def _form_text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _entries(staff: Staff, filters: Filters) -> tuple[list[AuditEntry], bool] | None:
    """One page of entries and whether more follow; None when a stored entry cannot be read
    (tampered into something that is not a value: verify names it)."""
    try:
        found = staff.hub.audit.query(
            filters.audit_filter, after=filters.after, limit=PAGE_SIZE + 1
        )
    except (ValueError, TypeError):
        _LOG.warning("audit page: an entry could not be read", exc_info=True)
        return None
    return found[:PAGE_SIZE], len(found) > PAGE_SIZE


def _details(entry: AuditEntry) -> list[tuple[str, str]]:
    """The entry's details, one ``(key, value)`` per key (``_value_text``), at most
    ``_DETAILS_SHOWN`` of them: the last line says how many more there are."""
    details: Any = entry.details
    if not isinstance(details, Mapping):
        return [("", _cut(_json(details)))] if details else []
    lines = [(str(key), _cut(_value_text(value))) for key, value in details.items()]
    if len(lines) > _DETAILS_SHOWN:
        hidden = len(lines) - _DETAILS_SHOWN + 1
        lines = [*lines[: _DETAILS_SHOWN - 1], ("…", f"và {hidden} mục khác")]
    return lines


def _value_text(value: Any) -> str:
    """Text as is; a mapping as ``key: value, …`` (its values as compact JSON); anything else
    as compact JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return ", ".join(f"{key}: {_json(inner)}" for key, inner in value.items())
    return _json(value)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)


def _cut(text: str) -> str:
    return text if len(text) <= _VALUE_SHOWN else text[: _VALUE_SHOWN - 1] + "…"


async def _page(
    request: Request,
    staff: Staff,
    filters: Filters,
    *,
    status: int = 200,
    report: VerifyReport | None = None,
    head_text: str = "",
    head_error: str | None = None,
) -> Response:
    found = None if filters.errors else await run_in_threadpool(_entries, staff, filters)
    rows = (
        [Row(entry, action_label(entry.action), _details(entry)) for entry in found[0]]
        if found
        else []
    )
    more = bool(found and found[1])
    next_query = {**filters.typed, "sau": str(rows[-1].entry.seq)} if more and rows else None
    context: dict[str, Any] = {
        "person": staff.person,
        "filters": filters,
        "rows": rows,
        "unreadable": (found is None and not filters.errors)
        or any(row.entry.unreadable for row in rows),
        "next_query": next_query,
        "first_query": {k: v for k, v in filters.typed.items() if k != "sau"},
        "page_size": PAGE_SIZE,
        "actions": {name: action_label(name) for name in sorted(KNOWN_ACTIONS)},
        "agencies": {a.id: a.name for a in staff.hub.catalogue.catalogue.agencies},
        "report": report,
        "problems": PROBLEMS,
        "head_text": head_text,
        "head_error": head_error,
        "verify_path": VERIFY_PATH,
    }
    return render(request, "staff/audit.html", context, status=status)


ROUTES: list[BaseRoute] = [
    Route(AUDIT_LOG.path, audit_page, methods=["GET"], name="staff_audit"),
    Route(VERIFY_PATH, verify_chain, methods=["POST"], name="staff_audit_verify"),
]
