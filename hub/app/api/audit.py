"""``GET /api/v1/audit``: the audit log for administrators, filtered, a page at a time.

Filters: ``dataset``, ``agency`` (who acted), ``actor`` (the principal, e.g. ``token:<id>``),
``action``, ``since`` (inclusive) and ``until`` (exclusive) in ISO 8601 (no offset: Vietnam
time); ``after`` is the ``seq`` to continue from, ``limit`` 1..1000. The answer's ``next`` is
the ``after`` of the next page, or null at the end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from hub.app.api.answers import AuditEntryItem, AuditPage
from hub.app.api.authentication import agency
from hub.app.api.errors import ApiError
from hub.app.api.numbers import LARGEST_SEQ
from hub.app.wiring import Hub
from hub.audit.actions import is_action_name
from hub.audit.entry import AuditEntry, AuditFilter, parse_moment
from hub.audit.log import MAX_QUERY_LIMIT, AuditLog
from hub.auth.tokens import Role

DEFAULT_LIMIT = 100
_MAX_TEXT = 200


async def list_audit(request: Request) -> AuditPage:
    hub: Hub = request.app.state.hub
    credential = agency(request)
    if Role.ADMIN not in credential.roles:
        raise ApiError(
            403, "not_admin", "Chỉ mã truy cập có vai trò admin mới được xem nhật ký kiểm toán"
        )
    params = request.query_params
    filters = AuditFilter(
        dataset=_text(params, "dataset"),
        agency=_text(params, "agency"),
        actor=_text(params, "actor"),
        action=_action(params),
        since=_moment(params, "since"),
        until=_moment(params, "until"),
    )
    after = _integer(params, "after", default=0, low=0, high=LARGEST_SEQ)
    limit = _integer(params, "limit", default=DEFAULT_LIMIT, low=1, high=MAX_QUERY_LIMIT)
    entries, more = await run_in_threadpool(_page, hub.audit, filters, after, limit)
    return AuditPage(
        entries=[AuditEntryItem.model_validate(entry.as_dict()) for entry in entries],
        next=entries[-1].seq if more else None,
    )


def _page(
    log: AuditLog, filters: AuditFilter, after: int, limit: int
) -> tuple[list[AuditEntry], bool]:
    entries = log.query(filters, after=after, limit=limit)
    # an entry whose seq no longer reads (shown as 0, flagged unreadable) sorts last: no page
    # follows it, and a next of 0 would start the list again
    more = (
        len(entries) == limit
        and entries[-1].seq > 0
        and bool(log.query(filters, after=entries[-1].seq, limit=1))
    )
    return entries, more


def _bad(parameter: str, message: str) -> ApiError:
    return ApiError(400, "bad_query", f"Tham số {parameter}: {message}", parameter=parameter)


def _text(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if not value.strip() or len(value) > _MAX_TEXT:
        raise _bad(name, f"cần từ 1 đến {_MAX_TEXT} ký tự")
    return value


def _action(params: Mapping[str, str]) -> str | None:
    value = params.get("action")
    if value is not None and not is_action_name(value):
        raise _bad("action", f"{value!r} không phải tên hành động dạng records.write")
    return value


def _moment(params: Mapping[str, str], name: str) -> dt.datetime | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        return parse_moment(value)
    except ValueError as exc:
        raise _bad(name, str(exc)) from None


def _integer(
    params: Mapping[str, str], name: str, *, default: int, low: int, high: int | None
) -> int:
    value = params.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _bad(name, f"{value!r} không phải số nguyên") from None
    if number < low or (high is not None and number > high):
        bounds = f"từ {low} đến {high}" if high is not None else f"từ {low} trở lên"
        raise _bad(name, f"phải {bounds}")
    return number
