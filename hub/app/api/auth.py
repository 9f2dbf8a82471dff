"""The caller behind ``Authorization: Bearer <token>``, or a 401 that says what is wrong."""

from __future__ import annotations

import base64
import binascii

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from hub.app.api.errors import ApiError
from hub.app.wiring import Hub
from hub.auth.tokens import AuthError, Credential
from hub.provide_once.subject_auth import looks_like_jwt
from hub.provide_once.subjects import Subject


async def authenticate(request: Request, hub: Hub, *, allow_basic: bool = False) -> Credential:
    """The caller's credential. ``allow_basic`` also takes HTTP Basic with the token as the
    password (the user name is ignored): Confluent clients send ``basic.auth.user.info``."""
    if allow_basic and request.headers.get("authorization", "").lower().startswith("basic "):
        token = _basic_password(request.headers["authorization"][6:])
        if not token.strip():
            raise _malformed()
    else:
        token = _bearer(request)
    try:
        return await hub.tokens.authenticate_async(token.strip())
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


async def authenticate_subject(request: Request, hub: Hub) -> Subject:
    """The citizen or organisation signed in with a subject token (a JWT). An agency's token
    here is a 403: the citizen's pages act for the citizen only."""
    token = _bearer(request)
    if token.startswith("kho_"):
        raise ApiError(
            403,
            "not_a_subject",
            "Đây là mã truy cập của cơ quan; trang này cần phiên đăng nhập của công dân, tổ chức",
        )
    try:
        return await run_in_threadpool(hub.subject_tokens.verify, token)
    except AuthError as exc:
        raise ApiError(
            401, exc.reason, str(exc), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        ) from exc


async def authenticate_agency_or_subject(request: Request, hub: Hub) -> Credential | Subject:
    """An agency's token (``kho_…``) or a subject's JWT, whichever was sent."""
    token = _bearer(request)
    if looks_like_jwt(token):
        return await authenticate_subject(request, hub)
    return await authenticate(request, hub)


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization")
    if not header:
        raise ApiError(
            401,
            "missing_token",
            "Thiếu mã truy cập: gửi tiêu đề Authorization: Bearer <mã>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _malformed()
    return token.strip()


def _malformed() -> ApiError:
    return ApiError(
        401,
        "malformed_token",
        "Tiêu đề Authorization phải có dạng: Bearer <mã>",
        headers={"WWW-Authenticate": "Bearer"},
    )
