"""The caller behind ``Authorization: Bearer <token>``, or a 401 that says what is wrong."""

from __future__ import annotations

import base64
import binascii

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from hub.api.errors import ApiError
from hub.auth.tokens import AuthError, Credential
from hub.wiring import Hub


async def authenticate(request: Request, hub: Hub, *, allow_basic: bool = False) -> Credential:
    """The caller's credential. ``allow_basic`` also takes HTTP Basic with the token as the
    password (the user name is ignored): Confluent clients send ``basic.auth.user.info``."""
    header = request.headers.get("authorization")
    if not header:
        raise ApiError(
            401,
            "missing_token",
            "Thiếu mã truy cập: gửi tiêu đề Authorization: Bearer <mã>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    scheme, _, token = header.partition(" ")
    if allow_basic and scheme.lower() == "basic":
        token = _basic_password(token)
        scheme = "bearer"
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "malformed_token",
            "Tiêu đề Authorization phải có dạng: Bearer <mã>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        return await run_in_threadpool(hub.tokens.authenticate, token.strip())
    except AuthError as exc:
        raise ApiError(
            401, exc.reason, str(exc), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        ) from exc


def _basic_password(encoded: str) -> str:
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return decoded.partition(":")[2]


async def optional_credential(request: Request, hub: Hub) -> Credential | None:
    """The caller on endpoints the public may use too: None without a token, but a token that
    is sent must be valid (a bad token is a 401, never a silent fall back to public access)."""
    if "authorization" not in request.headers:
        return None
    return await authenticate(request, hub)
