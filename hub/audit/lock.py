"""One appender at a time, across threads and processes, so the chain never forks.

An append reads the head and writes the entry after it; two appenders that read the same head
would both write ``seq = head + 1``. So the write lock is taken *before* the head is read:

- PostgreSQL: ``pg_advisory_xact_lock`` on a constant key, released at commit or rollback.
- SQLite: ``BEGIN IMMEDIATE``, which takes the database's write lock at once. Python's sqlite3
  driver (in its default, legacy transaction mode) would otherwise begin a transaction only at
  the INSERT, after the head was read. The connection is put in driver-level autocommit
  (SQLAlchemy's ``AUTOCOMMIT`` isolation, restored when it returns to the pool) so that this
  module alone says BEGIN, COMMIT and ROLLBACK. Waiting for the lock is bounded by the driver's
  busy timeout (5 s by default).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

import sqlalchemy as sa

from hub.errors import UnreachableError

AUDIT_LOCK_KEY: Final = 0x6B686F5F61756474  # "kho_audt": the advisory lock of the audit log


@contextmanager
def appending(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection inside a transaction that holds the audit log's write lock; commits when
    the block ends, rolls back if it raises."""
    dialect = engine.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"the audit log runs on PostgreSQL or SQLite, not {dialect}")
    try:
        if dialect == "sqlite":
            with _sqlite_immediate(engine) as conn:
                yield conn
        else:
            with engine.begin() as conn:
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(AUDIT_LOCK_KEY)))
                yield conn
    except sa.exc.OperationalError as exc:
        where = engine.url.render_as_string(hide_password=True)
        raise UnreachableError("cơ sở dữ liệu", where, type(exc).__name__) from exc


@contextmanager
def _sqlite_immediate(engine: sa.Engine) -> Iterator[sa.Connection]:
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.exec_driver_sql("ROLLBACK")
            raise
        conn.exec_driver_sql("COMMIT")
