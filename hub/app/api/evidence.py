"""The provide-once store for agencies: issuers record evidence, agencies opening a dossier
prefill it, and the subject's access log for the subject itself or an administrator.

- ``POST /api/v1/evidence``: an issuing agency's producer token records evidence or a
  correction (201 created; 200 corrected or unchanged).
- ``GET /api/v1/subjects/{subject_id}/prefill?procedure=<code>``: a consumer token.
- ``GET /api/v1/evidence/{evidence_id}/history``: the issuer's token or the subject's.
- ``GET /api/v1/subjects/{subject_id}/access-log``: the subject, or an admin token.
"""

from __future__ import annotations

import logging
from typing import TypeVar

import pydantic
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from hub.app.api.authentication import READ_AHEAD, agency, caller
from hub.app.api.body import read_json_body
from hub.app.api.endpoint import Reply
from hub.app.api.errors import ApiError
from hub.app.api.numbers import LARGEST_SEQ, bounded_int
from hub.app.api.provide_once_answers import (
    AccessLogPage,
    HistoryAnswer,
    PrefillAnswer,
    RecordAnswer,
)
from hub.app.wiring import Hub
from hub.audit.entry import Actor, token_actor
from hub.auth.tokens import Credential, Role
from hub.errors import KhoError
from hub.provide_once.evidence import EvidenceInput, Outcome
from hub.provide_once.subjects import Subject, parse_subject

log = logging.getLogger("kho.api.evidence")

MAX_EVIDENCE_BYTES = 64 * 1024
ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)


async def record_evidence(request: Request) -> Reply:
    hub: Hub = request.app.state.hub
    credential = agency(request)
    _require(credential, Role.PRODUCER, "ghi giấy tờ")
    body = await read_json_body(request, max_bytes=MAX_EVIDENCE_BYTES)
    item = parse_body(EvidenceInput, body.value)
    actor = token_actor(credential.token_id, credential.agency)
    result = await run_in_threadpool(hub.provide_once.record, item, actor=actor)
    published = await run_in_threadpool(_publish_pending, hub)
    status = 201 if result.outcome is Outcome.CREATED else 200
    answer = RecordAnswer.model_validate(
        {
            "outcome": result.outcome.value,
            "evidence": result.evidence.as_dict(),
            "event": "published" if published else "pending",
        }
    )
    return Reply(answer, status)


async def prefill(request: Request) -> PrefillAnswer:
    hub: Hub = request.app.state.hub
    credential = agency(request)
    _require(credential, Role.CONSUMER, "lấy giấy tờ để điền sẵn hồ sơ")
    subject_id = request.path_params["subject_id"]
    procedure = request.query_params.get("procedure", "")
    actor = token_actor(credential.token_id, credential.agency)
    ahead = request.scope.get(READ_AHEAD)  # the facts the authentication read with the token
    answer = await hub.provide_once.prefill_async(subject_id, procedure, actor=actor, ahead=ahead)
    return PrefillAnswer.model_validate(answer.as_dict())


async def evidence_history(request: Request) -> HistoryAnswer:
    hub: Hub = request.app.state.hub
    who = _agency_or_subject(request)
    evidence_id = request.path_params["evidence_id"]
    subject = who if isinstance(who, Subject) else None
    versions = await run_in_threadpool(
        hub.provide_once.history, evidence_id, actor=actor_of(who), subject=subject
    )
    return HistoryAnswer.model_validate(
        {"evidence_id": evidence_id, "versions": [v.as_dict() for v in versions]}
    )


async def subject_access_log(request: Request) -> AccessLogPage:
    hub: Hub = request.app.state.hub
    who = _agency_or_subject(request)
    requested = request.path_params["subject_id"]
    if isinstance(who, Subject):
        if who.id != requested:
            await run_in_threadpool(
                hub.provide_once.refuse_other_subject, actor_of(who), who, requested
            )
        return await access_log_page(request, hub, who)
    if not who.has(Role.ADMIN):
        raise ApiError(
            403,
            "not_admin",
            "Chỉ chủ thể hoặc quản trị viên mới xem được nhật ký truy cập của chủ thể",
        )
    return await access_log_page(request, hub, parse_subject(requested))


def _agency_or_subject(request: Request) -> Credential | Subject:
    who = caller(request)
    if who is None:
        raise TypeError(f"{request.url.path} is not declared for an agency or a subject")
    return who


async def access_log_page(request: Request, hub: Hub, subject: Subject) -> AccessLogPage:
    """One page of the subject's access log: ``after`` (a seq) and ``limit`` (1..500)."""
    after = _integer(request, "after", default=0, low=0, high=LARGEST_SEQ)
    limit = _integer(request, "limit", default=100, low=1, high=500)
    entries = await run_in_threadpool(
        hub.provide_once.access_log, subject, after=after, limit=limit + 1
    )
    view = hub.access_log_view
    page = entries[:limit]
    return AccessLogPage.model_validate(
        {
            "subject_id": subject.id,
            "entries": [view.describe(entry) for entry in page],
            "next": page[-1].seq if len(entries) > limit else None,
        }
    )


def actor_of(caller: Credential | Subject) -> Actor:
    if isinstance(caller, Subject):
        return Actor(f"subject:{caller.id}")
    return token_actor(caller.token_id, caller.agency)


def parse_body(model: type[ModelT], value: object) -> ModelT:
    """The body as ``model``, or a 422 naming each field that is wrong."""
    try:
        return model.model_validate(value)
    except pydantic.ValidationError as exc:
        problems = [
            {
                "field": ".".join(str(p) for p in error["loc"]) or "(gốc)",
                "message": _PYDANTIC_MESSAGES.get(error["type"], error["msg"]),
            }
            for error in exc.errors()
        ]
        first = problems[0]
        raise ApiError(
            422,
            "invalid_field",
            f"Trường {first['field']}: {first['message']}",
            field=first["field"],
            problems=problems,
        ) from None


_PYDANTIC_MESSAGES = {
    "missing": "bắt buộc phải có",
    "extra_forbidden": "không có trường này",
    "string_type": "phải là chuỗi",
    "string_too_short": "quá ngắn",
    "string_too_long": "quá dài",
    "string_pattern_mismatch": "không đúng định dạng",
    "date_from_datetime_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_type": "phải là ngày dạng YYYY-MM-DD",
    "datetime_from_date_parsing": "phải là thời điểm ISO 8601 có múi giờ",
    "datetime_parsing": "phải là thời điểm ISO 8601 có múi giờ",
    "timezone_aware": "phải ghi múi giờ, ví dụ 2026-12-31T00:00:00+07:00",
    "too_short": "cần ít nhất một phần tử",
    "too_long": "quá nhiều phần tử",
    "dict_type": "phải là đối tượng JSON",
    "model_type": "phải là đối tượng JSON",
    "tuple_type": "phải là danh sách",
}
"""Vietnamese for the pydantic errors a request body can meet; others keep pydantic's text."""


def _publish_pending(hub: Hub) -> bool:
    """Send the outbox's update events now; when the bus is down they stay for ``kho evidence
    outbox`` or the next write."""
    try:
        hub.evidence_outbox.drain()
    except KhoError as exc:
        log.warning("evidence events left in the outbox: %s", exc)
        return False
    return True


def _require(credential: Credential, role: Role, what: str) -> None:
    if not credential.has(role):
        raise ApiError(
            403,
            f"not_a_{role.value}",
            f"Mã truy cập cần vai trò {role.value} để {what}",
        )


def _integer(request: Request, name: str, *, default: int, low: int, high: int) -> int:
    value = request.query_params.get(name)
    if value is None:
        return default
    number = bounded_int(value, low, high)
    if number is None:
        raise ApiError(
            400,
            "bad_query",
            f"Tham số {name}: phải là số nguyên từ {low} đến {high}",
            parameter=name,
        )
    return number
