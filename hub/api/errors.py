"""JSON error answers: a code, a message for people, and never a traceback."""

from __future__ import annotations

import json
import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = logging.getLogger("kho.api")


class VietnameseJSONResponse(JSONResponse):
    """JSON with Vietnamese text left readable (UTF-8, not \\u escapes)."""

    def render(self, content: object) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class ApiError(HTTPException):
    """An answer other than success, with a machine-readable code."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(status_code=status_code, detail=message)
        self.code = code


def error_response(status_code: int, code: str, message: str) -> JSONResponse:
    return VietnameseJSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status_code
    )


async def http_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, ApiError):
        return error_response(exc.status_code, exc.code, str(exc.detail))
    if isinstance(exc, HTTPException):
        return error_response(exc.status_code, "http_error", str(exc.detail))
    return await unexpected_error(request, exc)


async def unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "Lỗi hệ thống; sự cố đã được ghi lại")
