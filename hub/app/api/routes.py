"""The route table of the hub's API: every endpoint, declared once, with who may call it, the
model it parses and the model it answers for each status. The app's routes and ``/openapi.json``
are both made from it (hub/app/api/app.py). The declarations are grouped by area; the Confluent
registry's endpoints, served under their own mount, are in hub/app/api/registry_routes.py.
"""

from __future__ import annotations

from hub.app.api import meta, readiness
from hub.app.api.answers import Health
from hub.app.api.endpoint import Access, Answer, Endpoint
from hub.app.api.routes_datasets import DATASET_ENDPOINTS
from hub.app.api.routes_index766 import INDEX766_ENDPOINTS
from hub.app.api.routes_provide_once import PROVIDE_ONCE_ENDPOINTS
from hub.app.api.routes_publications import PUBLICATION_ENDPOINTS

SERVICE = (
    Endpoint(
        "GET",
        "/healthz",
        meta.health,
        "health",
        "Liveness",
        {200: Answer("OK", Health)},
        access=Access.OPEN,
        tags=("service",),
    ),
    Endpoint(
        "GET",
        "/readyz",
        readiness.readiness,
        "readiness",
        "Sẵn sàng phục vụ | Readiness: the database, the bus and the schema registry answer",
        {
            200: Answer("Every service answers", readiness.Readiness),
            503: Answer("A service is down; ``down`` names it", readiness.Readiness),
        },
        access=Access.OPEN,
        tags=("service",),
    ),
    Endpoint(
        "GET",
        "/metrics",
        meta.metrics,
        "metrics",
        "Số đo Prometheus | Prometheus metrics",
        {200: Answer("The Prometheus text exposition format", media_type="text/plain")},
        access=Access.OPEN,
        tags=("service",),
    ),
    Endpoint(
        "GET",
        "/openapi.json",
        meta.serve_openapi,
        "openapi",
        "Tài liệu OpenAPI 3.1 | This document",
        {200: Answer("The OpenAPI 3.1 document of every route the app serves")},
        access=Access.OPEN,
        tags=("service",),
    ),
)

ENDPOINTS: tuple[Endpoint, ...] = (
    *SERVICE,
    *DATASET_ENDPOINTS,
    *PROVIDE_ONCE_ENDPOINTS,
    *PUBLICATION_ENDPOINTS,
    *INDEX766_ENDPOINTS,
)
"""Every endpoint of the app itself, in the order its routes are tried."""
