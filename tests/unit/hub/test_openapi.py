"""/openapi.json is a valid OpenAPI 3.1 document, and real answers match its schemas."""

from __future__ import annotations

from typing import Any

import jsonschema
from openapi_spec_validator import validate
from starlette.testclient import TestClient

from connectors.samples.dossiers import dossier_documents
from hub.app.api import build_app
from hub.app.wiring import Hub
from hub.auth.tokens import Role

URL = "/api/v1/datasets/tthc.dossiers/records"


def _conforms(document: dict[str, Any], component: str, instance: object) -> None:
    schema = {
        "$ref": f"#/components/schemas/{component}",
        "components": document["components"],
    }
    jsonschema.Draft202012Validator(schema).validate(instance)


def test_openapi_document_is_valid_3_1(embedded_hub: Hub) -> None:
    """The served document passes the OpenAPI 3.1 validator and lists the ingest endpoint."""
    document = TestClient(build_app(embedded_hub)).get("/openapi.json").json()
    assert document["openapi"] == "3.1.0"
    validate(document)
    assert "post" in document["paths"][URL.replace("tthc.dossiers", "{dataset_id}")]


def test_answers_match_the_documented_schemas(embedded_hub: Hub) -> None:
    """Ingest answers (accepted and refused), a records page and an error fit their schemas."""
    client = TestClient(build_app(embedded_hub))
    document = client.get("/openapi.json").json()
    token = embedded_hub.tokens.create("vp-ubnd", frozenset({Role.PRODUCER})).plaintext
    headers = {"Authorization": f"Bearer {token}"}
    documents = dossier_documents(3, seed=31)
    accepted = client.post(URL, json=documents, headers=headers)
    documents[0]["fee_vnd"] = -1.5
    refused = client.post(URL, json=documents, headers=headers)
    page = client.get(URL, params={"limit": 2})
    error = client.post(URL, json=documents)
    assert (accepted.status_code, refused.status_code, page.status_code) == (200, 422, 200)
    _conforms(document, "IngestAnswer", accepted.json())
    _conforms(document, "IngestAnswer", refused.json())
    _conforms(document, "RecordsPage", page.json())
    _conforms(document, "ErrorAnswer", error.json())


def _fits_operation(document: dict[str, Any], method: str, path: str, answer: Any) -> None:
    """The answer's status is documented for the operation, in its media type, and the body
    fits that schema."""
    responses = document["paths"][path][method]["responses"]
    assert str(answer.status_code) in responses, (method, path, answer.status_code, answer.text)
    media_type = answer.headers["content-type"].split(";")[0]
    schema = responses[str(answer.status_code)]["content"][media_type]["schema"]
    jsonschema.Draft202012Validator(
        {**schema, "components": document["components"]},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    ).validate(answer.json())


def test_catalogue_answers_match_the_documented_schemas(embedded_hub: Hub) -> None:
    """The catalogue and a dataset, for the public and for an agency (with ``your_access``),
    and the 404 of an unknown dataset, fit the closed schemas the document gives."""
    client = TestClient(build_app(embedded_hub))
    document = client.get("/openapi.json").json()
    token = embedded_hub.tokens.create("so-yt", frozenset({Role.CONSUMER})).plaintext
    headers = {"Authorization": f"Bearer {token}"}
    public = client.get("/api/v1/catalogue")
    agency = client.get("/api/v1/catalogue", headers=headers)
    assert "your_access" not in public.json()["datasets"][0]
    assert all("your_access" in d for d in agency.json()["datasets"])
    for answer in (public, agency):
        _fits_operation(document, "get", "/api/v1/catalogue", answer)
    one = "/api/v1/datasets/{dataset_id}"
    shown = client.get("/api/v1/datasets/tthc.dossiers", headers=headers)
    unknown = client.get("/api/v1/datasets/khong.co")
    assert (shown.status_code, unknown.status_code) == (200, 404)
    for answer in (shown, unknown):
        _fits_operation(document, "get", one, answer)


def test_registry_answers_match_the_documented_schemas(embedded_hub: Hub) -> None:
    """Registry answers and Confluent errors fit the schemas documented under /registry, in the
    registry's media type."""
    client = TestClient(build_app(embedded_hub))
    document = client.get("/openapi.json").json()
    token = embedded_hub.tokens.create("vp-ubnd", frozenset({Role.ADMIN})).plaintext
    headers = {"Authorization": f"Bearer {token}"}
    subject = "tthc.dossiers-value"
    latest = client.get(f"/registry/subjects/{subject}/versions/latest")
    schema = latest.json()["schema"]
    again = client.post(
        f"/registry/subjects/{subject}/versions", json={"schema": schema}, headers=headers
    )
    anonymous = client.post(f"/registry/subjects/{subject}/versions", json={"schema": schema})
    missing = client.get("/registry/subjects/khong-co-value/versions")
    checked = client.post(
        f"/registry/compatibility/subjects/{subject}/versions/latest",
        params={"verbose": "true"},
        json={"schema": schema},
    )
    assert [a.status_code for a in (latest, again, anonymous, missing, checked)] == [
        200,
        200,
        401,
        404,
        200,
    ]
    versions = "/registry/subjects/{subject}/versions"
    _fits_operation(document, "get", versions + "/{version}", latest)
    for answer in (again, anonymous):
        _fits_operation(document, "post", versions, answer)
    _fits_operation(document, "get", versions, missing)
    _fits_operation(
        document, "post", "/registry/compatibility/subjects/{subject}/versions/{version}", checked
    )
    _fits_operation(document, "get", "/registry/subjects", client.get("/registry/subjects"))
