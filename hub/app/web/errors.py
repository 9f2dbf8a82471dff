"""How an error looks: a Vietnamese page for a browser path, the API's JSON for an API path."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from hub.app.api.errors import http_error
from hub.app.web.templating import render

API_PREFIXES = ("/api/", "/registry", "/healthz", "/openapi.json")


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def not_found_page(request: Request, message: str | None = None) -> Response:
    """The Vietnamese 404 page with a way back; ``message`` says what was not found."""
    return render(request, "not_found.html", {"message": message}, status=404)


async def page_or_api_error(request: Request, exc: Exception) -> Response:
    """A 404 on a page path is the Vietnamese page; everything else is the API's JSON error."""
    if (
        isinstance(exc, HTTPException)
        and exc.status_code == 404
        and not is_api_path(request.url.path)
    ):
        return not_found_page(request)
    return await http_error(request, exc)
