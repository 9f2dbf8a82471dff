"""``/dang-nhap`` (start), ``/dang-nhap/xong`` (the provider's redirect back) and ``/dang-xuat``
(end the session here and at the provider), plus the answers to ``SignInRequired`` and to a
form without its CSRF token.

With an issuer configured the start is the OpenID Connect code flow with PKCE; on the embedded
defaults it is the development sign-in's form of sample people. Every refusal is audited.
"""

from __future__ import annotations

import httpx
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hub.app.web.people.audit_trail import audit_refusal, audit_signin, audit_signout
from hub.app.web.people.configuration import SignInMode, SignInSettings
from hub.app.web.people.csrf import CsrfRefused, checked_form
from hub.app.web.people.identity_provider import IdentityProvider, SignInRefused
from hub.app.web.people.next_path import HOME, local_path
from hub.app.web.people.person import NotAPerson, person_from_claims
from hub.app.web.people.sample_people import sample_people, sample_person
from hub.app.web.people.session import (
    SignInRequired,
    current_person,
    private,
    require_person,
    sign_in,
    sign_out,
    take_expired_notice,
)
from hub.app.web.security import CONTENT_SECURITY_POLICY
from hub.app.web.templating import render
from hub.app.wiring import Hub

_NEXT = "signin_next"
_ID_TOKEN = "id_token"  # noqa: S105 (a session key, not a secret)


async def signin_start(request: Request) -> Response:
    settings = _settings(request)
    wanted = local_path(request.query_params.get("next"))
    if settings.mode is SignInMode.OFF:
        return render(request, "people/signin_off.html", status=503)
    if current_person(request) is not None:
        return RedirectResponse(wanted, status_code=303)
    expired = take_expired_notice(request)
    if settings.mode is SignInMode.DEVELOPMENT:
        hub: Hub = request.app.state.hub
        people = sample_people(hub.catalogue.catalogue)
        context = {"people": people, "next": wanted, "expired": expired}
        return render(request, "people/dev_signin.html", context)
    request.session[_NEXT] = wanted
    try:
        return await _provider(request).start(request, str(request.url_for("signin_done")))
    except SignInRefused as refused:
        return await _refused(request, refused.reason, refused.message, status=503)


async def signin_development(request: Request) -> Response:
    """The development sign-in's form: the sample person chosen."""
    if _settings(request).mode is not SignInMode.DEVELOPMENT:
        return render(request, "not_found.html", status=404)
    form = await checked_form(request)
    hub: Hub = request.app.state.hub
    chosen = form.get("person")
    person = sample_person(hub.catalogue.catalogue, chosen) if isinstance(chosen, str) else None
    if person is None:
        return await _refused(
            request, "unknown_sample_person", "Trường person: hãy chọn một người trong danh sách"
        )
    wanted = form.get("next")
    sign_in(request, person, max_age_s=_settings(request).max_age_s)
    await audit_signin(request, person, via="development")
    return RedirectResponse(local_path(wanted if isinstance(wanted, str) else None), 303)


async def signin_done(request: Request) -> Response:
    if _settings(request).mode is not SignInMode.OIDC:
        return render(request, "not_found.html", status=404)
    try:
        signed = await _provider(request).finish(request)
        person = person_from_claims(signed.claims)
    except (SignInRefused, NotAPerson) as refused:
        return await _refused(request, refused.reason, str(refused))
    wanted = local_path(request.session.get(_NEXT))
    sign_in(request, person, max_age_s=_settings(request).max_age_s, **{_ID_TOKEN: signed.id_token})
    await audit_signin(request, person, via="oidc")
    return RedirectResponse(wanted, status_code=303)


async def signout_page(request: Request) -> Response:
    person = current_person(request)
    if person is None:
        return RedirectResponse(HOME, status_code=303)
    page = private(render(request, "people/signout.html", {"person": person}))
    settings = _settings(request)
    if settings.mode is SignInMode.OIDC:
        # the form's answer redirects to the provider's end-session endpoint, and a browser
        # holds a form's redirects to the page's form-action too
        origin = str(httpx.URL(settings.issuer).copy_with(path="/", query=None)).rstrip("/")
        page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "form-action 'self'", f"form-action 'self' {origin}"
        )
    return page


async def signout(request: Request) -> Response:
    await checked_form(request)
    person = current_person(request)
    held = sign_out(request)
    if person is not None:
        await audit_signout(request, person)
    settings = _settings(request)
    if settings.mode is SignInMode.OIDC:
        id_token = held.get(_ID_TOKEN)
        home = str(request.url_for("home"))
        try:
            url = await _provider(request).end_session_url(
                id_token if isinstance(id_token, str) else None, home
            )
        except Exception:  # noqa: BLE001 (the hub's session is over either way)
            url = HOME
        return RedirectResponse(url, status_code=303)
    return RedirectResponse(HOME, status_code=303)


async def account_page(request: Request) -> Response:
    """``/tai-khoan``: who is signed in, as the hub sees them (the pages for citizens and staff
    start from here)."""
    person = require_person(request)
    return private(render(request, "people/account.html", {"person": person}))


async def sign_in_required(request: Request, exc: Exception) -> Response:
    """``require_person``'s redirect; an ended session is audited on its way."""
    if not isinstance(exc, SignInRequired):
        raise exc
    if exc.expired:
        await audit_refusal(request, "session_expired")
    return RedirectResponse(exc.location, status_code=303)


async def csrf_refused(request: Request, exc: Exception) -> Response:
    message = "Biểu mẫu thiếu mã chống giả mạo (csrf_token) hoặc mã đã cũ; hãy tải lại trang."
    await audit_refusal(request, "csrf_token")
    return render(request, "people/forbidden.html", {"message": message}, status=403)


SIGNIN_ROUTES = [
    Route("/dang-nhap", signin_start, methods=["GET"], name="signin"),
    Route("/dang-nhap", signin_development, methods=["POST"], name="signin_development"),
    Route("/dang-nhap/xong", signin_done, methods=["GET"], name="signin_done"),
    Route("/dang-xuat", signout_page, methods=["GET"], name="signout_page"),
    Route("/dang-xuat", signout, methods=["POST"], name="signout"),
    Route("/tai-khoan", account_page, methods=["GET"], name="account"),
]

SIGNIN_EXCEPTION_HANDLERS = {SignInRequired: sign_in_required, CsrfRefused: csrf_refused}


async def _refused(request: Request, reason: str, message: str, status: int = 400) -> Response:
    await audit_refusal(request, reason)
    return render(request, "people/signin_refused.html", {"message": message}, status=status)


def _settings(request: Request) -> SignInSettings:
    settings: SignInSettings = request.app.state.signin
    return settings


def _provider(request: Request) -> IdentityProvider:
    provider: IdentityProvider = request.app.state.identity_provider
    return provider
