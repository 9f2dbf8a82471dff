"""Who is calling, decided by Starlette's ``AuthenticationMiddleware`` before the handler runs.

Each route gets the middleware with a ``TokenBackend`` for its endpoint's ``Access``
(hub/app/api/endpoint.py). The backend reads ``Authorization``: an agency's token through the
token store, a citizen's or organisation's JWT through the subject tokens. It sets
``request.user`` to an ``AgencyUser`` or a ``SubjectUser`` (``UnauthenticatedUser`` for the
public), or refuses with a 401 (403 for an agency's token on a citizen's page) that says what is
wrong, in the hub's error body (``on_error``) or in Confluent's under /registry.
"""

from __future__ import annotations

import base64
import binascii

from starlette.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    BaseUser,
)
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from hub.app.api.endpoint import Access
from hub.app.api.errors import ApiError, error_response
from hub.app.web.people.access_tokens import PersonTokens
from hub.app.web.people.person import Person
from hub.app.wiring import Hub
from hub.auth.tokens import AuthError, Credential, credential_from_row, split_token
from hub.provide_once.subject_auth import looks_like_jwt
from hub.provide_once.subjects import Subject


class AgencyUser(BaseUser):
    """A department's system, by its token."""

    def __init__(self, credential: Credential) -> None:
        self.credential = credential

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.credential.agency

    @property
    def identity(self) -> str:
        return f"token:{self.credential.token_id}"


class SubjectUser(BaseUser):
    """A citizen or an organisation signed in with the province's identity system."""

    def __init__(self, subject: Subject) -> None:
        self.subject = subject

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.subject.id

    @property
    def identity(self) -> str:
        return f"subject:{self.subject.id}"


class Refused(AuthenticationError):
    """The middleware's refusal, carrying the answer to give."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(str(error.detail))
        self.error = error


class TokenBackend(AuthenticationBackend):
    """Authenticates the caller as the endpoint's ``Access`` asks."""

    def __init__(self, access: Access) -> None:
        if access is Access.OPEN:
            raise ValueError("an open endpoint needs no authentication backend")
        self.access = access

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        hub: Hub = conn.app.state.hub
        try:
            return await self._authenticate(conn, hub)
        except ApiError as exc:
            raise Refused(exc) from exc

    async def _authenticate(
        self, conn: HTTPConnection, hub: Hub
    ) -> tuple[AuthCredentials, BaseUser] | None:
        access = self.access
        if access is Access.PUBLIC and "authorization" not in conn.headers:
            return None
        person_tokens: PersonTokens | None = getattr(conn.app.state, "person_tokens", None)
        if person_tokens is not None and "authorization" in conn.headers:
            token = _bearer(conn) if access is not Access.REGISTRY_CHANGE else ""
            if looks_like_jwt(token) and person_tokens.issued_here(token):
                return _as_person(await _person(person_tokens, token), access)
        if access is Access.SUBJECT:
            return _as_subject(await _subject(conn, hub))
        if access is Access.AGENCY_OR_SUBJECT and looks_like_jwt(_bearer(conn)):
            return _as_subject(await _subject(conn, hub))
        credential = await _agency_reading_ahead(conn, hub) if access is Access.AGENCY else None
        if credential is None:
            credential = await _agency(conn, hub, allow_basic=access is Access.REGISTRY_CHANGE)
        return AuthCredentials(["agency", *sorted(r.value for r in credential.roles)]), AgencyUser(
            credential
        )


def refusal_answer(conn: HTTPConnection, exc: AuthenticationError) -> Response:
    """The ``on_error`` of the middleware: the refusal in the hub's error body."""
    error = exc.error if isinstance(exc, Refused) else _malformed()
    return error_response(
        error.status_code, error.code, str(error.detail), headers=error.headers, **error.details
    )


def agency(request: Request) -> Credential:
    """The agency behind the request, on endpoints whose access demands one."""
    user = request.user
    if not isinstance(user, AgencyUser):
        raise TypeError(f"{request.url.path} is not declared for an agency's token")
    return user.credential


def subject(request: Request) -> Subject:
    """The signed-in subject, on endpoints whose access demands one."""
    user = request.user
    if not isinstance(user, SubjectUser):
        raise TypeError(f"{request.url.path} is not declared for a subject's token")
    return user.subject


def caller(request: Request) -> Credential | Subject | None:
    """The agency's credential, the subject, or None for the public."""
    user = request.user
    if isinstance(user, AgencyUser):
        return user.credential
    if isinstance(user, SubjectUser):
        return user.subject
    return None


def optional_agency(request: Request) -> Credential | None:
    """The agency on endpoints the public may use too (None: the public)."""
    user = request.user
    return user.credential if isinstance(user, AgencyUser) else None


def _as_subject(found: Subject) -> tuple[AuthCredentials, BaseUser]:
    return AuthCredentials(["subject"]), SubjectUser(found)


def _as_person(person: Person, access: Access) -> tuple[AuthCredentials, BaseUser]:
    """A person signed in at the identity provider, under the same policy as a token: a citizen
    is their subject, a member of staff their agency with their roles."""
    if person.is_citizen:
        if access in (Access.AGENCY, Access.REGISTRY_CHANGE):
            raise ApiError(
                403,
                "not_an_agency",
                "Đây là phiên đăng nhập của công dân; thao tác này cần quyền của cơ quan",
            )
        return _as_subject(person.citizen())
    if access is Access.SUBJECT:
        raise ApiError(
            403,
            "not_a_subject",
            "Đây là phiên đăng nhập của cán bộ; trang này cần phiên đăng nhập của công dân,"
            " tổ chức",
        )
    credential = person.credential()
    return AuthCredentials(["agency", *sorted(r.value for r in credential.roles)]), AgencyUser(
        credential
    )


async def _person(person_tokens: PersonTokens, token: str) -> Person:
    try:
        return await run_in_threadpool(person_tokens.verify, token)
    except AuthError as exc:
        raise _invalid(exc) from exc


async def _agency(conn: HTTPConnection, hub: Hub, *, allow_basic: bool) -> Credential:
    """``allow_basic`` also takes HTTP Basic with the token as the password (the user name is
    ignored): Confluent clients send ``basic.auth.user.info``."""
    header = conn.headers.get("authorization", "")
    if allow_basic and header.lower().startswith("basic "):
        token = _basic_password(header[6:])
        if not token.strip():
            raise _malformed()
    else:
        token = _bearer(conn)
    try:
        return await hub.tokens.authenticate_async(token.strip())
    except AuthError as exc:
        raise _invalid(exc) from exc


PREFILL_ROUTE = "prefill"
"""The name of the prefill's route (its operation id, hub/app/api/routes_provide_once.py)."""
READ_AHEAD = "kho.prefill_read_ahead"
"""Where in the request's scope the prefill's read-ahead waits for its handler."""


async def _agency_reading_ahead(conn: HTTPConnection, hub: Hub) -> Credential | None:
    """On the prefill's route, on PostgreSQL: the token checked from its row read in the same
    statement as the prefill's facts (``ProvideOnce.read_ahead``), which wait in the scope
    (``READ_AHEAD``) for the handler. The same checks and answers as ``_agency``, on a row read
    in this request: one round trip a prefill instead of two, and nothing cached. None when the
    route, the token's shape or the question does not allow it: ``_agency`` then decides."""
    if getattr(conn.scope.get("route"), "name", None) != PREFILL_ROUTE:
        return None
    try:
        token_id, secret = split_token(_bearer(conn))
    except AuthError:
        return None
    subject_id = str(conn.path_params.get("subject_id", ""))
    procedure = conn.query_params.get("procedure", "")
    ahead = await hub.provide_once.read_ahead((token_id, secret), subject_id, procedure)
    if ahead is None:
        return None
    try:
        credential = credential_from_row(token_id, secret, ahead.token)
    except AuthError as exc:
        raise _invalid(exc) from exc
    conn.scope[READ_AHEAD] = ahead
    return credential


async def _subject(conn: HTTPConnection, hub: Hub) -> Subject:
    """A subject token; an agency's token here is a 403: the citizen's pages act for the
    citizen only."""
    token = _bearer(conn)
    if token.startswith("kho_"):
        raise ApiError(
            403,
            "not_a_subject",
            "Đây là mã truy cập của cơ quan; trang này cần phiên đăng nhập của công dân, tổ chức",
        )
    try:
        return await run_in_threadpool(hub.subject_tokens.verify, token)
    except AuthError as exc:
        raise _invalid(exc) from exc


def _basic_password(encoded: str) -> str:
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return decoded.partition(":")[2]


def _bearer(conn: HTTPConnection) -> str:
    header = conn.headers.get("authorization")
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


def _invalid(exc: AuthError) -> ApiError:
    return ApiError(
        401, exc.reason, str(exc), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
    )


def _malformed() -> ApiError:
    return ApiError(
        401,
        "malformed_token",
        "Tiêu đề Authorization phải có dạng: Bearer <mã>",
        headers={"WWW-Authenticate": "Bearer"},
    )
