"""What every template may ask about sign-in: who is signed in, whether this is the development
sign-in (the banner), and the CSRF field for forms."""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context

from hub.app.web.people.configuration import SignInMode
from hub.app.web.people.csrf import csrf_field
from hub.app.web.people.person import Person
from hub.app.web.people.session import current_person
from hub.app.web.staff.tools import TOOLS, StaffTool


@pass_context
def signed_in(context: Any) -> Person | None:
    """The person signed in, for the header."""
    request = context["request"]
    return current_person(request)


@pass_context
def signin_mode(context: Any) -> str:
    """``oidc``, ``development`` or ``off``; ``off`` on an app built without sign-in."""
    settings = getattr(context["request"].app.state, "signin", None)
    return str(settings.mode) if settings is not None else SignInMode.OFF.value


def staff_tools() -> tuple[StaffTool, ...]:
    """Every staff tool; the header and the staff pages show those the person opens."""
    return TOOLS


PEOPLE_GLOBALS: dict[str, Any] = {
    "staff_tools": staff_tools,
    "csrf_field": csrf_field,
    "signed_in": signed_in,
    "signin_mode": signin_mode,
}
