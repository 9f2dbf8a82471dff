"""``POST /api/v1/datasets/{dataset}/records``: a producer agency publishes a JSON array.

Steps, in order: who is calling (token) → may it write this dataset (producer of the owning
agency) → mode and Idempotency-Key → body within limits → claim the key → validate and publish
→ store the answer under the key. While the batch runs, the claim's lease is renewed; a retry
after the process died takes the claim over and completes the batch without sending a record
twice (``hub.ingest.idempotency``).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
from collections.abc import Coroutine

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
from hub.ingest.batch import BatchResult, IngestMode, ingest_batch
from hub.ingest.batch_delivery import BatchDelivery
from hub.ingest.idempotency import (
    MAX_KEY_LENGTH,
    Claim,
    Holding,
    IdempotencyConflict,
    StoredAnswer,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"
log = logging.getLogger(__name__)


async def ingest_records(request: Request) -> Reply:
    hub: Hub = request.app.state.hub
    credential = agency(request)
    entry = _writable_entry(hub, credential, request.path_params["dataset_id"])
    mode = _mode(request)
    key = _idempotency_key(request)
    body = await read_json_body(request, max_bytes=hub.settings.ingest_max_body_bytes)
    documents = body.value
    if not isinstance(documents, list):
        raise ApiError(400, "not_an_array", "Nội dung phải là một mảng JSON các bản ghi")
    if not documents:
        raise ApiError(400, "empty_batch", "Lô bản ghi rỗng: không có gì để ghi")
    limit = hub.settings.ingest_max_records
    if len(documents) > limit:
        raise ApiError(
            413,
            "too_many_records",
            f"Lô có {len(documents)} bản ghi, vượt giới hạn {limit}; hãy chia nhỏ",
            limit=limit,
            received=len(documents),
        )
    holding: Holding | None = None
    if key:
        claim = Claim(credential.agency, entry.id, key)
        acquired = await _acquire(hub, claim, _fingerprint(mode, body.raw))
        if isinstance(acquired, StoredAnswer):
            return Reply(
                IngestAnswer.model_validate(acquired.body),
                acquired.status_code,
                headers={"Idempotent-Replayed": "true"},
            )
        holding = acquired
    if holding is None:
        result = await run_in_threadpool(_ingest, hub, entry.id, documents, mode, credential.agency)
        answer = _answer(result)
        await run_in_threadpool(_audit, hub, credential, result)
    else:
        answer = await _within(
            hub, _complete_held(hub, holding, entry.id, documents, mode, credential)
        )
    return Reply(IngestAnswer.model_validate(answer.body), answer.status_code)


def _ingest(
    hub: Hub,
    dataset_id: str,
    documents: list[object],
    mode: IngestMode,
    source_name: str,
    *,
    through: BatchDelivery | None = None,
) -> BatchResult:
    """The batch, in a worker thread (published ``through`` one idempotent batch's view of the
    bus, if given). The dataset's writer is made here too, off the event loop: a dataset's first
    batch registers its schema (a round trip to the registry, which may be slow or down), and
    every other request would wait behind it."""
    writer = hub.writer(dataset_id)
    if through is not None:
        writer = writer.through(through)
    return ingest_batch(writer, documents, mode=mode, source_name=source_name)


def _answer(result: BatchResult) -> StoredAnswer:
    return StoredAnswer(422 if result.refused else 200, result.as_dict())


def _audit(hub: Hub, credential: Credential, result: BatchResult) -> None:
    actor = token_actor(credential.token_id, credential.agency)
    record_write(hub.audit, actor, result.dataset, result.audit_details())


async def _complete_held(
    hub: Hub,
    holding: Holding,
    dataset_id: str,
    documents: list[object],
    mode: IngestMode,
    credential: Credential,
) -> StoredAnswer:
    """The batch under its claim, to the end: published, its answer stored under the key,
    audited. It fails by releasing the claim, so that a retry takes the batch over."""
    try:
        result = await run_in_threadpool(
            _ingest_held, hub, holding, dataset_id, documents, mode, credential.agency
        )
    except IdempotencyConflict as exc:  # the lease lapsed and another attempt took over
        raise _conflict(exc) from exc
    except BaseException:
        await run_in_threadpool(hub.idempotency.release, holding)
        raise
    answer = _answer(result)
    await run_in_threadpool(hub.idempotency.finish, holding, answer)
    await run_in_threadpool(_audit, hub, credential, result)
    return answer


_FINISHING: set[asyncio.Task[StoredAnswer]] = set()
"""Batches still publishing under their claims, whoever waits for them (kept from the
collector while they run)."""


async def _within(hub: Hub, completion: Coroutine[None, None, StoredAnswer]) -> StoredAnswer:
    """The batch's answer if it is done within ``ingest_answer_within_s``; else a 503 with
    Retry-After while the batch goes on under its claim, as a task of its own (as it does when
    the client goes away)."""
    task = asyncio.ensure_future(completion)
    _FINISHING.add(task)
    task.add_done_callback(_FINISHING.discard)
    try:
        done, _ = await asyncio.wait({task}, timeout=hub.settings.ingest_answer_within_s)
    except asyncio.CancelledError:
        task.add_done_callback(_log_failure)
        raise
    if done:
        return task.result()
    task.add_done_callback(_log_failure)
    retry_after = max(1, math.ceil(hub.settings.idempotency_stale_after_s / 3))
    raise ApiError(
        503,
        "still_publishing",
        "Bus dữ liệu chưa nhận xong lô này; lô vẫn đang được ghi. Hãy gửi lại với cùng"
        f" {IDEMPOTENCY_HEADER} sau {retry_after} giây",
        headers={"Retry-After": str(retry_after)},
    )


def _log_failure(task: asyncio.Task[StoredAnswer]) -> None:
    """A batch nobody waits for any more that failed: its claim is released for the retry."""
    if not task.cancelled() and (failure := task.exception()) is not None:
        log.warning("ingest_batch_failed_after_answer", extra={"error": repr(failure)})


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


async def _acquire(hub: Hub, claim: Claim, fingerprint: str) -> Holding | StoredAnswer:
    try:
        return await run_in_threadpool(hub.idempotency.acquire, claim, fingerprint)
    except IdempotencyConflict as exc:
        raise _conflict(exc) from exc


def _ingest_held(
    hub: Hub,
    holding: Holding,
    dataset_id: str,
    documents: list[object],
    mode: IngestMode,
    source_name: str,
) -> BatchResult:
    """``_ingest`` under the batch's Idempotency-Key: tagged, its lease renewed while it runs."""
    delivery = BatchDelivery(hub.bus, hub.idempotency, holding, hub.topic_ends)
    with hub.idempotency.kept_alive(holding):
        return _ingest(hub, dataset_id, documents, mode, source_name, through=delivery)


def _conflict(exc: IdempotencyConflict) -> ApiError:
    """409; while the key's batch runs elsewhere, with how long until its lease ends."""
    headers = None
    if exc.retry_after_s is not None:
        headers = {"Retry-After": str(max(1, math.ceil(exc.retry_after_s)))}
    elif exc.reason == "in_progress":
        headers = {"Retry-After": "1"}
    return ApiError(409, exc.reason, str(exc), headers=headers)
