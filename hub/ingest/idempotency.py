"""Idempotency keys for batch ingest: a retried request publishes nothing twice.

The first request with a key claims it (a row in state ``pending``); when it finishes, its
answer is stored with it. A retry with the same key and the same body gets the stored answer
back; with a different body, or while the first is still running, it is refused. A claim whose
request failed before publishing is released so that the retry can run. A claim left pending
by a crashed process is taken over after ``stale_after``.

A key is kept for ``retention`` after it was claimed. After that it has expired: a request
with it is treated as new (whatever its body), and ``purge_expired`` deletes it, a bounded
batch at a time; ``purge_periodically`` runs that in the API process. A claim still pending is
never purged while it may be running: only once it is both expired and stale.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
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
    sa.Column("claimed_at", UtcDateTime, nullable=False, index=True),
)

MAX_KEY_LENGTH = 200
PURGE_BATCH = 1000
"""Keys deleted per statement: each delete holds its locks only briefly."""
MAX_PURGE_INTERVAL = dt.timedelta(hours=1)

log = logging.getLogger(__name__)
Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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


def _in_progress(claim: Claim) -> IdempotencyConflict:
    return IdempotencyConflict(
        "in_progress",
        f"Yêu cầu với Idempotency-Key {claim.key!r} đang được xử lý; thử lại sau",
    )


class IdempotencyStore:
    def __init__(
        self,
        engine: sa.Engine,
        *,
        stale_after: dt.timedelta,
        retention: dt.timedelta,
        clock: Clock = utc_now,
    ) -> None:
        if retention <= dt.timedelta(0):
            raise ValueError(f"retention must be positive, not {retention}")
        self._engine = engine
        self._stale_after = stale_after
        self._retention = retention
        self._clock = clock

    @property
    def purge_interval(self) -> dt.timedelta:
        """How often ``purge_periodically`` purges: a quarter of the retention, at most hourly."""
        return min(self._retention / 4, MAX_PURGE_INTERVAL)

    def claim(self, claim: Claim, request_sha256: str) -> StoredAnswer | None:
        """Claim the key for this request; the stored answer if it already ran (and has not
        expired)."""
        now = self._clock()
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
            if self._expired(row.state, row.claimed_at, now):
                self._claim_again(conn, claim, row.claimed_at, request_sha256, now)
                return None
            if row.request_sha256 != request_sha256:
                raise IdempotencyConflict(
                    "key_reused",
                    f"Idempotency-Key {claim.key!r} đã dùng cho một yêu cầu có nội dung khác",
                )
            if row.state == "done":
                return StoredAnswer(int(row.status_code), json.loads(row.answer))
            if now - row.claimed_at < self._stale_after:
                raise _in_progress(claim)
            taken = conn.execute(
                sa.update(idempotency_table)
                .where(*self._where(claim), idempotency_table.c.claimed_at == row.claimed_at)
                .values(claimed_at=now)
            ).rowcount
        if not taken:
            raise _in_progress(claim)
        return None

    def purge_expired(self, *, batch: int = PURGE_BATCH) -> int:
        """Delete expired keys, ``batch`` at a time, until none is left; how many were
        deleted. Answers still kept and claims that may be running stay."""
        if batch < 1:
            raise ValueError(f"batch must be at least 1, not {batch}")
        c = idempotency_table.c
        deleted = 0
        while True:
            expired = self._expired_clause(self._clock())
            oldest = sa.select(c.agency, c.dataset, c.key).where(expired).limit(batch)
            with self._engine.begin() as conn:
                count = conn.execute(
                    sa.delete(idempotency_table).where(
                        sa.tuple_(c.agency, c.dataset, c.key).in_(oldest), expired
                    )
                ).rowcount
            deleted += count
            if count < batch:
                return deleted

    async def purge_periodically(self) -> None:
        """Purge every ``purge_interval``, in a worker thread, until cancelled; a failed purge
        is logged and tried again at the next interval."""
        while True:
            await anyio.sleep(self.purge_interval.total_seconds())
            try:
                deleted = await anyio.to_thread.run_sync(self.purge_expired)
            except sa.exc.SQLAlchemyError:
                log.exception("purging expired idempotency keys failed; retrying later")
                continue
            if deleted:
                log.info("purged %d expired idempotency keys", deleted)

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

    def _expired(self, state: str, claimed_at: dt.datetime, now: dt.datetime) -> bool:
        """An answer kept past the retention; a pending claim only once it is stale as well."""
        age = now - claimed_at
        if state == "pending":
            return age >= max(self._retention, self._stale_after)
        return age >= self._retention

    def _expired_clause(self, now: dt.datetime) -> sa.ColumnElement[bool]:
        c = idempotency_table.c
        return sa.or_(
            sa.and_(c.state != "pending", c.claimed_at <= now - self._retention),
            sa.and_(
                c.state == "pending",
                c.claimed_at <= now - max(self._retention, self._stale_after),
            ),
        )

    def _claim_again(
        self,
        conn: sa.Connection,
        claim: Claim,
        claimed_at: dt.datetime,
        request_sha256: str,
        now: dt.datetime,
    ) -> None:
        """An expired key claimed afresh, as if new; refused if another request renewed it
        first."""
        renewed = conn.execute(
            sa.update(idempotency_table)
            .where(*self._where(claim), idempotency_table.c.claimed_at == claimed_at)
            .values(
                request_sha256=request_sha256,
                state="pending",
                status_code=None,
                answer=None,
                claimed_at=now,
            )
        ).rowcount
        if not renewed:
            raise _in_progress(claim)

    @staticmethod
    def _where(claim: Claim) -> tuple[sa.ColumnElement[bool], ...]:
        c = idempotency_table.c
        return (c.agency == claim.agency, c.dataset == claim.dataset, c.key == claim.key)
