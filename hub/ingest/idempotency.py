"""Idempotency keys for batch ingest: a retried request publishes nothing twice, loses nothing,
and a hub killed mid-request holds its client back for seconds, not minutes.

The first request with a key claims it: a row in state ``pending`` that names its holder (the
attempt running it) and a *batch tag* kept by every later attempt at the same batch. When it
finishes, its answer is stored with it. A retry with the same key and the same body gets the
stored answer back; with a different body it is refused; while the first is still running it
is refused with ``in_progress`` (the API answers 409 with Retry-After).

**The lease.** A running request renews its claim's heartbeat every third of ``stale_after``
(``kept_alive``, a thread beside the request: ``hub.ingest.lease_renewal``). A claim whose
heartbeat is older than ``stale_after`` belongs to a dead process (``kill -9``, a lost machine)
and the next retry takes it over, within seconds of the death: ``stale_after`` is a lease, 15 s
by default.

**The window between publishing and storing the answer.** A batch is on the topic before its
answer is stored; a process killed in between leaves a claim whose records may be on the
topic, all or some of them (a batch spans partitions, and each partition is acknowledged on its
own). The takeover must learn which, without trusting the dead process to have said so:

1. Before the first message of a batch goes to a topic, the holder stores offsets at or below
   the topic's end in the claim (``record_watermark``; ``hub.ingest.topic_ends`` keeps them
   without a broker round trip per batch): everything the batch writes there lands after them.
2. Every message carries the header ``kho-batch: <batch tag>:<ordinal>`` (the ordinal is the
   message's place among the batch's messages for that topic; ``hub.ingest.batch_delivery``).
3. A takeover (``Holding.resumed``) runs the same batch again. Where a topic has watermarks,
   it first reads the topic from them (the bus's committed reads) and keeps the positions of
   the messages tagged with its batch; it publishes only the ordinals not found, and answers
   with the positions of both: the answer the first attempt would have given, and each record
   once on the topic. It stops reading a partition at its end or at the first record created
   more than ``SCAN_SLACK`` after the dead holder's lease ran out (``Holding.dead_by``), since
   nothing the dead process sent can follow that.

A request that fails after a watermark was stored (the broker went away mid-batch) does not
delete its claim: some of its messages may be on the topic. It leaves the claim with its
heartbeat lapsed (``release``), so the retry takes it over at once and completes the batch.
A request that failed before sending anything deletes the claim, as a key never used.

What this relies on: a holder whose lease lapsed has no send still travelling. That is so when
the process is dead. A live process stalled for longer than the lease (a debugger, a frozen
VM) notices the lost claim before it sends (``Holding.lost``), but a send already in the
producer's buffer when it froze could still land after the takeover read the topic.

A key is kept for ``retention`` after it was claimed. After that it has expired: a request
with it is treated as new (whatever its body), and the purge deletes it (``store.expiry``,
``hub.ingest.key_expiry``).

Tables made before the lease existed get its columns on first use (``_upgrade``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from hub.errors import KhoError
from hub.ingest.idempotency_table import add_missing_lease_columns, idempotency_table
from hub.ingest.key_expiry import KeyExpiry
from hub.ingest.lease_renewal import kept_alive

MAX_KEY_LENGTH = 200
SCAN_SLACK = dt.timedelta(seconds=30)
"""How far past a dead holder's lease a takeover still reads for its messages: clocks of the
hub's machines may differ by that much, and a record's time is set by its producer."""

log = logging.getLogger(__name__)
__all__ = ["IdempotencyStore", "StoredAnswer", "Claim", "Holding", "idempotency_table"]
Clock = Callable[[], dt.datetime]
Watermarks = dict[str, dict[int, int]]
"""Per topic, per partition: the end offset before the batch sent anything there."""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class IdempotencyConflict(KhoError):
    """The key is in use by a different request, or by one still running."""

    def __init__(self, reason: str, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.retry_after_s = retry_after_s


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    status_code: int
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Claim:
    agency: str
    dataset: str
    key: str


@dataclass(slots=True)
class Holding:
    """A claim this attempt holds: who it is, the batch's tag, and the watermarks stored so
    far (by this attempt or a dead one before it)."""

    claim: Claim
    holder: str
    batch_tag: str
    watermarks: Watermarks = field(default_factory=dict)
    dead_by: dt.datetime | None = None
    """For a takeover: when the previous holder's lease ran out (it was dead by then)."""
    lost: bool = False
    """Set when a renewal found another attempt holding the claim: send nothing more."""

    @property
    def resumed(self) -> bool:
        return self.dead_by is not None


def _in_progress(claim: Claim, retry_after_s: float | None = None) -> IdempotencyConflict:
    return IdempotencyConflict(
        "in_progress",
        f"Yêu cầu với Idempotency-Key {claim.key!r} đang được xử lý; thử lại sau",
        retry_after_s=retry_after_s,
    )


def claim_lost(claim: Claim) -> IdempotencyConflict:
    """This attempt's lease lapsed and another attempt took the batch over."""
    return _in_progress(claim)


def _new_id() -> str:
    return uuid.uuid4().hex


class IdempotencyStore:
    def __init__(
        self,
        engine: sa.Engine,
        *,
        stale_after: dt.timedelta,
        retention: dt.timedelta,
        clock: Clock = utc_now,
    ) -> None:
        self._engine = engine
        self._stale_after = stale_after
        self._clock = clock
        self._upgraded = False
        self._upgrade_lock = threading.Lock()
        self.expiry = KeyExpiry(
            engine, stale_after=stale_after, retention=retention, clock=clock, prepare=self._upgrade
        )
        """When a key has expired, and the purge of expired keys."""

    @property
    def renew_interval(self) -> dt.timedelta:
        """How often a running request renews its lease: three times per ``stale_after``."""
        return self._stale_after / 3

    def claim(self, claim: Claim, request_sha256: str) -> StoredAnswer | None:
        """Claim the key for this request; the stored answer if it already ran (and has not
        expired). ``acquire`` says more: which attempt holds it, and what a dead one left."""
        acquired = self.acquire(claim, request_sha256)
        return acquired if isinstance(acquired, StoredAnswer) else None

    def acquire(self, claim: Claim, request_sha256: str) -> Holding | StoredAnswer:
        """Hold the key for this request: a new claim, an expired one claimed afresh, or a
        dead attempt's claim taken over (``Holding.resumed``); or the stored answer."""
        self._upgrade()
        now = self._clock()
        holding = Holding(claim, holder=_new_id(), batch_tag=_new_id())
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
                        holder=holding.holder,
                        batch_tag=holding.batch_tag,
                        heartbeat_at=now,
                    )
                )
            return holding
        except sa.exc.IntegrityError:
            pass
        with self._engine.begin() as conn:
            row = conn.execute(sa.select(idempotency_table).where(*self._where(claim))).first()
            if row is None:  # released in between: try once more
                return self.acquire(claim, request_sha256)
            if self.expiry.expired(row.state, row.claimed_at, _alive_at(row), now):
                self._claim_again(conn, row, holding, request_sha256, now)
                return holding
            if row.request_sha256 != request_sha256:
                raise IdempotencyConflict(
                    "key_reused",
                    f"Idempotency-Key {claim.key!r} đã dùng cho một yêu cầu có nội dung khác",
                )
            if row.state == "done":
                return StoredAnswer(int(row.status_code), json.loads(row.answer))
            lease_ends = _alive_at(row) + self._stale_after
            if now < lease_ends:
                raise _in_progress(claim, (lease_ends - now).total_seconds())
            return self._take_over(conn, row, holding, now, lease_ends)

    def renew(self, holding: Holding) -> bool:
        """Extend the lease; False (and ``holding.lost``) if another attempt holds it now."""
        with self._engine.begin() as conn:
            renewed = conn.execute(
                sa.update(idempotency_table)
                .where(*self._held(holding), idempotency_table.c.state == "pending")
                .values(heartbeat_at=self._clock())
            ).rowcount
        if not renewed:
            holding.lost = True
        return bool(renewed)

    def kept_alive(self, holding: Holding) -> AbstractContextManager[None]:
        """Renew the lease every ``renew_interval`` in a thread while the block runs
        (``hub.ingest.lease_renewal``)."""
        return kept_alive(self, holding)

    def record_watermark(self, holding: Holding, topic: str, ends: dict[int, int]) -> None:
        """Store a topic's end offsets in the claim before the batch's first send there;
        refused (``in_progress``) if this attempt no longer holds the claim."""
        if holding.lost:
            raise claim_lost(holding.claim)
        marks = {**holding.watermarks, topic: dict(ends)}
        with self._engine.begin() as conn:
            stored = conn.execute(
                sa.update(idempotency_table)
                .where(*self._held(holding), idempotency_table.c.state == "pending")
                .values(watermarks=json.dumps(marks), heartbeat_at=self._clock())
            ).rowcount
        if not stored:
            holding.lost = True
            raise claim_lost(holding.claim)
        holding.watermarks = marks

    def finish(self, claim: Claim | Holding, answer: StoredAnswer) -> None:
        """Store the answer. Given a ``Holding``, only while this attempt still holds it."""
        self._upgrade()
        condition = self._held(claim) if isinstance(claim, Holding) else self._where(claim)
        with self._engine.begin() as conn:
            conn.execute(
                sa.update(idempotency_table)
                .where(*condition)
                .values(
                    state="done",
                    status_code=answer.status_code,
                    answer=json.dumps(answer.body, ensure_ascii=False),
                )
            )

    def release(self, claim: Claim | Holding) -> None:
        """Give the key up after a request failed. If it sent nothing (no watermark stored),
        the claim is deleted; if it may have sent part of its batch, its lease is ended instead,
        so that the retry takes it over at once and completes the batch."""
        self._upgrade()
        c = idempotency_table.c
        with self._engine.begin() as conn:
            if not isinstance(claim, Holding):
                conn.execute(
                    sa.delete(idempotency_table).where(*self._where(claim), c.state == "pending")
                )
            elif claim.watermarks:
                lapsed = self._clock() - self._stale_after
                conn.execute(
                    sa.update(idempotency_table)
                    .where(*self._held(claim), c.state == "pending")
                    .values(heartbeat_at=lapsed)
                )
            else:
                conn.execute(
                    sa.delete(idempotency_table).where(*self._held(claim), c.state == "pending")
                )

    def _take_over(
        self,
        conn: sa.Connection,
        row: sa.Row[Any],
        holding: Holding,
        now: dt.datetime,
        lease_ended: dt.datetime,
    ) -> Holding:
        """A dead attempt's claim, held now by this one, with its batch tag and watermarks."""
        c = idempotency_table.c
        tag = row.batch_tag or holding.batch_tag  # a pre-lease row: its messages are untagged
        taken = conn.execute(
            sa.update(idempotency_table)
            .where(
                *self._where(holding.claim),
                c.holder.is_not_distinct_from(row.holder),
                c.heartbeat_at.is_not_distinct_from(row.heartbeat_at),
                c.claimed_at == row.claimed_at,
            )
            .values(holder=holding.holder, batch_tag=tag, heartbeat_at=now, claimed_at=now)
        ).rowcount
        if not taken:
            raise _in_progress(holding.claim)
        holding.batch_tag = tag
        holding.watermarks = _watermarks(row.watermarks)
        holding.dead_by = lease_ended
        log.info(
            "took over idempotency claim %r (lease ended %s; watermarks for %s)",
            holding.claim.key,
            lease_ended.isoformat(),
            sorted(holding.watermarks) or "no topic",
        )
        return holding

    def _claim_again(
        self,
        conn: sa.Connection,
        row: sa.Row[Any],
        holding: Holding,
        request_sha256: str,
        now: dt.datetime,
    ) -> None:
        """An expired key claimed afresh, as if new; refused if another request renewed it
        first."""
        renewed = conn.execute(
            sa.update(idempotency_table)
            .where(
                *self._where(holding.claim),
                idempotency_table.c.claimed_at == row.claimed_at,
                idempotency_table.c.holder.is_not_distinct_from(row.holder),
            )
            .values(
                request_sha256=request_sha256,
                state="pending",
                status_code=None,
                answer=None,
                claimed_at=now,
                holder=holding.holder,
                batch_tag=holding.batch_tag,
                heartbeat_at=now,
                watermarks=None,
            )
        ).rowcount
        if not renewed:
            raise _in_progress(holding.claim)

    def _upgrade(self) -> None:
        """Add the lease's columns to a table made before they existed (once per store)."""
        if self._upgraded:
            return
        with self._upgrade_lock:
            if not self._upgraded:
                add_missing_lease_columns(self._engine)
                self._upgraded = True

    @staticmethod
    def _where(claim: Claim) -> tuple[sa.ColumnElement[bool], ...]:
        c = idempotency_table.c
        return (c.agency == claim.agency, c.dataset == claim.dataset, c.key == claim.key)

    @classmethod
    def _held(cls, holding: Holding) -> tuple[sa.ColumnElement[bool], ...]:
        return (*cls._where(holding.claim), idempotency_table.c.holder == holding.holder)


def _alive_at(row: sa.Row[Any]) -> dt.datetime:
    """When the claim's holder was last known to run: its heartbeat, or when it claimed."""
    heartbeat: dt.datetime | None = row.heartbeat_at
    claimed: dt.datetime = row.claimed_at
    return heartbeat or claimed


def _watermarks(stored: str | None) -> Watermarks:
    if not stored:
        return {}
    raw: dict[str, dict[str, int]] = json.loads(stored)
    return {topic: {int(p): int(o) for p, o in ends.items()} for topic, ends in raw.items()}
