"""Every staff page's routes, mounted by hub/app/web/routes.py."""

from __future__ import annotations

from starlette.routing import BaseRoute

from hub.app.web.staff import (
    approvals,
    audit_log,
    catalogue_grants,
    connectors,
    dead_letters,
    masking_lag,
    overview,
    tokens,
)

STAFF_PAGES: list[BaseRoute] = [
    *overview.ROUTES,
    *approvals.ROUTES,
    *dead_letters.ROUTES,
    *connectors.ROUTES,
    *masking_lag.ROUTES,
    *catalogue_grants.ROUTES,
    *tokens.ROUTES,
    *audit_log.ROUTES,
]
