"""The Confluent Schema Registry REST API over the hub's own registry, mounted at ``/registry``.

Any Confluent client works with ``url=http://host:port/registry``: subjects, versions, ids,
lookup, soft and permanent deletes, global and per-subject compatibility, compatibility tests.
Reads are open; changes need a token (Bearer, or HTTP Basic with the token as the password,
which is what Confluent clients send): producers of the owning agency register versions of their
datasets' subjects, admins do the rest (hub.auth.policy.schema_change_refusal).
Answers are ``application/vnd.schemaregistry.v1+json``; errors carry Confluent's
``{"error_code": 40401, "message": ...}``, the message in Vietnamese. Only Avro schemas.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import Receive, Scope, Send

from hub.app.api.auth import authenticate
from hub.app.api.errors import ApiError
from hub.app.wiring import Hub
from hub.auth.policy import schema_change_refusal
from hub.errors import UnreachableError
from hub.registry.compatibility import parse_level
from hub.registry.embedded import DatabaseSchemaRegistry
from hub.registry.errors import IncompatibleSchema, InvalidSchema, InvalidVersion, RegistryRefusal
from hub.registry.store import VersionRef

MEDIA_TYPE = "application/vnd.schemaregistry.v1+json"
MAX_VERSION = 2**31 - 1
log = logging.getLogger("kho.api.registry")

Endpoint = Callable[[Request], Awaitable[Response]]


class RegistryJSONResponse(JSONResponse):
    media_type = MEDIA_TYPE

    def render(self, content: object) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class BadRequest(Exception):
    """A body that is not the JSON object the endpoint expects."""


def routes(hub: Hub) -> list[BaseRoute]:
    """The mount, when the hub keeps its own registry; an external one serves its own API."""
    if not isinstance(hub.registry, DatabaseSchemaRegistry):
        return []
    return [Mount("/registry", app=Router(routes=_ROUTES, default=_not_found))]


def _error(status: int, code: int, message: str) -> Response:
    return RegistryJSONResponse({"error_code": code, "message": message}, status_code=status)


def guarded(*, register: bool) -> Callable[[Endpoint], Endpoint]:
    """Changes need a token (Bearer, or Basic with the token as password) that the sharing
    policy lets change the subject; reads stay open, like the catalogue."""

    def wrap(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def answer(request: Request) -> Response:
            hub: Hub = request.app.state.hub
            try:
                credential = await authenticate(request, hub, allow_basic=True)
            except ApiError as exc:
                return _error(401, 40101, str(exc.detail))
            subject = request.path_params.get("subject", "")
            datasets = hub.catalogue.catalogue.datasets
            refusal = schema_change_refusal(credential, datasets, subject, register=register)
            if refusal is not None:
                return _error(403, 40301, refusal.message)
            return await endpoint(request)

        return answer

    return wrap


def confluent(endpoint: Endpoint) -> Endpoint:
    """Translate the registry's refusals into Confluent error answers."""

    @functools.wraps(endpoint)
    async def answer(request: Request) -> Response:
        try:
            return await endpoint(request)
        except IncompatibleSchema as exc:
            body = {
                "error_code": exc.error_code,
                "message": str(exc),
                "incompatibilities": [i.as_dict() for i in exc.incompatibilities],
            }
            return RegistryJSONResponse(body, status_code=exc.http_status)
        except RegistryRefusal as exc:
            return _error(exc.http_status, exc.error_code, str(exc))
        except BadRequest as exc:
            return _error(400, 400, str(exc))
        except (sa.exc.SQLAlchemyError, UnreachableError) as exc:
            log.exception("registry store failed on %s %s", request.method, request.url.path)
            return _error(
                500, 50001, f"Lỗi kho lưu trữ của sổ đăng ký lược đồ ({type(exc).__name__})"
            )

    return answer


def _store(request: Request) -> DatabaseSchemaRegistry:
    registry = request.app.state.hub.registry
    if not isinstance(registry, DatabaseSchemaRegistry):  # routes() mounts nothing then
        raise TypeError("the registry API needs the hub's own registry")
    return registry


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "false").lower() in ("true", "1")


def _version(text: str) -> VersionRef:
    if text in ("latest", "-1"):
        return "latest"
    if text.isdigit() and 1 <= int(text) <= MAX_VERSION:
        return int(text)
    raise InvalidVersion(
        f"Phiên bản không hợp lệ: {text!r}; dùng số từ 1 đến {MAX_VERSION} hoặc 'latest'"
    )


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"Nội dung yêu cầu không phải JSON hợp lệ: {exc}") from exc
    if not isinstance(body, dict):
        raise BadRequest("Nội dung yêu cầu phải là một đối tượng JSON")
    return body


async def _schema(request: Request) -> str:
    body = await _body(request)
    schema = body.get("schema")
    if not isinstance(schema, str) or not schema.strip():
        raise InvalidSchema("Thiếu trường 'schema' (chuỗi JSON của lược đồ Avro)")
    kind = str(body.get("schemaType") or "AVRO").upper()
    if kind != "AVRO":
        raise InvalidSchema(f"Sổ đăng ký của Kho chỉ nhận lược đồ AVRO, không nhận {kind}")
    if body.get("references"):
        raise InvalidSchema("Sổ đăng ký của Kho chưa hỗ trợ tham chiếu giữa các lược đồ")
    return schema


def _described(subject: str, version: int, schema_id: int, text: str) -> dict[str, Any]:
    return {"subject": subject, "version": version, "id": schema_id, "schema": text}


# Subjects and versions.


@confluent
async def list_subjects(request: Request) -> Response:
    found = await run_in_threadpool(_store(request).subjects, deleted=_flag(request, "deleted"))
    prefix = request.query_params.get("subjectPrefix") or request.query_params.get("subject", "")
    return RegistryJSONResponse([s for s in found if s.startswith(prefix)])


@confluent
async def list_versions(request: Request) -> Response:
    subject = request.path_params["subject"]
    store = _store(request)
    found = await run_in_threadpool(store.versions, subject, deleted=_flag(request, "deleted"))
    return RegistryJSONResponse(found)


@confluent
async def get_version(request: Request) -> Response:
    subject, ref = request.path_params["subject"], _version(request.path_params["version"])
    store = _store(request)
    row = await run_in_threadpool(store.version, subject, ref, deleted=_flag(request, "deleted"))
    return RegistryJSONResponse(_described(subject, row.version, row.schema_id, row.schema_text))


@confluent
async def get_version_schema(request: Request) -> Response:
    subject, ref = request.path_params["subject"], _version(request.path_params["version"])
    store = _store(request)
    row = await run_in_threadpool(store.version, subject, ref, deleted=_flag(request, "deleted"))
    return Response(row.schema_text.encode("utf-8"), media_type=MEDIA_TYPE)


@guarded(register=True)
@confluent
async def register(request: Request) -> Response:
    subject, schema = request.path_params["subject"], await _schema(request)
    schema_id = await run_in_threadpool(_store(request).register, subject, schema)
    return RegistryJSONResponse({"id": schema_id})


@confluent
async def lookup(request: Request) -> Response:
    subject, schema = request.path_params["subject"], await _schema(request)
    store = _store(request)
    row = await run_in_threadpool(store.lookup, subject, schema, deleted=_flag(request, "deleted"))
    return RegistryJSONResponse(_described(subject, row.version, row.schema_id, row.schema_text))


@guarded(register=False)
@confluent
async def delete_subject(request: Request) -> Response:
    subject, store = request.path_params["subject"], _store(request)
    permanent = _flag(request, "permanent")
    return RegistryJSONResponse(
        await run_in_threadpool(store.delete_subject, subject, permanent=permanent)
    )


@guarded(register=False)
@confluent
async def delete_version(request: Request) -> Response:
    subject, ref = request.path_params["subject"], _version(request.path_params["version"])
    store, permanent = _store(request), _flag(request, "permanent")
    return RegistryJSONResponse(
        await run_in_threadpool(store.delete_version, subject, ref, permanent=permanent)
    )


# Schemas by id.


@confluent
async def get_schema(request: Request) -> Response:
    text = await run_in_threadpool(_store(request).schema_text, request.path_params["id"])
    return RegistryJSONResponse({"schema": text})


@confluent
async def get_schema_versions(request: Request) -> Response:
    store, deleted = _store(request), _flag(request, "deleted")
    pairs = await run_in_threadpool(
        store.schema_versions, request.path_params["id"], deleted=deleted
    )
    return RegistryJSONResponse([{"subject": s, "version": v} for s, v in pairs])


@confluent
async def get_schema_subjects(request: Request) -> Response:
    store, deleted = _store(request), _flag(request, "deleted")
    pairs = await run_in_threadpool(
        store.schema_versions, request.path_params["id"], deleted=deleted
    )
    return RegistryJSONResponse(list(dict.fromkeys(s for s, _ in pairs)))


@confluent
async def schema_types(request: Request) -> Response:
    return RegistryJSONResponse(["AVRO"])


@confluent
async def root(request: Request) -> Response:
    return RegistryJSONResponse({})


# Compatibility.


@confluent
async def get_config(request: Request) -> Response:
    subject, store = request.path_params.get("subject"), _store(request)
    if subject is None or _flag(request, "defaultToGlobal"):
        level = await run_in_threadpool(store.compatibility, subject)
    else:
        level = await run_in_threadpool(store.subject_compatibility, subject)
    return RegistryJSONResponse({"compatibilityLevel": str(level)})


@guarded(register=False)
@confluent
async def put_config(request: Request) -> Response:
    body = await _body(request)
    level = parse_level(body.get("compatibility") or body.get("compatibilityLevel"))
    subject = request.path_params.get("subject")
    await run_in_threadpool(_store(request).set_compatibility, level, subject)
    return RegistryJSONResponse({"compatibility": str(level)})


@guarded(register=False)
@confluent
async def delete_config(request: Request) -> Response:
    subject = request.path_params.get("subject")
    previous = await run_in_threadpool(_store(request).delete_compatibility, subject)
    return RegistryJSONResponse({"compatibilityLevel": str(previous)})


@confluent
async def compatibility_test(request: Request) -> Response:
    subject, schema = request.path_params["subject"], await _schema(request)
    ref = _version(request.path_params["version"]) if "version" in request.path_params else None
    problems = await run_in_threadpool(_store(request).test_compatibility, subject, schema, ref)
    answer: dict[str, Any] = {"is_compatible": not problems}
    if _flag(request, "verbose"):
        answer["messages"] = [p.message for p in problems]
    return RegistryJSONResponse(answer)


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    message = f"Sổ đăng ký lược đồ không có đường dẫn {scope.get('path', '')}"
    await _error(404, 404, message)(scope, receive, send)


_ROUTES: list[BaseRoute] = [
    Route("/", root, methods=["GET"]),
    Route("/subjects", list_subjects, methods=["GET"]),
    Route("/subjects/{subject}", lookup, methods=["POST"]),
    Route("/subjects/{subject}", delete_subject, methods=["DELETE"]),
    Route("/subjects/{subject}/versions", list_versions, methods=["GET"]),
    Route("/subjects/{subject}/versions", register, methods=["POST"]),
    Route("/subjects/{subject}/versions/{version}", get_version, methods=["GET"]),
    Route("/subjects/{subject}/versions/{version}", delete_version, methods=["DELETE"]),
    Route("/subjects/{subject}/versions/{version}/schema", get_version_schema, methods=["GET"]),
    Route("/schemas/types", schema_types, methods=["GET"]),
    Route("/schemas/ids/{id:int}", get_schema, methods=["GET"]),
    Route("/schemas/ids/{id:int}/versions", get_schema_versions, methods=["GET"]),
    Route("/schemas/ids/{id:int}/subjects", get_schema_subjects, methods=["GET"]),
    Route("/config", get_config, methods=["GET"]),
    Route("/config", put_config, methods=["PUT"]),
    Route("/config", delete_config, methods=["DELETE"]),
    Route("/config/{subject}", get_config, methods=["GET"]),
    Route("/config/{subject}", put_config, methods=["PUT"]),
    Route("/config/{subject}", delete_config, methods=["DELETE"]),
    Route("/compatibility/subjects/{subject}/versions", compatibility_test, methods=["POST"]),
    Route(
        "/compatibility/subjects/{subject}/versions/{version}", compatibility_test, methods=["POST"]
    ),
]
