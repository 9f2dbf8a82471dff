"""Sign-in events in the hub's audit log: each refusal (with a stable reason), each sign-in and
each sign-out. The actor is ``person:<subject>`` once someone is known, ``web:signin`` before."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from hub.app.web.people.person import Person
from hub.app.wiring import Hub
from hub.audit import actions
from hub.audit.entry import Actor

SIGNIN_ACTOR = Actor("web:signin")


def person_actor(person: Person) -> Actor:
    return Actor(f"person:{person.subject}", person.agency)


async def audit_refusal(request: Request, reason: str, **details: Any) -> None:
    hub: Hub = request.app.state.hub
    await hub.audit.append_async(
        actions.SIGNIN_REFUSED,
        actor=SIGNIN_ACTOR,
        details={"reason": reason, "path": request.url.path, **details},
    )


async def audit_signin(request: Request, person: Person, *, via: str) -> None:
    hub: Hub = request.app.state.hub
    await hub.audit.append_async(
        actions.SIGNIN,
        actor=person_actor(person),
        details={"kind": person.kind.value, "via": via},
    )


async def audit_signout(request: Request, person: Person) -> None:
    hub: Hub = request.app.state.hub
    await hub.audit.append_async(
        actions.SIGNOUT, actor=person_actor(person), details={"kind": person.kind.value}
    )
