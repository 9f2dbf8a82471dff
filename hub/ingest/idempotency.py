"""Idempotency keys for batch ingest: a retried request publishes nothing twice.

The first request with a key claims it (a row in state ``pending``); when it finishes, its
answer is stored with it. A retry with the same key and the same body gets the stored answer
back; with a different body, or while the first is still running, it is refused. A claim whose
request failed before publishing is released so that the retry can run. A claim left pending
by a crashed process is taken over after ``stale_after``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hub.db import UtcDateTime, metadata
from hub.errors import KhoError

idempotency_table = sa.Table(
    "ingest_idempotency",
    metadata,
    sa.Column("agency", sa.String(64), primary_key=True),
    sa.Column("dataset", sa.String(200), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("request_sha256", sa.String(64), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("status_code", sa.Integer, nullable=True),
    sa.Column("answer", sa.Text, nullable=True),
    sa.Column("claimed_at", UtcDateTime, nullable=False),
)

MAX_KEY_LENGTH = 200


class IdempotencyConflict(KhoError):
    """The key is in use by a different request, or by one still running."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    status_code: int
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Claim:
    agency: str
    dataset: str
    key: str


class IdempotencyStore:
    def __init__(self, engine: sa.Engine, *, stale_after: dt.timedelta) -> None:
        self._engine = engine
        self._stale_after = stale_after

    def claim(self, claim: Claim, request_sha256: str) -> StoredAnswer | None:
        """Claim the key for this request; the stored answer if it already ran."""
        now = dt.datetime.now(dt.UTC)
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    sa.insert(idempotency_table).values(
                        agency=claim.agency,
                        dataset=claim.dataset,
                        key=claim.key,
                        request_sha256=request_sha256,
                        state="pending",
                        claimed_at=now,
                    )
                )
            return None
        except sa.exc.IntegrityError:
            pass
        with self._engine.begin() as conn:
            row = conn.execute(sa.select(idempotency_table).where(*self._where(claim))).first()
            if row is None:  # released in between: try once more
                return self.claim(claim, request_sha256)
            if row.request_sha256 != request_sha256:
                raise IdempotencyConflict(
                    "key_reused",
                    f"Idempotency-Key {claim.key!r} đã dùng cho một yêu cầu có nội dung khác",
                )
            if row.state == "done":
                return StoredAnswer(int(row.status_code), json.loads(row.answer))
            if now - row.claimed_at < self._stale_after:
                raise IdempotencyConflict(
                    "in_progress",
                    f"Yêu cầu với Idempotency-Key {claim.key!r} đang được xử lý; thử lại sau",
                )
            taken = conn.execute(
                sa.update(idempotency_table)
                .where(*self._where(claim), idempotency_table.c.claimed_at == row.claimed_at)
                .values(claimed_at=now)
            ).rowcount
        if not taken:
            raise IdempotencyConflict(
                "in_progress",
                f"Yêu cầu với Idempotency-Key {claim.key!r} đang được xử lý; thử lại sau",
            )
        return None

    def finish(self, claim: Claim, answer: StoredAnswer) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                sa.update(idempotency_table)
                .where(*self._where(claim))
                .values(
                    state="done",
                    status_code=answer.status_code,
                    answer=json.dumps(answer.body, ensure_ascii=False),
                )
            )

    def release(self, claim: Claim) -> None:
        """Give the key up after a request failed before publishing anything."""
        with self._engine.begin() as conn:
            conn.execute(
                sa.delete(idempotency_table).where(
                    *self._where(claim), idempotency_table.c.state == "pending"
                )
            )

    @staticmethod
    def _where(claim: Claim) -> tuple[sa.ColumnElement[bool], ...]:
        c = idempotency_table.c
        return (c.agency == claim.agency, c.dataset == claim.dataset, c.key == claim.key)
