"""The sign-in's parts for the app (hub/app/api/app.py): the session middleware, the exception
handlers, and the state the pages and the API read (``app.state.signin``,
``identity_provider``, ``person_tokens``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware

from hub.app.web.people.access_tokens import PersonTokens
from hub.app.web.people.configuration import SignInMode, SignInSettings, signin_settings
from hub.app.web.people.identity_provider import IdentityProvider
from hub.app.web.people.session import session_middleware
from hub.app.web.people.signin_pages import SIGNIN_EXCEPTION_HANDLERS
from hub.settings import KhoSettings


@dataclass(frozen=True)
class SignIn:
    settings: SignInSettings
    identity_provider: IdentityProvider | None
    person_tokens: PersonTokens | None

    @property
    def middleware(self) -> Middleware:
        s = self.settings
        return session_middleware(s.session_secret, secure=s.cookie_secure, max_age_s=s.max_age_s)

    @property
    def exception_handlers(self) -> Mapping[Any, Callable[..., Any]]:
        return SIGNIN_EXCEPTION_HANDLERS

    def install(self, app: Starlette) -> None:
        app.state.signin = self.settings
        app.state.identity_provider = self.identity_provider
        app.state.person_tokens = self.person_tokens


def build_signin(settings: KhoSettings) -> SignIn:
    """ConfigurationError (one line naming the setting) when the settings are unsafe."""
    chosen = signin_settings(settings)
    if chosen.mode is not SignInMode.OIDC:
        return SignIn(chosen, None, None)
    provider = IdentityProvider(chosen.issuer, chosen.client_id, chosen.client_secret)
    return SignIn(chosen, provider, PersonTokens(chosen.issuer, chosen.client_id))
