"""The pages' route table, mounted by hub/app/api/app.py next to the API's routes."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from hub.app.web import assets, home
from hub.app.web.catalogue_pages import CATALOGUE_PAGES
from hub.app.web.citizen_pages import CITIZEN_PAGES
from hub.app.web.dashboard import DASHBOARD_PAGES
from hub.app.web.people.signin_pages import SIGNIN_ROUTES
from hub.app.web.staff.routes import STAFF_PAGES

PAGE_ROUTES: list[BaseRoute] = [
    Route("/", home.home_page, name="home"),
    *DASHBOARD_PAGES,
    *CATALOGUE_PAGES,
    *SIGNIN_ROUTES,
    *CITIZEN_PAGES,
    *STAFF_PAGES,
    Route("/favicon.ico", assets.favicon, name="favicon"),
    Mount("/static", app=StaticFiles(packages=[("hub.app.web", "static")]), name="static"),
]
