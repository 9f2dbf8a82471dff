"""The signed-in person's session: Starlette's ``SessionMiddleware`` (a cookie signed with
itsdangerous, HttpOnly, SameSite=Lax, Secure when ``KHO_SESSION_COOKIE_SECURE``) holding the
person, when the session ends, and the CSRF token.

``current_person`` reads it; ``require_person`` sends an anonymous visitor (or one whose session
has ended) to the sign-in and back to the page asked for.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from hub.app.web.people.next_path import local_path
from hub.app.web.people.person import Person

COOKIE_NAME = "kho_session"
SIGNIN_PATH = "/dang-nhap"
_PERSON = "person"
_ENDS_AT = "ends_at"
_EXPIRED = "expired"


def _now() -> float:
    """The clock sessions are timed by (a test moves it forward)."""
    return time.time()


class SignInRequired(Exception):  # noqa: N818 (a redirect, not an error)
    """Raised by ``require_person``; the app answers it with a redirect to ``location``."""

    def __init__(self, location: str, *, expired: bool) -> None:
        super().__init__(location)
        self.location = location
        self.expired = expired


def session_middleware(secret: str, *, secure: bool, max_age_s: int) -> Middleware:
    """The cookie lives a little longer than the session it holds, so that an ended session is
    recognised (and sent back to sign in) rather than silently dropped."""
    return Middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=COOKIE_NAME,
        max_age=max_age_s * 2,
        same_site="lax",
        https_only=secure,
    )


def sign_in(request: Request, person: Person, *, max_age_s: int, **extra: Any) -> None:
    """Starts the person's session; ``extra`` keeps what sign-out needs (the ID token)."""
    request.session.clear()
    request.session.update(
        {_PERSON: person.as_session(), _ENDS_AT: int(_now()) + max_age_s, **extra}
    )


def sign_out(request: Request) -> dict[str, Any]:
    """Ends the session; returns what it held."""
    held = dict(request.session)
    request.session.clear()
    return held


def current_person(conn: HTTPConnection) -> Person | None:
    """The person signed in, None for a visitor or a session that has ended."""
    session = _session(conn)
    data = session.get(_PERSON)
    if not isinstance(data, dict):
        return None
    if int(session.get(_ENDS_AT, 0)) <= _now():
        return None
    return Person.from_session(data)


def session_ended(conn: HTTPConnection) -> bool:
    """Whether the session holds a person whose time is over."""
    session = _session(conn)
    return isinstance(session.get(_PERSON), dict) and int(session.get(_ENDS_AT, 0)) <= _now()


def require_person(request: Request) -> Person:
    """The person signed in; otherwise ``SignInRequired`` to the sign-in, with ``next`` the
    page asked for."""
    person = current_person(request)
    if person is not None:
        return person
    wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    expired = session_ended(request)
    if expired:
        request.session.clear()
        request.session[_EXPIRED] = True
    raise SignInRequired(signin_url(wanted), expired=expired)


def signin_url(wanted: str) -> str:
    return f"{SIGNIN_PATH}?{urlencode({'next': local_path(wanted)})}"


def take_expired_notice(request: Request) -> bool:
    """Whether the visitor was just sent here because their session ended (asked once)."""
    return bool(request.session.pop(_EXPIRED, False))


def private(response: Response) -> Response:
    """Marks a page holding a person's data: never stored by the browser or a proxy, so that
    Back after sign-out shows nothing private."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _session(conn: HTTPConnection) -> dict[str, Any]:
    return conn.session if "session" in conn.scope else {}
