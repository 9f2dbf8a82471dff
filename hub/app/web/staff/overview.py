"""``/quan-ly``: the tools the signed-in member of staff may open, and only those."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hub.app.web.people.session import private, require_person
from hub.app.web.staff.guard import forbidden
from hub.app.web.staff.tools import TOOLS
from hub.app.web.templating import render

OVERVIEW_PATH = "/quan-ly"


async def overview(request: Request) -> Response:
    person = require_person(request)
    if not person.is_staff:
        return forbidden(
            request,
            "Trang quản lý dành cho cán bộ của các cơ quan. Tài khoản công dân dùng các trang"
            " “Dữ liệu của tôi”.",
        )
    tools = [tool for tool in TOOLS if tool.opens_for(person)]
    context = {"person": person, "tools": tools}
    return private(render(request, "staff/overview.html", context))


ROUTES: list[BaseRoute] = [Route(OVERVIEW_PATH, overview, name="staff_overview")]
