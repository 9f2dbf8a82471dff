"""CSRF protection for every form: a random token per session, written in each form by
``{{ csrf_field() }}`` and checked by ``checked_form`` (403 without it or with another)."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup, escape
from starlette.datastructures import FormData
from starlette.requests import HTTPConnection, Request

FIELD = "csrf_token"
_KEY = "csrf"


class CsrfRefused(Exception):  # noqa: N818 (a refusal answered with a 403 page)
    """A form posted without this session's CSRF token."""


def csrf_token(conn: HTTPConnection) -> str:
    """This session's token, made on first use."""
    session = conn.session
    token = session.get(_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[_KEY] = token
    return token


@pass_context
def csrf_field(context: Any) -> Markup:
    """The hidden field a template writes in every form."""
    token = csrf_token(context["request"])
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, escape(token))


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matches the session's; CsrfRefused otherwise."""
    form = await request.form()
    sent = form.get(FIELD)
    expected = request.session.get(_KEY)
    if (
        not isinstance(sent, str)
        or not isinstance(expected, str)
        or not expected
        or not hmac.compare_digest(sent.encode(), expected.encode())
    ):
        raise CsrfRefused(request.url.path)
    return form
