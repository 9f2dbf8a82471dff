"""The favicon browsers ask for at the site's root, served from the package's static folder."""

from __future__ import annotations

from importlib.resources import files

from starlette.requests import Request
from starlette.responses import Response

FAVICON = files("hub.app.web").joinpath("static", "favicon.ico").read_bytes()


async def favicon(_: Request) -> Response:
    return Response(
        FAVICON, media_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"}
    )
