"""An app factory for uvicorn: ``uvicorn --factory hub.app.api.main:create_app``.

The hub is built from the environment (``KHO_*``) when the server starts and closed when it
stops, so several workers each get their own clients.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import NoReturn

import pydantic
from starlette.applications import Starlette

from hub.app.api.app import build_app
from hub.app.api.observability import log_requests
from hub.app.wiring import build_hub
from hub.errors import KhoError
from hub.logs import configure_logging
from hub.settings import KhoSettings


def create_app() -> Starlette:
    try:
        configure_logging("kho api")  # uvicorn's own loggers too: JSON lines, secrets masked
        log_requests()
        hub = build_hub(KhoSettings())
    except pydantic.ValidationError as exc:
        _refuse_start(
            "Cấu hình không hợp lệ: "
            + "; ".join(
                f"KHO_{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
            )
        )
    except KhoError as exc:
        _refuse_start(str(exc))
    try:
        app = build_app(hub)  # refuses unsafe sign-in settings (hub/app/web/people)
    except KhoError as exc:
        _refuse_start(str(exc))

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


def _refuse_start(message: str) -> NoReturn:
    """One line naming the setting or the server, no traceback, a non-zero exit (uvicorn lets
    SystemExit through its factory loading)."""
    print(f"Lỗi: {' '.join(message.split())}", file=sys.stderr)  # noqa: T201
    raise SystemExit(1)
