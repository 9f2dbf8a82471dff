"""The pieces every OpenAPI path description is made of: a reference to a component schema,
a JSON answer, an error answer, a request body, and path and query parameters."""

from __future__ import annotations

from typing import Any

REF = "#/components/schemas/{model}"


def json_content(model: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": REF.format(model=model)}}}


def answer(description: str, model: str) -> dict[str, Any]:
    return {"description": description, "content": json_content(model)}


def error_answer(description: str) -> dict[str, Any]:
    return answer(description, "ErrorAnswer")


def request_body(model: str, description: str) -> dict[str, Any]:
    return {"required": True, "description": description, "content": json_content(model)}


def path_parameter(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": description,
    }


def query_parameter(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, "description": description}
