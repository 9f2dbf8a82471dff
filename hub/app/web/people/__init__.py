"""People signing in to the pages: who they are (``person``), their session (``session``), the
identity provider's OpenID Connect flow (``identity_provider``, ``signin_pages``), the
development sign-in of the embedded defaults (``sample_people``), CSRF for every form
(``csrf``), and the IdP's access tokens on the API (``access_tokens``).

A page that needs someone signed in starts with ``person = require_person(request)`` and
answers ``private(render(...))`` (not kept by the browser: Back after sign-out shows nothing); a
form carries ``{{ csrf_field() }}`` and its handler reads ``await checked_form(request)``.
"""

from __future__ import annotations

from hub.app.web.people.csrf import checked_form
from hub.app.web.people.person import Person, PersonKind
from hub.app.web.people.session import SignInRequired, current_person, private, require_person

__all__ = [
    "Person",
    "PersonKind",
    "SignInRequired",
    "checked_form",
    "current_person",
    "private",
    "require_person",
]
