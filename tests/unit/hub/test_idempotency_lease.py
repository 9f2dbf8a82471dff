"""The lease of an Idempotency-Key claim: renewed while its request runs, taken over once it
lapsed, and an attempt that lost it sends nothing more; the end offsets a batch stores before
its first send are lower bounds kept without a broker round trip per batch."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.bus.embedded import EmbeddedBus
from hub.bus.port import OutgoingMessage
from hub.db import create_engine, create_tables
from hub.ingest.idempotency import (
    Claim,
    Holding,
    IdempotencyConflict,
    IdempotencyStore,
    idempotency_table,
)
from hub.ingest.topic_ends import TopicEnds

LEASE = dt.timedelta(seconds=0.3)
CLAIM = Claim("vp-ubnd", "tthc.dossiers", "lo-lease")


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    engine = create_engine(f"sqlite:///{tmp_path / 'kho.sqlite3'}")
    create_tables(engine)
    return engine


@pytest.fixture
def store(engine: sa.Engine) -> IdempotencyStore:
    return IdempotencyStore(engine, stale_after=LEASE, retention=dt.timedelta(hours=1))


def test_a_renewed_claim_is_not_taken_over_and_a_lapsed_one_is(store: IdempotencyStore) -> None:
    """While kept alive past three leases a retry is told to wait (with a Retry-After); once
    renewals stop it is taken over, with the batch tag and watermarks of the first attempt."""
    first = store.acquire(CLAIM, "a" * 64)
    assert isinstance(first, Holding) and not first.resumed
    store.record_watermark(first, "tthc.dossiers", {0: 7, 1: 3})
    with store.kept_alive(first):
        time.sleep(LEASE.total_seconds() * 3)
        with pytest.raises(IdempotencyConflict) as waiting:
            store.acquire(CLAIM, "a" * 64)
    assert waiting.value.reason == "in_progress"
    assert waiting.value.retry_after_s is not None and waiting.value.retry_after_s > 0
    time.sleep(LEASE.total_seconds() * 1.5)
    second = store.acquire(CLAIM, "a" * 64)
    assert isinstance(second, Holding) and second.resumed
    assert second.batch_tag == first.batch_tag and second.holder != first.holder
    assert second.watermarks == {"tthc.dossiers": {0: 7, 1: 3}}


def test_an_attempt_that_lost_its_claim_sends_nothing(store: IdempotencyStore) -> None:
    """The first holder's renewal and watermark fail after a takeover; its finish and release
    leave the new holder's claim alone."""
    first = store.acquire(CLAIM, "b" * 64)
    assert isinstance(first, Holding)
    time.sleep(LEASE.total_seconds() * 1.2)
    second = store.acquire(CLAIM, "b" * 64)
    assert isinstance(second, Holding)
    assert store.renew(first) is False and first.lost
    with pytest.raises(IdempotencyConflict):
        store.record_watermark(first, "tthc.dossiers", {0: 0})
    store.release(first)
    assert store.renew(second) is True


def test_a_failed_attempt_that_may_have_sent_is_taken_over_at_once(
    store: IdempotencyStore, engine: sa.Engine
) -> None:
    """Released after a watermark was stored, the claim stays (its messages may be on the
    topic) and the retry takes it over without waiting; released before, it is deleted."""
    sent = store.acquire(CLAIM, "c" * 64)
    assert isinstance(sent, Holding)
    store.record_watermark(sent, "tthc.dossiers", {0: 1})
    store.release(sent)
    retry = store.acquire(CLAIM, "c" * 64)
    assert isinstance(retry, Holding) and retry.resumed
    store.release(retry)  # carries the watermarks it took over: still kept
    unsent = store.acquire(Claim("vp-ubnd", "tthc.dossiers", "lo-unsent"), "d" * 64)
    assert isinstance(unsent, Holding)
    store.release(unsent)
    with engine.connect() as conn:
        keys = set(conn.execute(sa.select(idempotency_table.c.key)).scalars())
    assert keys == {"lo-lease"}


def test_a_table_made_before_the_lease_gets_its_columns(tmp_path: Path) -> None:
    """An ingest_idempotency table without the lease's columns is upgraded on first use."""
    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE ingest_idempotency (agency VARCHAR(64), dataset VARCHAR(200),"
                " key VARCHAR(200), request_sha256 VARCHAR(64) NOT NULL, state VARCHAR(16)"
                " NOT NULL, status_code INTEGER, answer TEXT, claimed_at DATETIME NOT NULL,"
                " PRIMARY KEY (agency, dataset, key))"
            )
        )
    store = IdempotencyStore(engine, stale_after=LEASE, retention=dt.timedelta(hours=1))
    assert isinstance(store.acquire(CLAIM, "e" * 64), Holding)
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("ingest_idempotency")}
    assert {"holder", "batch_tag", "heartbeat_at", "watermarks"} <= columns


def test_topic_ends_are_kept_and_moved_by_acknowledgements(tmp_path: Path) -> None:
    """Fetched once per max age, and moved past the process's own acknowledged messages, so a
    bound never lies above where a later message lands."""
    bus = EmbeddedBus(tmp_path / "bus.sqlite3")
    now = [0.0]
    ends = TopicEnds(bus, max_age_s=5, clock=lambda: now[0])
    bus.ensure_topic("t", 1)
    bus.publish("t", [OutgoingMessage(b"k", b"v")] * 3)
    assert ends.lower_bound("t") == {0: 3}
    bus.publish("t", [OutgoingMessage(b"k", b"v")] * 2)  # another writer: not seen yet
    assert ends.lower_bound("t") == {0: 3}
    ends.acknowledged(bus.publish("t", [OutgoingMessage(b"k", b"v")]))
    assert ends.lower_bound("t") == {0: 6}
    now[0] = 6.0
    bus.publish("t", [OutgoingMessage(b"k", b"v")])
    assert ends.lower_bound("t") == {0: 7}
    bus.close()
