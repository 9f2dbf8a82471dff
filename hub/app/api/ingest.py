"""``POST /api/v1/datasets/{dataset}/records``: a producer agency publishes a JSON array.

Steps, in order: who is calling (token) → may it write this dataset (producer of the owning
agency) → mode and Idempotency-Key → body within limits → claim the key → validate and publish
→ store the answer under the key.
"""

from __future__ import annotations

import hashlib

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from hub.app.api.answers import IngestAnswer
from hub.app.api.authentication import agency
from hub.app.api.body import read_json_body
from hub.app.api.datasets import catalogue_entry, refusal_error
from hub.app.api.endpoint import Reply
from hub.app.api.errors import ApiError
from hub.app.wiring import Hub
from hub.audit.entry import token_actor
from hub.audit.trail import record_write
from hub.auth.policy import write_refusal
from hub.auth.tokens import Credential
from hub.catalogue.models import DatasetEntry
from hub.ingest.batch import IngestMode, ingest_batch
from hub.ingest.idempotency import (
    MAX_KEY_LENGTH,
    Claim,
    IdempotencyConflict,
    StoredAnswer,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"


async def ingest_records(request: Request) -> Reply:
    hub: Hub = request.app.state.hub
    credential = agency(request)
    entry = _writable_entry(hub, credential, request.path_params["dataset_id"])
    mode = _mode(request)
    key = _idempotency_key(request)
    body = await read_json_body(request, max_bytes=hub.settings.ingest_max_body_bytes)
    documents = body.value
    if not isinstance(documents, list):
        raise ApiError(422, "not_an_array", "Nội dung phải là một mảng JSON các bản ghi")
    if not documents:
        raise ApiError(422, "empty_batch", "Lô bản ghi rỗng: không có gì để ghi")
    limit = hub.settings.ingest_max_records
    if len(documents) > limit:
        raise ApiError(
            413,
            "too_many_records",
            f"Lô có {len(documents)} bản ghi, vượt giới hạn {limit}; hãy chia nhỏ",
            limit=limit,
            received=len(documents),
        )
    claim = Claim(credential.agency, entry.id, key) if key else None
    if claim is not None:
        fingerprint = _fingerprint(mode, body.raw)
        stored = await _claim(hub, claim, fingerprint)
        if stored is not None:
            return Reply(
                IngestAnswer.model_validate(stored.body),
                stored.status_code,
                headers={"Idempotent-Replayed": "true"},
            )
    try:
        result = await run_in_threadpool(
            ingest_batch,
            hub.writer(entry.id),
            documents,
            mode=mode,
            source_name=credential.agency,
        )
    except BaseException:
        if claim is not None:
            await run_in_threadpool(hub.idempotency.release, claim)
        raise
    answer = StoredAnswer(422 if result.refused else 200, result.as_dict())
    if claim is not None:
        await run_in_threadpool(hub.idempotency.finish, claim, answer)
    actor = token_actor(credential.token_id, credential.agency)
    await run_in_threadpool(record_write, hub.audit, actor, result.dataset, result.audit_details())
    return Reply(IngestAnswer.model_validate(answer.body), answer.status_code)


def _writable_entry(hub: Hub, credential: Credential, dataset_id: str) -> DatasetEntry:
    entry = catalogue_entry(hub, dataset_id)
    refusal = write_refusal(credential, entry)
    if refusal is not None:
        raise refusal_error(refusal)
    return entry


def _mode(request: Request) -> IngestMode:
    raw = request.query_params.get("mode", IngestMode.ATOMIC.value)
    try:
        return IngestMode(raw)
    except ValueError:
        raise ApiError(
            400, "bad_query", f"mode phải là 'atomic' hoặc 'partial' (nhận được {raw!r})"
        ) from None


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ApiError(
            400,
            "bad_idempotency_key",
            f"{IDEMPOTENCY_HEADER} phải gồm 1–{MAX_KEY_LENGTH} ký tự ASCII in được",
        )
    return key


def _fingerprint(mode: IngestMode, body: bytes) -> str:
    return hashlib.sha256(mode.value.encode() + b"\n" + body).hexdigest()


async def _claim(hub: Hub, claim: Claim, fingerprint: str) -> StoredAnswer | None:
    try:
        return await run_in_threadpool(hub.idempotency.claim, claim, fingerprint)
    except IdempotencyConflict as exc:
        raise ApiError(409, exc.reason, str(exc)) from exc
