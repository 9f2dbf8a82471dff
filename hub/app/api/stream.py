"""``GET /api/v1/datasets/{dataset}/stream``: new records as server-sent events.

Each event carries one record (decoded from Avro to JSON, in the projection the catalogue
grants the caller: see hub.auth.policy) and, as its
``id``, the cursor after it. A client that reconnects with ``Last-Event-ID`` (browsers do this
on their own) or ``?after=<cursor>`` resumes exactly where it stopped. Without either, the
stream starts at the end of the topic: only records published from now on.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from hub.app.api.cursor import format_cursor, parse_cursor
from hub.app.api.datasets import audit_personal_read, read_page, readable
from hub.app.api.errors import ApiError
from hub.app.api.stream_tail import Ends
from hub.app.wiring import Hub
from hub.auth.policy import ReadAccess
from hub.auth.tokens import Credential
from hub.catalogue.models import DatasetEntry

PAGE_SIZE = 500
PING_SECONDS = 15


async def stream_records(request: Request) -> EventSourceResponse:
    hub, entry, credential, access = await readable(request)
    resume = request.headers.get("last-event-id") or request.query_params.get("after")
    try:
        positions = parse_cursor(resume) if resume else None
    except ValueError as exc:
        raise ApiError(400, "bad_query", f"Tham số không hợp lệ: {exc}") from exc
    if positions is None:
        positions = await run_in_threadpool(hub.bus.end_offsets, entry.topic)
    events = _events(hub, entry, credential, access, positions)
    return EventSourceResponse(events, ping=PING_SECONDS)


async def _events(
    hub: Hub,
    entry: DatasetEntry,
    credential: Credential | None,
    access: ReadAccess,
    positions: dict[int, int],
) -> AsyncIterator[ServerSentEvent]:
    projection = access.projection
    ends: Ends | None = None
    while True:
        # the process's one watcher of this topic (hub.app.api.stream_tail): no bus call here
        # until the ends move
        ends = await hub.stream_tails.ends_after(entry.topic, ends)
        while True:
            page, _ = await run_in_threadpool(
                read_page, hub, entry, projection, positions, PAGE_SIZE, ends
            )
            if not page:
                break
            # logged before the records leave: a personal read is never shown unaudited
            await run_in_threadpool(audit_personal_read, hub, entry, credential, access, page)
            for item in page:
                positions[item["partition"]] = item["offset"] + 1
                yield ServerSentEvent(
                    data=json.dumps(item, ensure_ascii=False),
                    event="record",
                    id=format_cursor(positions),
                )
