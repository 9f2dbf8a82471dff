"""The hub's HTTP app, assembled in one place, read top to bottom."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import sqlalchemy as sa
from anyio import to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.app.api import authentication, heap, registry_handlers
from hub.app.api.errors import (
    database_error,
    provide_once_error,
    unexpected_error,
    unreachable_error,
)
from hub.app.api.observability import HTTPMetricsMiddleware, RequestContextMiddleware
from hub.app.api.openapi_document import Section
from hub.app.api.rate_limits import RateLimiter, RateLimitMiddleware
from hub.app.api.registry_routes import PREFIX, REGISTRY_ENDPOINTS
from hub.app.api.routes import ENDPOINTS
from hub.app.api.routing import routes
from hub.app.web.errors import page_or, page_or_api_error
from hub.app.web.people.assembly import build_signin
from hub.app.web.routes import PAGE_ROUTES
from hub.app.web.security import SecurityHeadersMiddleware
from hub.app.wiring import Hub
from hub.errors import UnreachableError
from hub.identifiers.admin_units import load_code_lists
from hub.provide_once.errors import ProvideOnceError
from hub.registry.embedded import DatabaseSchemaRegistry


def _mount_every_path(prefix: str, app: Router) -> Mount:
    """A Mount for every path under the prefix: Starlette's ``{path:path}`` is ``.*``, which
    stops at a newline, so a subject holding one (``/registry/subjects/a%0A/versions``) fell
    through to the hub's own 404 instead of reaching the registry's routes."""
    mount = Mount(prefix, app=app)
    mount.path_regex = re.compile(mount.path_regex.pattern, re.DOTALL)
    return mount


def build_app(hub: Hub) -> Starlette:
    signin = build_signin(hub.settings)  # refuses unsafe sign-in settings before anything runs
    sections = [Section("", ENDPOINTS)]
    app_routes: list[BaseRoute] = [*routes(ENDPOINTS, authentication.refusal_answer)]
    if isinstance(hub.registry, DatabaseSchemaRegistry):
        # the Confluent Schema Registry API; an external registry serves its own
        sections.append(Section(PREFIX, REGISTRY_ENDPOINTS))
        registry = routes(REGISTRY_ENDPOINTS, registry_handlers.refusal_answer)
        app_routes.append(
            _mount_every_path(PREFIX, Router(routes=registry, default=registry_handlers.not_found))
        )
    app_routes.extend(PAGE_ROUTES)  # the public pages (hub/app/web), after the API's routes
    limiter = RateLimiter.from_settings(hub.settings) if hub.settings.rate_limits_on else None

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            async with anyio.create_task_group() as background:
                background.start_soon(hub.idempotency.expiry.purge_periodically)  # expired keys
                # the CCCD check's province tables: importing them takes seconds of CPU, which
                # the first prefill would otherwise spend on the event loop, stalling every
                # request in flight
                background.start_soon(_warm_then_settle)
                yield
                background.cancel_scope.cancel()
        finally:
            if limiter is not None:
                await limiter.aclose()  # its connections to Redis, if it counts there
            if hub.async_postgres is not None:
                await hub.async_postgres.close()

    app = Starlette(
        routes=app_routes,
        lifespan=lifespan,
        middleware=[
            Middleware(RequestContextMiddleware),  # first: every log line has the request id
            Middleware(HTTPMetricsMiddleware),
            Middleware(SecurityHeadersMiddleware),
            *_rate_limits(limiter),  # before the session: a refused request never touches it
            # the signed session cookie of people signed in to the pages; not on the API's paths
            Middleware(_PagesOnly, middleware=signin.middleware),
        ],
        exception_handlers={
            HTTPException: page_or_api_error,  # 404, 405, a refused form: pages too
            # on a page path each of these answers a Vietnamese page (hub/app/web/errors.py)
            UnreachableError: page_or(unreachable_error),
            sa.exc.DBAPIError: page_or(database_error),  # the database gone mid-request: 503
            ProvideOnceError: page_or(provide_once_error),
            Exception: page_or(unexpected_error),
            **signin.exception_handlers,  # to sign-in, and a form without its CSRF token
        },
    )
    app.state.hub = hub
    signin.install(app)
    app.state.sections = sections  # what /openapi.json describes
    return app


async def _warm_then_settle() -> None:
    """The contract checks' code lists loaded, the heap as built to serve is frozen."""
    await to_thread.run_sync(load_code_lists)
    heap.settle()


class _PagesOnly:
    """Runs ``middleware`` on every path but the API's (``/api/``). The API knows its caller by
    the Authorization header alone, never by the pages' session cookie, and the session
    middleware's wrapping of each request and answer cost about 1 % of a prefill's CPU."""

    def __init__(self, app: ASGIApp, middleware: Middleware) -> None:
        self.app = app
        cls, args, kwargs = middleware
        self.pages: ASGIApp = cls(app, *args, **kwargs)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
        else:
            await self.pages(scope, receive, send)


def _rate_limits(limiter: RateLimiter | None) -> list[Middleware]:
    return [] if limiter is None else [Middleware(RateLimitMiddleware, limiter=limiter)]
