"""The app's own endpoints: liveness, metrics, and the OpenAPI document of every endpoint it
serves (readiness is in hub/app/api/readiness.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from hub.app.api.answers import Health
from hub.app.api.errors import VietnameseJSONResponse
from hub.app.api.openapi_document import openapi_document
from hub.metrics import exposition


async def health(request: Request) -> Health:
    return Health(status="ok")


async def metrics(request: Request) -> Response:
    """The Prometheus text of this process, or of every API worker in multiprocess mode."""
    body, content_type = exposition()
    return Response(body, media_type=content_type)


async def serve_openapi(request: Request) -> Response:
    """The document of the sections the app was built with (hub/app/api/app.py), made on the
    first request and kept: the table does not change while the app runs."""
    state = request.app.state
    if getattr(state, "openapi", None) is None:
        state.openapi = openapi_document(state.sections)
    return VietnameseJSONResponse(state.openapi)
