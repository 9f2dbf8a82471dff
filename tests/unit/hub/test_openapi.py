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
