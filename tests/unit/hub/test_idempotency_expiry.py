"""Idempotency keys expire after the retention: an expired key is a new request, and the
clean-up deletes expired keys in bounded batches while live answers and running claims stay.
The store's tests run on SQLite and, with the real services, on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
import sqlalchemy as sa

from hub.db import create_engine, create_tables
from hub.ingest.idempotency import (
    Claim,
    IdempotencyConflict,
    IdempotencyStore,
    StoredAnswer,
    idempotency_table,
)
from tests.conftest import service_port

POSTGRES_URL = f"postgresql://kho:kho@127.0.0.1:{service_port('PG', 15432)}/kho"
T0 = dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(hours=24)
STALE = dt.timedelta(minutes=5)
ANSWER = StoredAnswer(200, {"accepted_count": 3})


class Clock:
    """The store's clock, moved by the test (the store takes its clock as a parameter)."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'kho.sqlite3'}")
        create_tables(engine)
        yield engine
        engine.dispose()
        return
    schema = f"it_{uuid.uuid4().hex[:8]}"  # the test's own tables, dropped afterwards
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(POSTGRES_URL).execution_options(schema_translate_map={None: schema})
    idempotency_table.create(engine)
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(engine: sa.Engine, clock: Clock) -> IdempotencyStore:
    return IdempotencyStore(engine, stale_after=STALE, retention=DAY, clock=clock)


def _claim(key: str) -> Claim:
    return Claim("vp-ubnd", "tthc.dossiers", key)


def _answered(store: IdempotencyStore, key: str, body: str = "a" * 64) -> None:
    assert store.claim(_claim(key), body) is None
    store.finish(_claim(key), ANSWER)


def _keys(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.select(idempotency_table.c.key)).scalars())


def test_expired_keys_are_purged_and_live_ones_kept(
    store: IdempotencyStore, engine: sa.Engine, clock: Clock
) -> None:
    """Answers older than the retention and abandoned claims go; younger answers and a claim
    that may still be running stay."""
    _answered(store, "old-answer")
    store.claim(_claim("abandoned"), "b" * 64)  # its process crashed: never finished
    clock.now = T0 + dt.timedelta(hours=20)
    _answered(store, "young-answer")
    clock.now = T0 + DAY + dt.timedelta(minutes=1)
    store.claim(_claim("running"), "c" * 64)
    assert store.expiry.purge_expired() == 2
    assert _keys(engine) == {"young-answer", "running"}
    assert store.expiry.purge_expired() == 0


def test_a_claim_that_may_be_running_outlives_a_short_retention(
    engine: sa.Engine, clock: Clock
) -> None:
    """With a retention shorter than the stale time, a pending claim stays until it is stale."""
    store = IdempotencyStore(
        engine, stale_after=STALE, retention=dt.timedelta(minutes=1), clock=clock
    )
    store.claim(_claim("slow"), "d" * 64)
    clock.now = T0 + dt.timedelta(minutes=2)
    assert store.expiry.purge_expired() == 0
    with pytest.raises(IdempotencyConflict) as refused:
        store.claim(_claim("slow"), "d" * 64)
    assert refused.value.reason == "in_progress"
    clock.now = T0 + STALE
    assert store.expiry.purge_expired() == 1
    assert _keys(engine) == set()


def test_purge_deletes_in_bounded_batches_until_done(
    store: IdempotencyStore, engine: sa.Engine, clock: Clock
) -> None:
    """Seven expired keys purged two at a time are all deleted, and the count says seven."""
    for n in range(7):
        _answered(store, f"k-{n}")
    clock.now = T0 + DAY
    assert store.expiry.purge_expired(batch=2) == 7
    assert _keys(engine) == set()
    with pytest.raises(ValueError, match="batch"):
        store.expiry.purge_expired(batch=0)


def test_a_retry_after_expiry_is_a_new_request(store: IdempotencyStore, clock: Clock) -> None:
    """Before expiry a retry gets the stored answer and another body is refused; after it, the
    same key claims afresh, whatever the body, and then keeps the new answer."""
    _answered(store, "lo-1", body="a" * 64)
    clock.now = T0 + DAY - dt.timedelta(seconds=1)
    assert store.claim(_claim("lo-1"), "a" * 64) == ANSWER
    with pytest.raises(IdempotencyConflict):
        store.claim(_claim("lo-1"), "e" * 64)
    clock.now = T0 + DAY
    assert store.claim(_claim("lo-1"), "e" * 64) is None
    renewed = StoredAnswer(200, {"accepted_count": 5})
    store.finish(_claim("lo-1"), renewed)
    assert store.claim(_claim("lo-1"), "e" * 64) == renewed


def test_retention_must_be_positive(engine: sa.Engine) -> None:
    """A retention of zero is refused when the store is made, naming it."""
    with pytest.raises(ValueError, match="retention"):
        IdempotencyStore(engine, stale_after=STALE, retention=dt.timedelta(0))


def test_the_periodic_purge_deletes_expired_keys(engine: sa.Engine, clock: Clock) -> None:
    """The periodic purge, running in the background, deletes a key once it expired."""
    store = IdempotencyStore(
        engine, stale_after=STALE, retention=dt.timedelta(seconds=0.2), clock=clock
    )
    _answered(store, "short-lived")
    clock.now = T0 + dt.timedelta(seconds=1)

    async def run_briefly() -> None:
        with anyio.move_on_after(1.0):
            await store.expiry.purge_periodically()

    anyio.run(run_briefly)
    assert _keys(engine) == set()
