"""The provide-once endpoints in /openapi.json: every /api/v1 route of the app is documented
with its methods, and real answers (successes and refusals) fit the schema the document gives
for their status."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import pytest
from openapi_spec_validator import validate
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from hub.app.api import build_app
from hub.app.wiring import Hub
from hub.auth.tokens import Role
from tests.unit.hub.test_provide_once_api import (
    CITIZEN,
    LICENCE_PROCEDURE,
    NEIGHBOUR,
    RECORD_PROCEDURE,
    Api,
    evidence,
)

HISTORY = "/api/v1/evidence/{evidence_id}/history"
PREFILL = "/api/v1/subjects/{subject_id}/prefill"
SUBJECT_LOG = "/api/v1/subjects/{subject_id}/access-log"
CONSENT = "/api/v1/me/consents/{consent_id}"
MY_LOG = "/api/v1/me/access-log"


@pytest.fixture
def api(embedded_hub: Hub) -> Iterator[Api]:
    roles = {
        "vp-ubnd": frozenset({Role.PRODUCER, Role.CONSUMER}),
        "so-yt": frozenset({Role.CONSUMER}),
        "admin": frozenset({Role.ADMIN}),
    }
    tokens = {
        name: embedded_hub.tokens.create(name if name != "admin" else "vp-ubnd", role).plaintext
        for name, role in roles.items()
    }
    with TestClient(build_app(embedded_hub)) as client:
        yield Api(client, embedded_hub, tokens)


@pytest.fixture
def document(api: Api) -> dict[str, Any]:
    served: dict[str, Any] = api.client.get("/openapi.json").json()
    return served


def _conforms(document: dict[str, Any], method: str, path: str, answer: httpx.Response) -> None:
    """The answer's status is documented for the operation, and its body fits that schema."""
    responses = document["paths"][path][method]["responses"]
    assert str(answer.status_code) in responses, (method, path, answer.status_code, answer.text)
    schema = responses[str(answer.status_code)]["content"]["application/json"]["schema"]
    validator = jsonschema.Draft202012Validator(
        {**schema, "components": document["components"]},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    validator.validate(answer.json())


def _app_operations(api: Api) -> dict[str, set[str]]:
    """Each /api/v1 path of the app, written as OpenAPI writes it, with its methods."""
    app = api.client.app
    assert isinstance(app, Starlette)
    operations: dict[str, set[str]] = {}
    for route in app.routes:
        if isinstance(route, Route) and route.path.startswith("/api/v1"):
            path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
            methods = {m.lower() for m in route.methods or ()} - {"head"}
            operations.setdefault(path, set()).update(methods)
    return operations


def test_the_document_stays_valid_and_names_the_subject_scheme(document: dict[str, Any]) -> None:
    validate(document)
    subject = document["components"]["securitySchemes"]["subject"]
    assert (subject["scheme"], subject["bearerFormat"]) == ("bearer", "JWT")
    for path, item in document["paths"].items():
        if path.startswith("/api/v1/me"):
            assert all(op["security"] == [{"subject": []}] for op in item.values()), path


def test_every_api_route_is_documented_with_its_methods(api: Api, document: dict[str, Any]) -> None:
    operations = _app_operations(api)
    assert HISTORY in operations and "/api/v1/me/consents" in operations
    documented = {
        path: {key for key in item if key in {"get", "post", "put", "patch", "delete"}}
        for path, item in document["paths"].items()
        if path.startswith("/api/v1")
    }
    assert documented == operations


def test_request_bodies_are_the_models_the_endpoints_parse(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    evidence_input = schemas["EvidenceInput"]
    assert evidence_input["additionalProperties"] is False
    assert set(evidence_input["required"]) == {
        "evidence_id",
        "subject_id",
        "evidence_type",
        "issuing_agency",
        "issued_on",
    }
    assert schemas["ConsentInput"]["properties"]["expires_at"]["format"] == "date-time"
    jsonschema.Draft202012Validator(evidence_input).validate(evidence())


def test_record_answers_and_refusals_fit_their_schemas(api: Api, document: dict[str, Any]) -> None:
    created = api.record("vp-ubnd", file_uri="s3://kho/lltp.pdf", file_sha256="ab" * 32)
    unchanged = api.record("vp-ubnd", file_uri="s3://kho/lltp.pdf", file_sha256="ab" * 32)
    corrected = api.record("vp-ubnd", correction_reason="Bỏ tệp đính kèm")
    assert [a.json()["outcome"] for a in (created, unchanged, corrected)] == [
        "created",
        "unchanged",
        "corrected",
    ]
    bad_field = api.record("vp-ubnd", issued_on="01/08/2025")
    assert bad_field.json()["error"]["field"] == "issued_on"
    assert bad_field.json()["error"]["problems"][0]["field"] == "issued_on"
    not_issuer = api.record("vp-ubnd", issuing_agency="so-nnmt")
    assert (not_issuer.status_code, not_issuer.json()["error"]["field"]) == (403, "issuing_agency")
    url = "/api/v1/evidence"
    too_large = api.client.post(
        url,
        content=b"[" + b" " * 70_000 + b"]",
        headers={**api.as_agency("vp-ubnd"), "Content-Type": "application/json"},
    )
    not_json = api.client.post(url, content=b"x", headers=api.as_agency("vp-ubnd"))
    malformed = api.client.post(
        url, content=b"{", headers={**api.as_agency("vp-ubnd"), "Content-Type": "application/json"}
    )
    no_token = api.client.post(url, json=evidence())
    statuses = [
        a.status_code
        for a in (created, unchanged, corrected, bad_field, too_large, not_json, malformed)
    ]
    assert statuses == [201, 200, 200, 422, 413, 415, 400]
    refusals = (bad_field, not_issuer, too_large, not_json, malformed, no_token)
    for answer in (created, unchanged, corrected, *refusals):
        _conforms(document, "post", url, answer)


def test_prefill_answers_fit_their_schemas(api: Api, document: dict[str, Any]) -> None:
    api.record("vp-ubnd")
    allowed = api.prefill("so-yt", CITIZEN, LICENCE_PROCEDURE)
    refused = api.prefill("so-yt", CITIZEN, RECORD_PROCEDURE)
    unknown = api.prefill("so-yt", NEIGHBOUR, LICENCE_PROCEDURE)
    malformed = api.prefill("so-yt", "08209500012", LICENCE_PROCEDURE)
    assert [a.status_code for a in (allowed, refused, unknown, malformed)] == [200, 403, 404, 422]
    assert allowed.json()["withheld"] and allowed.json()["evidence"]
    assert {m["reason"] for m in refused.json()["error"]["missing"]} == {"no_consent"}
    assert malformed.json()["error"]["field"] == "subject_id"
    for answer in (allowed, refused, unknown, malformed):
        _conforms(document, "get", PREFILL, answer)


def test_history_and_access_log_answers_fit_their_schemas(
    api: Api, document: dict[str, Any]
) -> None:
    api.record("vp-ubnd")
    api.record("vp-ubnd", attributes={"so_phieu": "124/2025/LLTP"}, correction_reason="Sai số")
    api.prefill("so-yt", CITIZEN, LICENCE_PROCEDURE)
    api.prefill("so-yt", CITIZEN, RECORD_PROCEDURE)
    history_url = "/api/v1/evidence/LLTP-2025-000123/history"
    history = api.client.get(history_url, headers=api.as_subject(CITIZEN))
    stranger = api.client.get(history_url, headers=api.as_subject(NEIGHBOUR))
    missing = api.client.get("/api/v1/evidence/NONE/history", headers=api.as_agency("vp-ubnd"))
    assert [a.status_code for a in (history, stranger, missing)] == [200, 404, 404]
    assert len(history.json()["versions"]) == 2
    for answer in (history, stranger, missing):
        _conforms(document, "get", HISTORY, answer)

    signed_in = api.as_subject(CITIZEN)
    first_page = api.client.get(MY_LOG, params={"limit": 2}, headers=signed_in)
    everything = api.client.get(MY_LOG, headers=signed_in)
    bad_limit = api.client.get(MY_LOG, params={"limit": 0}, headers=signed_in)
    assert first_page.status_code == 200 and first_page.json()["next"] is not None
    assert {e["action"] for e in everything.json()["entries"]} == {
        "evidence.record",
        "evidence.read",
        "evidence.refused",
    }
    assert bad_limit.json()["error"]["parameter"] == "limit"
    for answer in (first_page, everything, bad_limit):
        _conforms(document, "get", MY_LOG, answer)

    path = f"/api/v1/subjects/{CITIZEN}/access-log"
    admin = api.client.get(path, headers=api.as_agency("admin"))
    other = api.client.get(path, headers=api.as_subject(NEIGHBOUR))
    not_admin = api.client.get(path, headers=api.as_agency("so-yt"))
    bad_id = api.client.get("/api/v1/subjects/12-AB/access-log", headers=api.as_agency("admin"))
    assert [a.status_code for a in (admin, other, not_admin, bad_id)] == [200, 403, 403, 422]
    for answer in (admin, other, not_admin, bad_id):
        _conforms(document, "get", SUBJECT_LOG, answer)


def test_the_subjects_own_pages_fit_their_schemas(api: Api, document: dict[str, Any]) -> None:
    api.record("vp-ubnd")
    me = api.client.get("/api/v1/me", headers=api.as_subject(CITIZEN))
    agency = api.client.get("/api/v1/me", headers=api.as_agency("so-yt"))
    garbage = api.client.get("/api/v1/me", headers={"Authorization": "Bearer eyJ.abc.def"})
    assert [a.status_code for a in (me, agency, garbage)] == [200, 403, 401]
    for answer in (me, agency, garbage):
        _conforms(document, "get", "/api/v1/me", answer)
    own = api.client.get("/api/v1/me/evidence", headers=api.as_subject(CITIZEN))
    assert own.json()["evidence"][0]["valid"] is True
    _conforms(document, "get", "/api/v1/me/evidence", own)

    granted = api.consent(CITIZEN)
    bad_consent = api.consent(CITIZEN, agency="so-xyz")
    assert (granted.status_code, bad_consent.json()["error"]["field"]) == (201, "agency")
    for answer in (granted, bad_consent):
        _conforms(document, "post", "/api/v1/me/consents", answer)
    listed = api.client.get("/api/v1/me/consents", headers=api.as_subject(CITIZEN))
    _conforms(document, "get", "/api/v1/me/consents", listed)

    consent_id = granted.json()["consent_id"]
    revoked = api.client.delete(
        f"/api/v1/me/consents/{consent_id}", headers=api.as_subject(CITIZEN)
    )
    unknown = api.client.delete(
        f"/api/v1/me/consents/{consent_id}", headers=api.as_subject(NEIGHBOUR)
    )
    assert (revoked.json()["state"], unknown.status_code) == ("revoked", 404)
    for answer in (revoked, unknown):
        _conforms(document, "delete", CONSENT, answer)
