"""API tokens: issued to one agency with roles, stored only as a hash, checked on each request.

A token reads ``kho_<id>_<secret>``. The id finds the row; the secret is compared, in constant
time, with the SHA-256 stored for it. Secrets are 32 random bytes, so a plain SHA-256 is enough:
there is nothing to brute-force that a slow password hash would protect.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import anyio.to_thread
import sqlalchemy as sa

from hub.async_postgres import AsyncPostgres, postgres_sql
from hub.db import UtcDateTime, metadata
from hub.errors import KhoError

tokens_table = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("token_id", sa.String(16), primary_key=True),
    sa.Column("agency", sa.String(64), nullable=False, index=True),
    sa.Column("roles", sa.String(200), nullable=False),
    sa.Column("secret_sha256", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=True),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
)

_PREFIX = "kho_"


class Role(StrEnum):
    PRODUCER = "producer"
    CONSUMER = "consumer"
    STEWARD = "steward"
    ADMIN = "admin"


class AuthError(KhoError):
    """A token that cannot be used; ``reason`` is a stable code for logs and answers."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Credential:
    """The caller a valid token stands for."""

    token_id: str
    agency: str
    roles: frozenset[Role]

    def has(self, role: Role) -> bool:
        return role in self.roles or Role.ADMIN in self.roles


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token_id: str
    plaintext: str
    expires_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What may be shown about a token: everything but its secret."""

    token_id: str
    agency: str
    roles: frozenset[Role]
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    live: bool


class TokenStore:
    """Tokens in the hub's database. ``fast``, on PostgreSQL, serves the check the HTTP API makes
    on every request (``authenticate_async``)."""

    def __init__(self, engine: sa.Engine, fast: AsyncPostgres | None = None) -> None:
        self._engine = engine
        self._fast = fast

    def create(
        self, agency: str, roles: frozenset[Role], *, valid_for: dt.timedelta | None = None
    ) -> IssuedToken:
        if not roles:
            raise ValueError("a token needs at least one role")
        token_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        now = dt.datetime.now(dt.UTC)
        expires_at = now + valid_for if valid_for is not None else None
        with self._engine.begin() as conn:
            conn.execute(
                sa.insert(tokens_table).values(
                    token_id=token_id,
                    agency=agency,
                    roles=",".join(sorted(roles)),
                    secret_sha256=_digest(secret),
                    created_at=now,
                    expires_at=expires_at,
                )
            )
        return IssuedToken(token_id, f"{_PREFIX}{token_id}_{secret}", expires_at)

    def rotate(self, token_id: str, *, grace: dt.timedelta | None = None) -> IssuedToken | None:
        """Issue a new token with the same agency, roles and validity period, and retire the old
        one: at once, or after ``grace`` so that a deployment can switch over. None when no live
        token has that id. Both happen in one transaction."""
        now = dt.datetime.now(dt.UTC)
        token_id_new = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        with self._engine.begin() as conn:
            old = conn.execute(
                sa.select(tokens_table).where(
                    tokens_table.c.token_id == token_id, tokens_table.c.revoked_at.is_(None)
                )
            ).first()
            if old is None or (old.expires_at is not None and old.expires_at <= now):
                return None
            period = old.expires_at - old.created_at if old.expires_at else None
            expires_at = now + period if period else None
            conn.execute(
                sa.insert(tokens_table).values(
                    token_id=token_id_new,
                    agency=old.agency,
                    roles=old.roles,
                    secret_sha256=_digest(secret),
                    created_at=now,
                    expires_at=expires_at,
                )
            )
            retire = (
                {"revoked_at": now}
                if grace is None
                else {"expires_at": min(now + grace, old.expires_at or now + grace)}
            )
            conn.execute(
                sa.update(tokens_table).where(tokens_table.c.token_id == token_id).values(**retire)
            )
        return IssuedToken(token_id_new, f"{_PREFIX}{token_id_new}_{secret}", expires_at)

    def describe(self, agency: str | None = None) -> list[TokenInfo]:
        """Tokens (never their secrets), newest first, optionally of one agency."""
        query = sa.select(tokens_table).order_by(tokens_table.c.created_at.desc())
        if agency is not None:
            query = query.where(tokens_table.c.agency == agency)
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        now = dt.datetime.now(dt.UTC)
        return [
            TokenInfo(
                token_id=row.token_id,
                agency=row.agency,
                roles=frozenset(Role(name) for name in row.roles.split(",")),
                created_at=row.created_at,
                expires_at=row.expires_at,
                revoked_at=row.revoked_at,
                live=row.revoked_at is None and (row.expires_at is None or row.expires_at > now),
            )
            for row in rows
        ]

    def revoke(self, token_id: str) -> bool:
        """Revoke a token; False when no live token has that id."""
        with self._engine.begin() as conn:
            changed = conn.execute(
                sa.update(tokens_table)
                .where(tokens_table.c.token_id == token_id, tokens_table.c.revoked_at.is_(None))
                .values(revoked_at=dt.datetime.now(dt.UTC))
            ).rowcount
        return bool(changed)

    def authenticate(self, plaintext: str) -> Credential:
        token_id, secret = _split(plaintext)
        with self._engine.connect() as conn:
            row = conn.execute(_LOOKUP, {"token_id": token_id}).first()
        return _credential(token_id, secret, None if row is None else row._mapping)

    async def authenticate_async(self, plaintext: str) -> Credential:
        """``authenticate`` for the HTTP API: on the event loop through ``fast`` (PostgreSQL),
        otherwise in a worker thread."""
        if self._fast is None:
            return await anyio.to_thread.run_sync(self.authenticate, plaintext)
        token_id, secret = _split(plaintext)
        async with self._fast.connection() as conn:
            cursor = await conn.execute(_LOOKUP_SQL, {"token_id": token_id})
            row = await cursor.fetchone()
        return _credential(token_id, secret, row)


_LOOKUP = sa.select(
    tokens_table.c.agency,
    tokens_table.c.roles,
    tokens_table.c.secret_sha256,
    tokens_table.c.expires_at,
    tokens_table.c.revoked_at,
).where(tokens_table.c.token_id == sa.bindparam("token_id"))
_LOOKUP_SQL = postgres_sql(_LOOKUP)


def split_token(plaintext: str) -> tuple[str, str]:
    """A token's id and secret; ``AuthError`` (malformed_token) when it does not read so."""
    return _split(plaintext)


def secret_digest(secret: str) -> str:
    """The SHA-256 a token's secret is stored as (``api_tokens.secret_sha256``)."""
    return _digest(secret)


def credential_from_row(token_id: str, secret: str, row: Mapping[Any, Any] | None) -> Credential:
    """The credential a token's ``api_tokens`` row (None: no such id) gives, with the checks
    ``authenticate`` makes: the secret, the revocation, the expiry. For a caller that read the
    row in a statement of its own (hub/provide_once/prefill_reads.py)."""
    return _credential(token_id, secret, row)


def _credential(token_id: str, secret: str, row: Mapping[Any, Any] | None) -> Credential:
    if row is None or not hmac.compare_digest(row["secret_sha256"], _digest(secret)):
        raise AuthError("unknown_token", "Mã truy cập không đúng")
    if row["revoked_at"] is not None:
        raise AuthError("revoked_token", "Mã truy cập đã bị thu hồi")
    if row["expires_at"] is not None and row["expires_at"] <= dt.datetime.now(dt.UTC):
        raise AuthError("expired_token", "Mã truy cập đã hết hạn")
    roles = frozenset(Role(name) for name in row["roles"].split(","))
    return Credential(token_id=token_id, agency=row["agency"], roles=roles)


def _split(plaintext: str) -> tuple[str, str]:
    if not plaintext.startswith(_PREFIX):
        raise AuthError("malformed_token", "Mã truy cập không đúng định dạng kho_<id>_<bí mật>")
    token_id, _, secret = plaintext[len(_PREFIX) :].partition("_")
    if len(token_id) != 12 or not secret:
        raise AuthError("malformed_token", "Mã truy cập không đúng định dạng kho_<id>_<bí mật>")
    return token_id, secret


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
