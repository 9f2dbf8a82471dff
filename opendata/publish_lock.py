"""One publisher at a time per hub: a second ``kho publish`` (or ``--watch`` cycle) waits until
the running one has finished, then finds its work done (``opendata.publish_inputs``).

- PostgreSQL: a session advisory lock on a constant key, on a connection held for the run; it
  is released when the run ends or its process dies (the server closes the session).
- Any other database (SQLite, the embedded configuration): an exclusive file lock
  (``filelock``) on ``publish.lock`` in the hub's data folder, released by the kernel when
  the process dies.

``on_wait`` is called once, before waiting, so that a person at a terminal knows why nothing
happens.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Final

import filelock
import sqlalchemy as sa

PUBLISH_LOCK_KEY: Final = 0x6B686F5F7075626C  # "kho_publ": the advisory lock of the publisher


def publish_lock(
    engine: sa.Engine, data_dir: Path, on_wait: Callable[[], None] = lambda: None
) -> Callable[[], AbstractContextManager[object]]:
    """The lock for this hub's database: a factory of context managers, one per run."""
    if engine.dialect.name == "postgresql":
        return lambda: _advisory(engine, on_wait)
    return lambda: _file(data_dir / "publish.lock", on_wait)


@contextmanager
def _advisory(engine: sa.Engine, on_wait: Callable[[], None]) -> Iterator[object]:
    with engine.connect() as conn:
        taken = conn.execute(sa.select(sa.func.pg_try_advisory_lock(PUBLISH_LOCK_KEY))).scalar()
        conn.commit()
        if not taken:
            on_wait()
            conn.execute(sa.select(sa.func.pg_advisory_lock(PUBLISH_LOCK_KEY)))
            conn.commit()
        try:
            yield conn
        finally:
            conn.execute(sa.select(sa.func.pg_advisory_unlock(PUBLISH_LOCK_KEY)))
            conn.commit()


@contextmanager
def _file(path: Path, on_wait: Callable[[], None]) -> Iterator[object]:
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(path)
    try:
        lock.acquire(blocking=False)
    except filelock.Timeout:
        on_wait()
        lock.acquire()
    try:
        yield lock
    finally:
        lock.release()
