"""The OpenAPI 3.1 document of the hub, made from the endpoint declarations the routes are made
from (hub/app/api/routes.py), so a route cannot go undocumented. Bodies are the pydantic models
the handlers return and parse; their JSON Schema (draft 2020-12) is what OpenAPI 3.1 uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from hub.app.api.documented_refusals import RATE_LIMITED
from hub.app.api.endpoint import Access, Answer, Endpoint
from hub.app.api.rate_limits import UNLIMITED_PATHS

REF = "#/components/schemas/{model}"
RETRY_AFTER = {
    "Retry-After": {
        "description": "Số giây phải chờ | Seconds to wait before the next request",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
}

SECURITY: dict[Access, list[dict[str, list[str]]] | None] = {
    Access.OPEN: None,
    Access.PUBLIC: [{}, {"bearer": []}],
    Access.AGENCY: [{"bearer": []}],
    Access.SUBJECT: [{"subject": []}],
    Access.AGENCY_OR_SUBJECT: [{"bearer": []}, {"subject": []}],
    Access.REGISTRY_CHANGE: [{"bearer": []}, {"basic": []}],
}

SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "kho_… (agency)"},
    "subject": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": (
            "Phiên đăng nhập của công dân, tổ chức (JWT của hệ thống định danh của tỉnh) | A "
            "citizen's or organisation's sign-in token: a JWT whose subject is their CCCD or MST"
        ),
    },
    "basic": {
        "type": "http",
        "scheme": "basic",
        "description": (
            "Mã truy cập của cơ quan làm mật khẩu (Confluent basic.auth.user.info) | The agency's "
            "token as the password; the user name is ignored"
        ),
    },
}

INFO = {
    "title": "Kho — trục chia sẻ dữ liệu của tỉnh",
    "version": "1",
    "description": (
        "Ingest, read and stream the datasets of the shared-database catalogue; and the "
        "provide-once store: evidence recorded once by its issuer, prefilled into dossiers by "
        "law or the subject's consent, and the subject's own pages (/me); and the open-data "
        "catalogue, whose publications stewards approve or revoke; and, under /registry, the "
        "Confluent-compatible schema registry."
    ),
}


@dataclass(frozen=True, slots=True)
class Section:
    """Endpoints served under one prefix ("" for the app itself, "/registry" for the mount)."""

    prefix: str
    endpoints: Sequence[Endpoint]


def openapi_document(sections: Sequence[Section]) -> dict[str, Any]:
    endpoints = [e for s in sections for e in s.endpoints]
    _, definitions = models_json_schema(
        [(model, "serialization") for model in _answer_models(endpoints)]
        + [(model, "validation") for model in _request_models(endpoints)],
        ref_template=REF,
    )
    paths: dict[str, dict[str, Any]] = {}
    for section in sections:
        for endpoint in section.endpoints:
            path = section.prefix + endpoint.openapi_path
            item = paths.setdefault(path, {})
            item[endpoint.method.lower()] = _operation(endpoint, path not in UNLIMITED_PATHS)
    return {
        "openapi": "3.1.0",
        "info": INFO,
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def _operation(endpoint: Endpoint, limited: bool) -> dict[str, Any]:
    operation: dict[str, Any] = {"operationId": endpoint.operation_id, "summary": endpoint.summary}
    if endpoint.description:
        operation["description"] = endpoint.description
    if endpoint.tags:
        operation["tags"] = list(endpoint.tags)
    security = SECURITY[endpoint.access]
    if security is not None:
        operation["security"] = security
    if endpoint.parameters:
        operation["parameters"] = [p.described() for p in endpoint.parameters]
    if endpoint.body is not None:
        operation["requestBody"] = {
            "required": endpoint.body.required,
            "description": endpoint.body.description,
            "content": {"application/json": {"schema": _ref(endpoint.body.model)}},
        }
    answers = {**endpoint.answers}
    if limited:
        answers.setdefault(429, RATE_LIMITED)
    operation["responses"] = {
        str(status): _response(answer) for status, answer in sorted(answers.items())
    }
    if limited:
        operation["responses"]["429"]["headers"] = RETRY_AFTER
    return operation


def _response(answer: Answer) -> dict[str, Any]:
    if answer.model is None:
        if answer.media_type == "text/event-stream":
            schema: dict[str, Any] = {"type": "string"}
            return {
                "description": answer.description,
                "content": {answer.media_type: {"schema": schema}},
            }
        return {"description": answer.description}
    return {
        "description": answer.description,
        "content": {answer.media_type: {"schema": _ref(answer.model)}},
    }


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _answer_models(endpoints: Sequence[Endpoint]) -> list[type[BaseModel]]:
    answers = [a for e in endpoints for a in e.answers.values()] + [RATE_LIMITED]
    return _unique(a.model for a in answers if a.model is not None)


def _request_models(endpoints: Sequence[Endpoint]) -> list[type[BaseModel]]:
    return _unique(e.body.model for e in endpoints if e.body is not None)


def _unique(models: Any) -> list[type[BaseModel]]:
    return list(dict.fromkeys(models))
