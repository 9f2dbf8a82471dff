"""Security headers on every answer, as a plain ASGI middleware: pages load scripts and styles
only from the hub itself (no inline script), are never framed and leak no path to other sites.
An HTML page answered to someone signed in carries their name (and often their data), so it
is never stored by the browser or a proxy (``Cache-Control: no-store``), public pages too."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.app.web.people.session import current_person

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


PRIVATE_CACHE_CONTROL = "no-store"
"""The ``Cache-Control`` of every HTML page answered to a signed-in person."""


class SecurityHeadersMiddleware:
    """Adds SECURITY_HEADERS to each HTTP answer that has not set them itself, and marks every
    HTML page answered to a signed-in person ``no-store``. It sits outside the session
    middleware, which puts the session in the (shared) scope before the answer starts."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if _is_html(headers) and current_person(HTTPConnection(scope)) is not None:
                    headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_html(headers: MutableHeaders) -> bool:
    return headers.get("content-type", "").startswith("text/html")
