"""Idempotency-Key expiry: an answer is kept for a retention period, then deleted, so that the
keys' table (``ingest_idempotency``) does not grow with every batch ever sent.

A key is kept for ``retention`` after it was claimed. After that it has expired: a request with
it is treated as new, whatever its body (``hub.ingest.idempotency``), and ``purge_expired``
deletes it, a bounded batch at a time; ``purge_periodically`` runs that in the API process, and
``kho ingest purge-keys`` once. A claim still pending is never purged while its lease runs: only
once it is both expired and stale.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import anyio
import sqlalchemy as sa

from hub.ingest.idempotency_table import idempotency_table

if TYPE_CHECKING:
    from hub.ingest.idempotency import Clock

PURGE_BATCH = 1000
"""Keys deleted per statement: each delete holds its locks only briefly."""
MAX_PURGE_INTERVAL = dt.timedelta(hours=1)

log = logging.getLogger(__name__)


def purge_interval_for(retention: dt.timedelta) -> dt.timedelta:
    """How often expired keys are purged: a quarter of the retention, at most hourly."""
    return min(retention / 4, MAX_PURGE_INTERVAL)


class KeyExpiry:
    """When a key has expired, and the purge that deletes expired keys. ``prepare`` runs before
    each purge (the store's upgrade of an old table, ``IdempotencyStore``)."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        stale_after: dt.timedelta,
        retention: dt.timedelta,
        clock: Clock,
        prepare: Callable[[], None],
    ) -> None:
        if retention <= dt.timedelta(0):
            raise ValueError(f"retention must be positive, not {retention}")
        self._engine = engine
        self._stale_after = stale_after
        self._retention = retention
        self._clock = clock
        self._prepare = prepare

    @property
    def purge_interval(self) -> dt.timedelta:
        """How often ``purge_periodically`` purges (``purge_interval_for``)."""
        return purge_interval_for(self._retention)

    def expired(
        self, state: str, claimed_at: dt.datetime, alive_at: dt.datetime, now: dt.datetime
    ) -> bool:
        """An answer kept past the retention; a pending claim only once its lease lapsed too."""
        if now - claimed_at < self._retention:
            return False
        return state != "pending" or now - alive_at >= self._stale_after

    def purge_expired(self, *, batch: int = PURGE_BATCH) -> int:
        """Delete expired keys, ``batch`` at a time, until none is left; how many were
        deleted. Answers still kept and claims that may be running stay."""
        if batch < 1:
            raise ValueError(f"batch must be at least 1, not {batch}")
        self._prepare()
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

    def _expired_clause(self, now: dt.datetime) -> sa.ColumnElement[bool]:
        """``expired`` as a condition on the table's rows."""
        c = idempotency_table.c
        alive_at = sa.func.coalesce(c.heartbeat_at, c.claimed_at)
        return sa.and_(
            c.claimed_at <= now - self._retention,
            sa.or_(c.state != "pending", alive_at <= now - self._stale_after),
        )
