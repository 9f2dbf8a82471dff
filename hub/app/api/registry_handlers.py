"""The Confluent Schema Registry REST API over the hub's own registry, mounted at ``/registry``
(the endpoints are declared in hub/app/api/registry_routes.py).

Any Confluent client works with ``url=http://host:port/registry``: subjects, versions, ids,
lookup, soft and permanent deletes, global and per-subject compatibility, compatibility tests.
Reads are open; changes need a token (Bearer, or HTTP Basic with the token as the password,
which is what Confluent clients send): producers of the owning agency register versions of their
datasets' subjects, admins do the rest (hub.auth.policy.schema_change_refusal).
Answers are ``application/vnd.schemaregistry.v1+json``; errors carry Confluent's
``{"error_code": 40401, "message": ...}``, the message in Vietnamese, from the table of
``hub.registry.errors``. Only Avro schemas.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from starlette.authentication import AuthenticationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from hub.app.api.authentication import Refused, agency
from hub.app.api.endpoint import Handler, Reply
from hub.app.api.errors import VietnameseJSONResponse
from hub.app.api.numbers import bounded_int
from hub.app.api.registry_answers import (
    MEDIA_TYPE,
    CompatibilityCheck,
    CompatibilityLevelAnswer,
    CompatibilitySet,
    ConfluentError,
    DeletedVersion,
    Empty,
    RegisteredId,
    SchemaText,
    SchemaTypes,
    Subjects,
    SubjectVersion,
    SubjectVersionRef,
    SubjectVersionRefs,
    Versions,
)
from hub.app.api.routing import body_of
from hub.app.wiring import Hub
from hub.auth.policy import schema_change_refusal
from hub.errors import UnreachableError
from hub.registry.compatibility import parse_level
from hub.registry.embedded import DatabaseSchemaRegistry
from hub.registry.errors import (
    BAD_REQUEST,
    FORBIDDEN,
    INVALID_SCHEMA,
    INVALID_VERSION,
    NO_SUCH_PATH,
    STORE_FAILED,
    UNAUTHORIZED,
    IncompatibleSchema,
    RegistryRefusal,
)
from hub.registry.store import VersionRef

MAX_VERSION = 2**31 - 1
MAX_BODY_BYTES = 1024 * 1024
"""A registration's body at most: the largest schema Kho ships is a few kilobytes."""
MAX_SUBJECT_LENGTH = 255
"""The store's subject column (``hub.registry.store``)."""
log = logging.getLogger("kho.api.registry")


def confluent_answer(refusal: RegistryRefusal) -> Response:
    """A refusal in Confluent's error body, with the status of its row."""
    error = ConfluentError(error_code=refusal.error_code, message=str(refusal))
    if isinstance(refusal, IncompatibleSchema):
        error.incompatibilities = [i.as_dict() for i in refusal.incompatibilities]
    return VietnameseJSONResponse(
        body_of(error), status_code=refusal.http_status, media_type=MEDIA_TYPE
    )


def refusal_answer(conn: HTTPConnection, exc: AuthenticationError) -> Response:
    """The ``on_error`` of the authentication middleware under /registry: 401, 40101."""
    reason = str(exc.error.detail) if isinstance(exc, Refused) else str(exc)
    return confluent_answer(UNAUTHORIZED(reason=reason))


def confluent(handler: Handler) -> Handler:
    """The registry's refusals, and a failing store, as Confluent error answers."""

    @functools.wraps(handler)
    async def answer(request: Request) -> BaseModel | Reply | Response:
        try:
            return await handler(request)
        except RegistryRefusal as exc:
            return confluent_answer(exc)
        except (sa.exc.SQLAlchemyError, UnreachableError) as exc:
            log.exception("registry store failed on %s %s", request.method, request.url.path)
            return confluent_answer(STORE_FAILED(error=type(exc).__name__))

    return answer


def may_change(*, register: bool) -> Callable[[Handler], Handler]:
    """Changes need a caller (authenticated by the middleware) that the sharing policy lets
    change the subject."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def answer(request: Request) -> BaseModel | Reply | Response:
            hub: Hub = request.app.state.hub
            subject = request.path_params.get("subject", "")
            datasets = hub.catalogue.catalogue.datasets
            refusal = schema_change_refusal(agency(request), datasets, subject, register=register)
            if refusal is not None:
                raise FORBIDDEN(reason=refusal.message)
            return await handler(request)

        return answer

    return wrap


async def not_found(scope: Scope, receive: Receive, send: Send) -> None:
    """The mount's answer to a path it does not serve."""
    await confluent_answer(NO_SUCH_PATH(path=scope.get("path", "")))(scope, receive, send)


def _store(request: Request) -> DatabaseSchemaRegistry:
    registry = request.app.state.hub.registry
    if not isinstance(registry, DatabaseSchemaRegistry):  # the app mounts nothing then
        raise TypeError("the registry API needs the hub's own registry")
    return registry


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "false").lower() in ("true", "1")


def _subject(request: Request) -> str:
    """The subject in the path; refused when the store could not keep it as a name (longer
    than its 255 characters, or holding NUL or another control character)."""
    subject = str(request.path_params["subject"])
    if len(subject) > MAX_SUBJECT_LENGTH or not subject.isprintable():
        raise BAD_REQUEST(
            reason=f"Tên chủ đề phải gồm 1–{MAX_SUBJECT_LENGTH} ký tự in được, không có ký tự"
            " điều khiển"
        )
    return subject


def _optional_subject(request: Request) -> str | None:
    """The subject of a per-subject setting; None for the global one."""
    return _subject(request) if "subject" in request.path_params else None


def _version(text: str) -> VersionRef:
    if text in ("latest", "-1"):
        return "latest"
    version = bounded_int(text, 1, MAX_VERSION)
    if version is not None:
        return version
    raise INVALID_VERSION(text=text, highest=MAX_VERSION)


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await _limited_body(request) or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BAD_REQUEST(reason=f"Nội dung yêu cầu không phải JSON hợp lệ: {exc}") from exc
    except RecursionError as exc:
        raise BAD_REQUEST(reason="Nội dung yêu cầu là JSON lồng nhau quá sâu") from exc
    except ValueError as exc:  # an integer longer than int() converts
        raise BAD_REQUEST(reason="Nội dung yêu cầu có số nguyên quá dài") from exc
    if not isinstance(body, dict):
        raise BAD_REQUEST(reason="Nội dung yêu cầu phải là một đối tượng JSON")
    return body


async def _limited_body(request: Request) -> bytes:
    """The body, read no further than ``MAX_BODY_BYTES``: a schema is a few kilobytes."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BAD_REQUEST(reason=f"Nội dung yêu cầu vượt giới hạn {MAX_BODY_BYTES} byte")
        chunks.append(chunk)
    return b"".join(chunks)


async def _schema(request: Request) -> str:
    """The ``schema`` of a SchemaInput body, refused with Confluent's 42201 when unusable."""
    body = await _body(request)
    schema = body.get("schema")
    if not isinstance(schema, str) or not schema.strip():
        raise INVALID_SCHEMA(reason="Thiếu trường 'schema' (chuỗi JSON của lược đồ Avro)")
    kind = str(body.get("schemaType") or "AVRO").upper()
    if kind != "AVRO":
        raise INVALID_SCHEMA(reason=f"Sổ đăng ký của Kho chỉ nhận lược đồ AVRO, không nhận {kind}")
    if body.get("references"):
        raise INVALID_SCHEMA(reason="Sổ đăng ký của Kho chưa hỗ trợ tham chiếu giữa các lược đồ")
    return schema


def _described(subject: str, version: int, schema_id: int, text: str) -> SubjectVersion:
    return SubjectVersion(subject=subject, version=version, id=schema_id, schema=text)


# Subjects and versions.


@confluent
async def list_subjects(request: Request) -> Subjects:
    found = await run_in_threadpool(_store(request).subjects, deleted=_flag(request, "deleted"))
    prefix = request.query_params.get("subjectPrefix") or request.query_params.get("subject", "")
    return Subjects([s for s in found if s.startswith(prefix)])


@confluent
async def list_versions(request: Request) -> Versions:
    subject = _subject(request)
    store = _store(request)
    found = await run_in_threadpool(store.versions, subject, deleted=_flag(request, "deleted"))
    return Versions(found)


@confluent
async def get_version(request: Request) -> SubjectVersion:
    subject, ref = _subject(request), _version(request.path_params["version"])
    store = _store(request)
    row = await run_in_threadpool(store.version, subject, ref, deleted=_flag(request, "deleted"))
    return _described(subject, row.version, row.schema_id, row.schema_text)


@confluent
async def get_version_schema(request: Request) -> Response:
    subject, ref = _subject(request), _version(request.path_params["version"])
    store = _store(request)
    row = await run_in_threadpool(store.version, subject, ref, deleted=_flag(request, "deleted"))
    return Response(row.schema_text.encode("utf-8"), media_type=MEDIA_TYPE)


@confluent
@may_change(register=True)
async def register(request: Request) -> RegisteredId:
    subject, schema = _subject(request), await _schema(request)
    schema_id = await run_in_threadpool(_store(request).register, subject, schema)
    return RegisteredId(id=schema_id)


@confluent
async def lookup(request: Request) -> SubjectVersion:
    subject, schema = _subject(request), await _schema(request)
    store = _store(request)
    row = await run_in_threadpool(store.lookup, subject, schema, deleted=_flag(request, "deleted"))
    return _described(subject, row.version, row.schema_id, row.schema_text)


@confluent
@may_change(register=False)
async def delete_subject(request: Request) -> Versions:
    subject, store = _subject(request), _store(request)
    permanent = _flag(request, "permanent")
    return Versions(await run_in_threadpool(store.delete_subject, subject, permanent=permanent))


@confluent
@may_change(register=False)
async def delete_version(request: Request) -> DeletedVersion:
    subject, ref = _subject(request), _version(request.path_params["version"])
    store, permanent = _store(request), _flag(request, "permanent")
    return DeletedVersion(
        await run_in_threadpool(store.delete_version, subject, ref, permanent=permanent)
    )


# Schemas by id.


@confluent
async def get_schema(request: Request) -> SchemaText:
    text = await run_in_threadpool(_store(request).schema_text, request.path_params["id"])
    return SchemaText(schema=text)


@confluent
async def get_schema_versions(request: Request) -> SubjectVersionRefs:
    store, deleted = _store(request), _flag(request, "deleted")
    pairs = await run_in_threadpool(
        store.schema_versions, request.path_params["id"], deleted=deleted
    )
    return SubjectVersionRefs([SubjectVersionRef(subject=s, version=v) for s, v in pairs])


@confluent
async def get_schema_subjects(request: Request) -> Subjects:
    store, deleted = _store(request), _flag(request, "deleted")
    pairs = await run_in_threadpool(
        store.schema_versions, request.path_params["id"], deleted=deleted
    )
    return Subjects(list(dict.fromkeys(s for s, _ in pairs)))


@confluent
async def schema_types(request: Request) -> SchemaTypes:
    return SchemaTypes(["AVRO"])


@confluent
async def root(request: Request) -> Empty:
    return Empty()


# Compatibility.


@confluent
async def get_config(request: Request) -> CompatibilityLevelAnswer:
    subject, store = _optional_subject(request), _store(request)
    if subject is None or _flag(request, "defaultToGlobal"):
        level = await run_in_threadpool(store.compatibility, subject)
    else:
        level = await run_in_threadpool(store.subject_compatibility, subject)
    return CompatibilityLevelAnswer(compatibilityLevel=str(level))


@confluent
@may_change(register=False)
async def put_config(request: Request) -> CompatibilitySet:
    body = await _body(request)
    level = parse_level(body.get("compatibility") or body.get("compatibilityLevel"))
    subject = _optional_subject(request)
    await run_in_threadpool(_store(request).set_compatibility, level, subject)
    return CompatibilitySet(compatibility=str(level))


@confluent
@may_change(register=False)
async def delete_config(request: Request) -> CompatibilityLevelAnswer:
    subject = _optional_subject(request)
    previous = await run_in_threadpool(_store(request).delete_compatibility, subject)
    return CompatibilityLevelAnswer(compatibilityLevel=str(previous))


@confluent
async def compatibility_test(request: Request) -> CompatibilityCheck:
    subject, schema = _subject(request), await _schema(request)
    ref = _version(request.path_params["version"]) if "version" in request.path_params else None
    problems = await run_in_threadpool(_store(request).test_compatibility, subject, schema, ref)
    answer = CompatibilityCheck(is_compatible=not problems)
    if _flag(request, "verbose"):
        answer.messages = [p.message for p in problems]
    return answer
