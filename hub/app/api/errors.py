"""JSON error answers: a code, a message for people, and never a traceback."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import msgspec
import sqlalchemy as sa
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.disk_space import DISK_FULL_API_MESSAGE, disk_full
from hub.provide_once.errors import ProvideOnceError

log = logging.getLogger("kho.api")


class VietnameseJSONResponse(JSONResponse):
    """JSON with Vietnamese text left readable (UTF-8, not \\u escapes). Encoded by msgspec
    (C; about a tenth of ``json.dumps``'s CPU, which was 4 % of a prefill's over HTTP); text
    holding a lone surrogate, which UTF-8 cannot carry, by ``json.dumps`` with the surrogate as
    its JSON escape."""

    def render(self, content: object) -> bytes:
        try:
            return msgspec.json.encode(content)
        except UnicodeEncodeError:
            text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
            return text.encode("utf-8", "backslashreplace")


class ApiError(HTTPException):
    """An answer other than success, with a machine-readable code and optional details."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        **details: Any,
    ) -> None:
        super().__init__(status_code=status_code, detail=message, headers=headers)
        self.code = code
        self.details = details


def error_response(
    status_code: int,
    code: str,
    message: str,
    *,
    headers: Mapping[str, str] | None = None,
    **details: Any,
) -> JSONResponse:
    return VietnameseJSONResponse(
        {"error": {"code": code, "message": message, **details}},
        status_code=status_code,
        headers=headers,
    )


async def http_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, ApiError):
        return error_response(
            exc.status_code, exc.code, str(exc.detail), headers=exc.headers, **exc.details
        )
    if isinstance(exc, HTTPException):
        return error_response(exc.status_code, "http_error", str(exc.detail), headers=exc.headers)
    return await unexpected_error(request, exc)


async def provide_once_error(request: Request, exc: Exception) -> Response:
    """A refusal of the provide-once store (already audited by the store): its status, code,
    message and the field or what is missing."""
    if not isinstance(exc, ProvideOnceError):
        return await unexpected_error(request, exc)
    return error_response(exc.status, exc.code, str(exc), **exc.details)


async def unreachable_error(request: Request, exc: Exception) -> Response:
    """A server the hub depends on is down: 503, so clients retry later. A full disk wrapped
    as the database being unreachable is said as a full disk."""
    if disk_full(exc):
        return await unexpected_error(request, exc)
    log.warning("dependency unreachable on %s %s: %s", request.method, request.url.path, exc)
    return error_response(
        503, "service_unavailable", f"{exc}; vui lòng thử lại sau", headers={"Retry-After": "5"}
    )


async def database_error(request: Request, exc: Exception) -> Response:
    """A database error met on the way: the database gone (stopped, restarted, the connection
    cut) is a 503, like any server the hub depends on; any other database error is a 500."""
    gone = isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError) or (
        isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated
    )
    if not gone or disk_full(exc):
        return await unexpected_error(request, exc)
    log.warning("database unreachable on %s %s: %s", request.method, request.url.path, exc)
    return error_response(
        503,
        "service_unavailable",
        "Không kết nối được tới cơ sở dữ liệu; vui lòng thử lại sau",
        headers={"Retry-After": "5"},
    )


async def unexpected_error(request: Request, exc: Exception) -> Response:
    if disk_full(exc):  # the data directory's disk: 503 until an operator frees space
        log.error("disk full on %s %s: %s", request.method, request.url.path, exc)
        return error_response(
            503, "disk_full", DISK_FULL_API_MESSAGE, headers={"Retry-After": "60"}
        )
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "Lỗi hệ thống; sự cố đã được ghi lại")
