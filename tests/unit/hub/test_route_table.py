"""The app's routes and /openapi.json come from one route table: every API route (the /registry
mount's too) is documented with its methods, the document lists nothing the app does not serve,
and it is a valid OpenAPI 3.1 document. The HTML pages (hub/app/web/routes.py) are not API
operations: they are left out of the comparison, and none of them lives under /api."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openapi_spec_validator import validate
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.api.answers import Health
from hub.app.api.authentication import refusal_answer
from hub.app.api.endpoint import Access, Answer, Endpoint, Handler, Reply, openapi_path
from hub.app.api.routing import routes
from hub.app.web.routes import PAGE_ROUTES
from hub.app.wiring import Hub
from hub.registry.http import ConfluentRegistryClient

Operation = tuple[str, str]
"""(method, path as OpenAPI writes it)."""

METHODS = {"get", "post", "put", "patch", "delete"}


def served(routes: Iterable[BaseRoute], prefix: str = "") -> set[Operation]:
    """Every (method, path) the routes answer, mounts included."""
    operations: set[Operation] = set()
    for route in routes:
        if isinstance(route, Mount):
            operations |= served(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            path = openapi_path(prefix + route.path)
            operations |= {(m.lower(), path) for m in route.methods or ()} - {("head", path)}
    return operations


def documented(document: dict[str, Any]) -> set[Operation]:
    return {
        (method, path)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }


def mismatches(app: Starlette, document: dict[str, Any]) -> tuple[set[Operation], set[Operation]]:
    """(API routes the document misses, documented operations no route serves)."""
    routes, described = served(app.routes) - served(PAGE_ROUTES), documented(document)
    return routes - described, described - routes


def test_no_page_lives_under_the_api() -> None:
    """Pages and API operations never share a path: no page route starts with /api/."""
    pages = served(PAGE_ROUTES)
    assert pages  # the home page at least
    assert not [path for _, path in pages if path.startswith(("/api/", "/registry"))]


def _app_and_document(hub: Hub) -> tuple[Starlette, dict[str, Any]]:
    app = build_app(hub)
    return app, TestClient(app).get("/openapi.json").json()


def test_every_route_is_documented_and_every_documented_path_is_served(
    embedded_hub: Hub,
) -> None:
    """The app's routes, /registry's included, and the document's operations are the same."""
    app, document = _app_and_document(embedded_hub)
    assert mismatches(app, document) == (set(), set())
    operations = served(app.routes)
    assert ("post", "/registry/subjects/{subject}/versions") in operations
    assert ("get", "/api/v1/datasets/{dataset_id}/stream") in operations
    assert ("get", "/api/v1/evidence/{evidence_id}/history") in operations


def test_a_route_added_beside_the_table_is_caught(embedded_hub: Hub) -> None:
    """A route that is not declared in the table shows up as undocumented, and a documented
    path without a route as unserved: the check above can fail."""
    app, document = _app_and_document(embedded_hub)

    async def stray(request: Request) -> PlainTextResponse:
        return PlainTextResponse("")

    app.router.routes.append(Route("/api/v1/stray/{id:int}", stray, methods=["POST"]))
    document["paths"]["/api/v1/ghost"] = {"get": {"responses": {}}}
    assert mismatches(app, document) == (
        {("post", "/api/v1/stray/{id}")},
        {("get", "/api/v1/ghost")},
    )


def test_the_document_is_valid_openapi_3_1_with_unique_operation_ids(embedded_hub: Hub) -> None:
    """The validator accepts the document; every operation has its own operationId; the
    registry's errors are Confluent's body, everything else's the hub's."""
    _, document = _app_and_document(embedded_hub)
    assert document["openapi"] == "3.1.0"
    validate(document)
    ids = [
        operation["operationId"]
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in METHODS
    ]
    assert len(ids) == len(set(ids))
    register = document["paths"]["/registry/subjects/{subject}/versions"]["post"]
    refused = register["responses"]["409"]["content"]["application/vnd.schemaregistry.v1+json"]
    assert refused["schema"] == {"$ref": "#/components/schemas/ConfluentError"}
    assert register["security"] == [{"bearer": []}, {"basic": []}]
    ingest = document["paths"]["/api/v1/datasets/{dataset_id}/records"]["post"]
    assert ingest["responses"]["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorAnswer"
    }


def test_an_external_registry_is_not_documented(embedded_hub: Hub) -> None:
    """Without the hub's own registry there is no /registry mount, and the document says so."""
    own = embedded_hub.registry
    embedded_hub.registry = ConfluentRegistryClient("http://registry.example:8081")
    try:
        app, document = _app_and_document(embedded_hub)
    finally:
        embedded_hub.registry.close()
        embedded_hub.registry = own
    assert not any(path.startswith("/registry") for path in document["paths"])
    assert "/api/v1/catalogue" in document["paths"]
    assert mismatches(app, document) == (set(), set())


def test_a_handler_answering_an_undeclared_model_is_an_error() -> None:
    """A route answers the model its endpoint declares for the status, serialised with only
    the keys it was given; another model, or an undeclared status, is a 500, never sent."""

    async def declared(request: Request) -> Health:
        return Health(status="ok")

    async def undeclared(request: Request) -> Reply:
        return Reply(Health(status="ok"), 201)

    def endpoint(path: str, handler: Handler) -> Endpoint:
        return Endpoint(
            "GET", path, handler, path.strip("/"), "", {200: Answer("OK", Health)}, Access.OPEN
        )

    app = Starlette(
        routes=routes([endpoint("/ok", declared), endpoint("/bad", undeclared)], refusal_answer)
    )
    client = TestClient(app, raise_server_exceptions=False)
    ok = client.get("/ok")
    assert (ok.status_code, ok.json()) == (200, {"status": "ok"})
    assert client.get("/bad").status_code == 500
