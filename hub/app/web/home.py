"""``/``: the province at a glance."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from hub.app.web.templating import render


async def home_page(request: Request) -> Response:
    return render(request, "home.html", {})
