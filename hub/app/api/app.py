"""The hub's HTTP app, assembled in one place, read top to bottom."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.app.api import (
    audit,
    datasets,
    evidence,
    ingest,
    me,
    openapi,
    publications,
    registry_api,
    stream,
)
from hub.app.api.errors import (
    http_error,
    provide_once_error,
    unexpected_error,
    unreachable_error,
)
from hub.app.wiring import Hub
from hub.errors import UnreachableError
from hub.provide_once.errors import ProvideOnceError


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def build_app(hub: Hub) -> Starlette:
    routes = [
        Route("/healthz", health),
        Route("/openapi.json", openapi.serve_openapi),
        Route("/api/v1/catalogue", datasets.list_catalogue),
        Route("/api/v1/datasets/{dataset_id}", datasets.show_dataset),
        Route("/api/v1/datasets/{dataset_id}/records", datasets.read_records, methods=["GET"]),
        Route("/api/v1/datasets/{dataset_id}/records", ingest.ingest_records, methods=["POST"]),
        Route("/api/v1/datasets/{dataset_id}/stream", stream.stream_records),
        Route("/api/v1/audit", audit.list_audit),
        Route("/api/v1/evidence", evidence.record_evidence, methods=["POST"]),
        Route("/api/v1/evidence/{evidence_id:path}/history", evidence.evidence_history),
        Route("/api/v1/subjects/{subject_id}/prefill", evidence.prefill),
        Route("/api/v1/subjects/{subject_id}/access-log", evidence.subject_access_log),
        Route("/api/v1/me", me.who_am_i),
        Route("/api/v1/me/evidence", me.my_evidence),
        Route("/api/v1/me/consents", me.my_consents, methods=["GET"]),
        Route("/api/v1/me/consents", me.grant_consent, methods=["POST"]),
        Route("/api/v1/me/consents/{consent_id}", me.revoke_consent, methods=["DELETE"]),
        Route("/api/v1/me/access-log", me.my_access_log),
        Route("/api/v1/publications", publications.list_publications),
        Route(
            "/api/v1/publications/{publication_id}/approval",
            publications.grant_approval,
            methods=["POST"],
        ),
        Route(
            "/api/v1/publications/{publication_id}/approval",
            publications.revoke_approval,
            methods=["DELETE"],
        ),
        *registry_api.routes(hub),  # the Confluent Schema Registry API at /registry
    ]

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            async with anyio.create_task_group() as background:
                background.start_soon(hub.idempotency.purge_periodically)  # expired keys
                yield
                background.cancel_scope.cancel()
        finally:
            if hub.async_postgres is not None:
                await hub.async_postgres.close()

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            HTTPException: http_error,
            UnreachableError: unreachable_error,
            ProvideOnceError: provide_once_error,
            Exception: unexpected_error,
        },
    )
    app.state.hub = hub
    return app
