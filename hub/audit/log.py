"""The audit log: append-only, hash-chained, in the hub's database (PostgreSQL or SQLite).

Every write, every read of personal data, every grant change, approval and publication appends
one entry; each entry holds the hash of the one before (see ``chain``), so ``verify`` finds an
entry that was modified, deleted or moved, and names the first one.

What the table alone cannot show: entries cut from the *end* leave a shorter chain that is
still valid, and someone able to rewrite the table can recompute every hash after a change.
Both are caught by comparing with a head kept outside the database: every successful verify
prints ``SEQ:HASH``; ``verify(expected=...)`` reports a log shorter than that head, or one whose
entry at that ``seq`` has another hash.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

import anyio.to_thread
import sqlalchemy as sa

from hub.async_postgres import AsyncPostgres
from hub.audit.append import AsyncChainWriter, PendingEntry, pending_entry, write_chained
from hub.audit.entry import Actor, AuditEntry, AuditFilter
from hub.audit.group_commit import AsyncGroupCommit, GroupCommit
from hub.audit.lock import appending
from hub.audit.stored import stored_entries
from hub.audit.table import audit_subjects_table, audit_table
from hub.audit.verify import ChainHead, StoredEntry, UnreadableEntry, VerifyReport, walk

_PAGE = 1000
MAX_QUERY_LIMIT = 1000


class AuditLog:
    """The log in the hub's database. ``fast``, on PostgreSQL, lets ``append_async`` write on the
    event loop; appends arriving together commit together either way (``group_commit``)."""

    def __init__(self, engine: sa.Engine, fast: AsyncPostgres | None = None) -> None:
        self._engine = engine
        self._group: GroupCommit[PendingEntry, int] = GroupCommit(self._write_group)
        self._async_group: AsyncGroupCommit[PendingEntry, int] | None = (
            None if fast is None else AsyncGroupCommit(AsyncChainWriter(fast).write)
        )

    def append(
        self,
        action: str,
        *,
        actor: Actor,
        dataset: str | None = None,
        details: Mapping[str, Any] | None = None,
        subjects: Collection[str] = (),
    ) -> int:
        """Append one entry after the current head and return its ``seq`` once it committed.
        ``subjects`` are the citizens or organisations whose data it concerns: each finds it in
        their access log. Appends from concurrent threads commit together (``group_commit``)."""
        return self._group.submit(pending_entry(action, actor, dataset, details, subjects))

    async def append_async(
        self,
        action: str,
        *,
        actor: Actor,
        dataset: str | None = None,
        details: Mapping[str, Any] | None = None,
        subjects: Collection[str] = (),
    ) -> int:
        """``append`` for the HTTP API: on the event loop with ``fast``, else in a thread."""
        entry = pending_entry(action, actor, dataset, details, subjects)
        if self._async_group is None:
            return await anyio.to_thread.run_sync(self._group.submit, entry)
        return await self._async_group.submit(entry)

    def transaction(self) -> AbstractContextManager[sa.Connection]:
        """A transaction holding the log's write lock, for a change that must commit together
        with its entry: write with the connection, then ``append_in`` it."""
        return appending(self._engine)

    def append_in(
        self,
        conn: sa.Connection,
        action: str,
        *,
        actor: Actor,
        dataset: str | None = None,
        details: Mapping[str, Any] | None = None,
        subjects: Collection[str] = (),
    ) -> int:
        """``append`` inside a ``transaction()``; the entry commits or rolls back with it."""
        return write_chained(conn, [pending_entry(action, actor, dataset, details, subjects)])[0]

    def _write_group(self, group: Sequence[PendingEntry]) -> list[int]:
        with appending(self._engine) as conn:
            return write_chained(conn, group)

    def verify(self, expected: ChainHead | None = None) -> VerifyReport:
        """Recompute the chain from the first entry; with ``expected``, also check the log
        reaches that head unchanged."""
        return walk(self._stored(), self._successor_elsewhere, expected)

    def query(self, filters: AuditFilter, *, after: int = 0, limit: int = 100) -> list[AuditEntry]:
        """Entries with ``seq`` above ``after`` that match, oldest first, at most ``limit``."""
        if not 1 <= limit <= MAX_QUERY_LIMIT:
            raise ValueError(f"limit must be 1..{MAX_QUERY_LIMIT}, not {limit}")
        c = audit_table.c
        query = sa.select(audit_table).where(c.seq > after)
        if filters.dataset is not None:
            query = query.where(c.dataset == filters.dataset)
        if filters.agency is not None:
            query = query.where(c.actor_agency == filters.agency)
        if filters.action is not None:
            query = query.where(c.action == filters.action)
        if filters.actor is not None:
            query = query.where(c.actor == filters.actor)
        if filters.since is not None:
            query = query.where(c.at >= filters.since)
        if filters.until is not None:
            query = query.where(c.at < filters.until)
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(c.seq).limit(limit)).all()
        return [_entry(row) for row in rows]

    def for_subject(self, subject_id: str, *, after: int = 0, limit: int = 100) -> list[AuditEntry]:
        """Entries that concern one subject, with ``seq`` above ``after``, oldest first."""
        if not 1 <= limit <= MAX_QUERY_LIMIT:
            raise ValueError(f"limit must be 1..{MAX_QUERY_LIMIT}, not {limit}")
        c, s = audit_table.c, audit_subjects_table.c
        query = (
            sa.select(audit_table)
            .join(audit_subjects_table, s.seq == c.seq)
            .where(s.subject_id == subject_id, s.seq > after)
            .order_by(s.seq)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [_entry(row) for row in rows]

    def _stored(self) -> Iterator[StoredEntry | UnreadableEntry]:
        """Every entry in ``seq`` order, read a page at a time; a value no append could have
        written is named, not raised (``stored``)."""
        return stored_entries(self._engine, page=_PAGE)

    def _successor_elsewhere(self, prev_hash: str, position: int) -> int | None:
        c = audit_table.c
        query = (
            sa.select(c.seq)
            .where(c.prev_hash == prev_hash, c.seq != position)
            .order_by(c.seq)
            .limit(1)
        )
        with self._engine.connect() as conn:
            found = conn.execute(query).scalar()
        return None if found is None else int(found)


def _entry(row: sa.Row[Any]) -> AuditEntry:
    return AuditEntry(
        seq=int(row.seq),
        at=row.at,
        actor=Actor(row.actor, row.actor_agency),
        action=row.action,
        dataset=row.dataset,
        details=_details(row.details),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def _details(text: str) -> dict[str, Any]:
    """The stored details; text altered into something else is shown as it is (verify names
    the entry)."""
    try:
        value = json.loads(text)
    except ValueError:
        return {"unreadable": text}
    return value if isinstance(value, dict) else {"unreadable": text}
