"""The citizen's pages, "Dữ liệu của tôi" under ``/cua-toi``: my evidence with its versions,
my consents (grant, revoke) and who read my data.

Every page takes the citizen from the session, never from the URL: a consent id in a form is
looked up among the signed-in citizen's own consents by the same ``ProvideOnce`` service the
API uses (another citizen's id is "not found"), and the audit log names the citizen as the API
does (``subject:<cccd>``). Staff signed in get a 403 page saying these pages are for citizens.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hub.app.web.citizen_consent_form import ConsentForm, read_consent_form
from hub.app.web.people.csrf import checked_form
from hub.app.web.people.person import Person
from hub.app.web.people.session import private, require_person
from hub.app.web.templating import render
from hub.app.wiring import Hub
from hub.audit.actions import EVIDENCE_READ
from hub.audit.entry import Actor, AuditEntry
from hub.audit.stored import UNKNOWN_MOMENT
from hub.provide_once.consent import Consent
from hub.provide_once.errors import InvalidEvidence, NotFound
from hub.provide_once.evidence import EvidenceVersion
from hub.provide_once.prefill import CONSENT, LEGAL_BASIS
from hub.provide_once.subjects import Subject
from hub.vietnam_time import vietnam_today

READS_SHOWN = 1000
"""The audit entries about the citizen read for the "who read my data" page (the newest)."""


@dataclass(frozen=True)
class EvidenceItem:
    current: EvidenceVersion
    type_name: str
    issuer_name: str
    valid: bool
    versions: list[EvidenceVersion]


@dataclass(frozen=True)
class ReadOfMyData:
    at: dt.datetime | None
    agency: str
    procedure: str
    evidence: list[str]
    bases: list[str]


@dataclass(frozen=True)
class Citizen:
    """Who a citizen's page is for, taken from the session."""

    hub: Hub
    person: Person
    subject: Subject


CitizenHandler = Callable[[Request, Citizen], Awaitable[Response]]


def for_citizens(handler: CitizenHandler) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint: a visitor goes to sign in, staff get the 403 page, a citizen the page."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        person = require_person(request)
        if not person.is_citizen:
            return _not_for_staff(request)
        hub: Hub = request.app.state.hub
        return await handler(request, Citizen(hub, person, person.citizen()))

    return endpoint


def _actor(subject: Subject) -> Actor:
    """The actor the API's ``/api/v1/me`` endpoints audit a subject's own acts under."""
    return Actor(f"subject:{subject.id}")


def _names(hub: Hub) -> dict[str, str]:
    return {agency.id: agency.name for agency in hub.catalogue.catalogue.agencies}


@for_citizens
async def my_evidence(request: Request, citizen: Citizen) -> Response:
    hub, person, subject = citizen.hub, citizen.person, citizen.subject
    service = hub.provide_once
    found = await run_in_threadpool(service.evidence.current, subject.id)
    agencies = _names(hub)
    today = vietnam_today()
    items = []
    for current in sorted(found, key=lambda e: (e.evidence_type, e.evidence_id)):
        versions = await run_in_threadpool(
            service.history, current.evidence_id, actor=_actor(subject), subject=subject
        )
        kind = service.procedures.evidence_type(current.evidence_type)
        items.append(
            EvidenceItem(
                current=current,
                type_name=kind.name if kind else current.evidence_type,
                issuer_name=agencies.get(current.issuer, current.issuer),
                valid=current.valid_on(today),
                versions=sorted(versions, key=lambda v: v.version, reverse=True),
            )
        )
    context = {"person": person, "items": items, "agencies": agencies}
    return private(render(request, "citizen/evidence.html", context))


@for_citizens
async def my_consents(request: Request, citizen: Citizen) -> Response:
    hub, person, subject = citizen.hub, citizen.person, citizen.subject
    done = request.query_params.get("xong")
    return await _consents_page(request, hub, person, subject, ConsentForm(), done=done)


@for_citizens
async def grant_consent(request: Request, citizen: Citizen) -> Response:
    hub, person, subject = citizen.hub, citizen.person, citizen.subject
    form = await checked_form(request)
    posted, given = read_consent_form(form)
    if given is not None:
        try:
            await run_in_threadpool(
                hub.provide_once.grant_consent, subject, given, actor=_actor(subject)
            )
        except InvalidEvidence as refused:
            field = str(refused.details.get("field", "agency"))
            posted.errors[field] = str(refused)
    if posted.errors:
        return await _consents_page(request, hub, person, subject, posted, status=422)
    return RedirectResponse("/cua-toi/dong-y?xong=cap", status_code=303)


@for_citizens
async def revoke_consent(request: Request, citizen: Citizen) -> Response:
    hub, subject = citizen.hub, citizen.subject
    await checked_form(request)
    consent_id = request.path_params["consent_id"]
    try:
        await run_in_threadpool(
            hub.provide_once.revoke_consent, subject, consent_id, actor=_actor(subject)
        )
    except NotFound:
        message = "Không có đồng ý này trong các đồng ý của bạn."
        page = render(request, "not_found.html", {"message": message}, status=404)
        return private(page)
    return RedirectResponse("/cua-toi/dong-y?xong=rut", status_code=303)


@for_citizens
async def who_read_my_data(request: Request, citizen: Citizen) -> Response:
    hub, person, subject = citizen.hub, citizen.person, citizen.subject
    entries = await run_in_threadpool(_newest_entries, hub, subject)
    consents = await run_in_threadpool(hub.provide_once.consents.of_subject, subject.id)
    reads = [
        _read_or_flag(hub, entry, consents)
        for entry in entries
        if entry.action == EVIDENCE_READ or entry.unreadable
    ]
    context = {"person": person, "reads": reads}
    return private(render(request, "citizen/access_log.html", context))


def _not_for_staff(request: Request) -> Response:
    message = (
        "Các trang “Dữ liệu của tôi” dành cho công dân đăng nhập bằng tài khoản định danh. "
        "Tài khoản cán bộ không có giấy tờ, đồng ý hay nhật ký truy cập của công dân ở đây."
    )
    return private(render(request, "people/forbidden.html", {"message": message}, status=403))


async def _consents_page(
    request: Request,
    hub: Hub,
    person: Person,
    subject: Subject,
    form: ConsentForm,
    *,
    status: int = 200,
    done: str | None = None,
) -> Response:
    consents = await run_in_threadpool(hub.provide_once.consents.of_subject, subject.id)
    procedures = hub.provide_once.procedures
    now = dt.datetime.now(dt.UTC)
    context: dict[str, Any] = {
        "person": person,
        "consents": [(c, c.state(now).value) for c in consents],
        "agencies": _names(hub),
        "procedures": {p.code: p.name for p in procedures.procedures},
        "evidence_types": {
            t.code: t.name for t in procedures.evidence_types if subject.kind in t.subjects
        },
        "form": form,
        "done": done,
        "today": vietnam_today(),
    }
    return private(render(request, "citizen/consents.html", context, status=status))


def _newest_entries(hub: Hub, subject: Subject) -> list[AuditEntry]:
    """The newest entries about the subject, newest first (the log is read oldest first)."""
    entries: list[AuditEntry] = []
    after = 0
    while True:
        page = hub.provide_once.access_log(subject, after=after, limit=READS_SHOWN)
        entries = (entries + page)[-READS_SHOWN:]
        if len(page) < READS_SHOWN:
            return list(reversed(entries))
        after = page[-1].seq


def _read_or_flag(hub: Hub, entry: AuditEntry, consents: list[Consent]) -> ReadOfMyData:
    """The read, or, for an entry tampered into something that no longer reads as one, a row
    saying so (the audit log's verify names it for the hub's operators)."""
    if entry.unreadable is None:
        try:
            return _read(hub, entry, consents)
        except (TypeError, ValueError, AttributeError, KeyError):
            pass  # details altered into values of other types: flagged below
    at = None if entry.unreadable and entry.at == UNKNOWN_MOMENT else entry.at
    return ReadOfMyData(
        at=at,
        agency=_names(hub).get(entry.actor.agency or "", entry.actor.agency or "–"),
        procedure=f"Mục nhật ký số {entry.seq} đã bị sửa, không đọc được",
        evidence=[],
        bases=["Kho đã ghi nhận sai lệch này; quản trị viên kiểm tra nhật ký kiểm toán"],
    )


def _read(hub: Hub, entry: AuditEntry, consents: list[Consent]) -> ReadOfMyData:
    """One ``evidence.read`` entry as the citizen reads it: who, for which procedure, which
    evidence, and on which basis (the law the procedure names, or the citizen's consent)."""
    procedures = hub.provide_once.procedures
    details = entry.details
    agency = entry.actor.agency or ""
    code = str(details.get("procedure") or "")
    procedure = procedures.procedure(code) if code else None
    covered: dict[str, str] = dict(details.get("covered") or {})
    evidence = [f"{evidence_id} (phiên bản {v})" for evidence_id, v in details.get("evidence", [])]
    if "history_of" in details:
        evidence = [f"Lịch sử giấy tờ {details['history_of']}"]
    bases = []
    for type_code, basis in sorted(covered.items()):
        kind = procedures.evidence_type(type_code)
        name = kind.name if kind else type_code
        if basis == LEGAL_BASIS:
            law = procedure.legal_basis if procedure and procedure.legal_basis else "pháp luật"
            bases.append(f"{name}: theo quy định — {law}")
        elif basis == CONSENT:
            given = _consent_used(consents, agency, code, type_code, entry.at)
            bases.append(f"{name}: theo đồng ý của bạn" + (f" ({given})" if given else ""))
    if not covered and "history_of" in details:
        bases.append("Cơ quan cấp giấy tờ xem lại giấy tờ mình đã cấp")
    return ReadOfMyData(
        at=entry.at,
        agency=_names(hub).get(agency, agency or "Quản trị viên hệ thống Kho"),
        procedure=f"{procedure.name} ({procedure.code})" if procedure else (code or "–"),
        evidence=evidence,
        bases=bases,
    )


def _utc(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive moments, which the hub stores in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _consent_used(
    consents: list[Consent], agency: str, purpose: str, evidence_type: str, at: dt.datetime
) -> str | None:
    """The id of the consent that let the agency read this type at that moment."""
    for consent in consents:
        if (
            consent.agency == agency
            and consent.purpose == purpose
            and evidence_type in consent.evidence_types
            and _utc(consent.granted_at) <= _utc(at)
            and (consent.revoked_at is None or _utc(at) < _utc(consent.revoked_at))
        ):
            return consent.consent_id
    return None


CITIZEN_PAGES = [
    Route("/cua-toi", my_evidence, methods=["GET"], name="citizen_evidence"),
    Route("/cua-toi/dong-y", my_consents, methods=["GET"], name="citizen_consents"),
    Route("/cua-toi/dong-y", grant_consent, methods=["POST"], name="citizen_grant"),
    Route(
        "/cua-toi/dong-y/{consent_id}/rut",
        revoke_consent,
        methods=["POST"],
        name="citizen_revoke",
    ),
    Route("/cua-toi/ai-da-xem", who_read_my_data, methods=["GET"], name="citizen_reads"),
]
