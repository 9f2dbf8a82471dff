"""Who may open a staff page: ``for_staff(tool)`` wraps a handler so that a visitor goes to
sign in, a citizen or a staff member without the tool's role gets the 403 page, and the
handler receives a ``Staff`` (the hub, the person and their credential).

What a role may do on a page follows the API's policy: ``Staff.owns(entry)`` is the owner rule
of approvals and dead letters (the owning agency, or an administrator), ``Staff.sees(entry)``
the catalogue's visibility (a restricted dataset exists only for its owner and administrators).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from hub.app.web.people.person import Person
from hub.app.web.people.session import private, require_person
from hub.app.web.staff.tools import ADMINS, StaffTool
from hub.app.web.templating import render
from hub.app.wiring import Hub
from hub.audit.entry import Actor, token_actor
from hub.auth.policy import is_visible
from hub.auth.tokens import Credential, Role
from hub.catalogue.models import DatasetEntry


@dataclass(frozen=True, slots=True)
class Staff:
    """Who a staff page is for, taken from the session."""

    hub: Hub
    person: Person
    credential: Credential

    @property
    def agency(self) -> str:
        return self.credential.agency

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.credential.roles

    @property
    def actor(self) -> Actor:
        """The actor the audit log names for what this person does on a page."""
        return token_actor(self.credential.token_id, self.credential.agency)

    def sees(self, entry: DatasetEntry) -> bool:
        """Whether the dataset exists for this person (restricted: owner and admins only)."""
        return is_visible(self.credential, entry)

    def owns(self, entry: DatasetEntry) -> bool:
        """Whether this person acts on the dataset as its owner (or as an administrator)."""
        return self.is_admin or entry.owner == self.credential.agency


StaffHandler = Callable[[Request, Staff], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def for_staff(
    tool: StaffTool,
) -> Callable[[StaffHandler], Callable[[Request], Awaitable[Response]]]:
    """The endpoint: a visitor goes to sign in, anyone without the tool's role gets the 403
    page naming the role, staff with it get the page (never kept by the browser)."""

    def wrap(handler: StaffHandler) -> Endpoint:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            person = require_person(request)
            if not tool.opens_for(person):
                return forbidden(request, _why_not(tool, person))
            hub: Hub = request.app.state.hub
            response = await handler(request, Staff(hub, person, person.credential()))
            return private(response)

        return endpoint

    return wrap


def forbidden(request: Request, message: str) -> Response:
    """The 403 page with its reason."""
    return private(render(request, "people/forbidden.html", {"message": message}, status=403))


def not_found(request: Request, message: str) -> Response:
    """The 404 page with its reason (a restricted dataset of another agency is not found)."""
    return private(render(request, "not_found.html", {"message": message}, status=404))


def _why_not(tool: StaffTool, person: Person) -> str:
    if not person.is_staff:
        return (
            f"Trang “{tool.label}” dành cho cán bộ của các cơ quan. Tài khoản công dân dùng các"
            " trang “Dữ liệu của tôi”."
        )
    needed = " hoặc ".join(sorted(role.value for role in tool.roles | ADMINS))
    return f"Trang “{tool.label}” cần vai trò {needed}; tài khoản của bạn không có vai trò này."
