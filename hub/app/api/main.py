"""An app factory for uvicorn: ``uvicorn --factory hub.app.api.main:create_app``.

The hub is built from the environment (``KHO_*``) when the server starts and closed when it
stops, so several workers each get their own clients.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette

from hub.app.api.app import build_app
from hub.app.wiring import build_hub
from hub.settings import KhoSettings


def create_app() -> Starlette:
    hub = build_hub(KhoSettings())
    app = build_app(hub)

    serving = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(started: Starlette) -> AsyncIterator[None]:
        try:
            async with serving(started):
                yield
        finally:
            hub.close()

    app.router.lifespan_context = lifespan
    return app
