"""The citizen's (or organisation's) own pages, signed in with a subject token:

- ``GET /api/v1/me``: who is signed in.
- ``GET /api/v1/me/evidence``: the evidence the state holds about them, versions in force.
- ``GET /api/v1/me/consents``, ``POST /api/v1/me/consents`` (agency, purpose = a procedure
  code, evidence_types, expires_at), ``DELETE /api/v1/me/consents/{consent_id}``.
- ``GET /api/v1/me/access-log``: which agency read what, when, for which procedure.
"""

from __future__ import annotations

import datetime as dt

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from hub.app.api.authentication import subject as signed_in
from hub.app.api.body import read_json_body
from hub.app.api.endpoint import Reply
from hub.app.api.evidence import access_log_page, actor_of, parse_body
from hub.app.api.provide_once_answers import (
    AccessLogPage,
    ConsentItem,
    ConsentList,
    Me,
    MyEvidence,
)
from hub.app.wiring import Hub
from hub.provide_once.consent import ConsentInput
from hub.vietnam_time import vietnam_today

MAX_CONSENT_BYTES = 16 * 1024


async def who_am_i(request: Request) -> Me:
    subject = signed_in(request)
    return Me.model_validate({"subject_id": subject.id, "kind": subject.kind.value})


async def my_evidence(request: Request) -> MyEvidence:
    hub: Hub = request.app.state.hub
    subject = signed_in(request)
    found = await run_in_threadpool(hub.provide_once.evidence.current, subject.id)
    today = vietnam_today()
    return MyEvidence.model_validate(
        {
            "subject_id": subject.id,
            "evidence": [{**e.as_dict(), "valid": e.valid_on(today)} for e in found],
        }
    )


async def my_consents(request: Request) -> ConsentList:
    hub: Hub = request.app.state.hub
    subject = signed_in(request)
    consents = await run_in_threadpool(hub.provide_once.consents.of_subject, subject.id)
    now = dt.datetime.now(dt.UTC)
    return ConsentList.model_validate({"consents": [c.as_dict(now) for c in consents]})


async def grant_consent(request: Request) -> Reply:
    hub: Hub = request.app.state.hub
    subject = signed_in(request)
    body = await read_json_body(request, max_bytes=MAX_CONSENT_BYTES)
    given = parse_body(ConsentInput, body.value)
    consent = await run_in_threadpool(
        hub.provide_once.grant_consent, subject, given, actor=actor_of(subject)
    )
    return Reply(ConsentItem.model_validate(consent.as_dict(dt.datetime.now(dt.UTC))), 201)


async def revoke_consent(request: Request) -> ConsentItem:
    hub: Hub = request.app.state.hub
    subject = signed_in(request)
    consent_id = request.path_params["consent_id"]
    consent = await run_in_threadpool(
        hub.provide_once.revoke_consent, subject, consent_id, actor=actor_of(subject)
    )
    return ConsentItem.model_validate(consent.as_dict(dt.datetime.now(dt.UTC)))


async def my_access_log(request: Request) -> AccessLogPage:
    hub: Hub = request.app.state.hub
    subject = signed_in(request)
    return await access_log_page(request, hub, subject)
