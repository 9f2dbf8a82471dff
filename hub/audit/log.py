"""The audit log: append-only, hash-chained, in the hub's database (PostgreSQL or SQLite).

Every write, every read of personal data, every grant change, approval and publication appends
one entry; each entry holds the hash of the one before (see ``chain``), so ``verify`` finds an
entry that was modified, deleted or moved, and names the first one.

What the table alone cannot show: entries cut from the *end* leave a shorter chain that is
still valid, and someone able to rewrite the table can recompute every hash after a change.
Both are caught by comparing with heads kept outside the database: the signed anchors the log
publishes after appends (``anchoring``, when given) and, by hand, the ``SEQ:HASH`` every
successful verify prints. ``verify`` reports a log shorter than such a head, or one whose entry
at that ``seq`` has another hash.

``query`` and ``for_subject`` read the stored values as ``verify`` does (``stored``): an entry
tampered into something no append writes is listed, flagged ``unreadable``, instead of failing
the list.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import anyio.to_thread
import sqlalchemy as sa

from hub.async_postgres import AsyncPostgres
from hub.audit.append import AsyncChainWriter, PendingEntry, pending_entry, write_chained
from hub.audit.entry import Actor, AuditEntry, AuditFilter
from hub.audit.group_commit import AsyncGroupCommit, GroupCommit
from hub.audit.lock import appending
from hub.audit.stored import listed, raw_columns, stored_entries
from hub.audit.table import audit_subjects_table, audit_table
from hub.audit.verify import ChainHead, StoredEntry, UnreadableEntry, VerifyReport, walk
from hub.errors import KhoError

if TYPE_CHECKING:
    from hub.audit.anchoring import Anchoring

_PAGE = 1000
_HEAD = sa.select(audit_table.c.seq, audit_table.c.hash).order_by(audit_table.c.seq.desc()).limit(1)
_LOG = logging.getLogger(__name__)
MAX_QUERY_LIMIT = 1000


class AuditLog:
    """The log in the hub's database. ``fast``, on PostgreSQL, lets ``append_async`` write on the
    event loop; appends arriving together commit together either way (``group_commit``).
    ``anchoring`` signs the head after appends and gives ``verify`` the signed heads."""

    def __init__(
        self,
        engine: sa.Engine,
        fast: AsyncPostgres | None = None,
        anchoring: Anchoring | None = None,
    ) -> None:
        self._engine = engine
        self.anchoring = anchoring
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
        seq = self._group.submit(pending_entry(action, actor, dataset, details, subjects))
        if self._anchor_due():
            self._anchor_quietly()
        return seq

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
            seq = await anyio.to_thread.run_sync(self._group.submit, entry)
        else:
            seq = await self._async_group.submit(entry)
        if self._anchor_due():
            await anyio.to_thread.run_sync(self._anchor_quietly)
        return seq

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
        """``append`` inside a ``transaction()``; the entry commits or rolls back with it (it is
        anchored with the next append or ``anchor``, after it committed)."""
        return write_chained(conn, [pending_entry(action, actor, dataset, details, subjects)])[0]

    def _anchor_due(self) -> bool:
        """Count one append; whether the head is due to be anchored now."""
        return self.anchoring is not None and self.anchoring.note_appended(1)

    def _anchor_quietly(self) -> None:
        """Anchor the head; an anchor that cannot be published never fails the append, which
        has committed (a later append tries again)."""
        try:
            self.anchor()
        except (KhoError, OSError, ValueError, sa.exc.SQLAlchemyError):
            _LOG.warning("audit anchor not published; the next append tries again", exc_info=True)

    def anchor(self, head: ChainHead | None = None) -> ChainHead | None:
        """Sign ``head`` (default: the log's current head) into the anchors' store; None for
        an empty log."""
        if self.anchoring is None:
            raise RuntimeError("this audit log has no anchoring")
        if head is None:
            with self._engine.connect() as conn:
                row = conn.execute(_HEAD).first()
            if row is None:
                return None
            head = ChainHead(int(row.seq), str(row.hash))
        self.anchoring.publish(head)
        return head

    def _write_group(self, group: Sequence[PendingEntry]) -> list[int]:
        with appending(self._engine) as conn:
            return write_chained(conn, group)

    def verify(self, expected: ChainHead | None = None) -> VerifyReport:
        """Recompute the chain from the first entry, and check the log reaches every signed
        anchor (and ``expected``, when given) unchanged."""
        if self.anchoring is None:
            return walk(self._stored(), self._successor_elsewhere, expected)
        reading = self.anchoring.read()
        report = walk(
            self._stored(), self._successor_elsewhere, expected, reading.heads, self._position_of
        )
        store = self.anchoring.store.description
        forged = tuple(
            f"Mốc ở {found.where} của {store} không hợp lệ ({found.problem}): không dùng"
            for found in reading.forged
        )
        latest = reading.latest
        return dataclasses.replace(report, anchored=latest.head if latest else None, forged=forged)

    def query(self, filters: AuditFilter, *, after: int = 0, limit: int = 100) -> list[AuditEntry]:
        """Entries with ``seq`` above ``after`` that match, oldest first, at most ``limit``."""
        if not 1 <= limit <= MAX_QUERY_LIMIT:
            raise ValueError(f"limit must be 1..{MAX_QUERY_LIMIT}, not {limit}")
        c = audit_table.c
        query = sa.select(*raw_columns()).where(c.seq > after)
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
        return [listed(row._mapping, self._engine.dialect) for row in rows]

    def for_subject(self, subject_id: str, *, after: int = 0, limit: int = 100) -> list[AuditEntry]:
        """Entries that concern one subject, with ``seq`` above ``after``, oldest first."""
        if not 1 <= limit <= MAX_QUERY_LIMIT:
            raise ValueError(f"limit must be 1..{MAX_QUERY_LIMIT}, not {limit}")
        c, s = audit_table.c, audit_subjects_table.c
        query = (
            sa.select(*raw_columns())
            .join(audit_subjects_table, s.seq == c.seq)
            .where(s.subject_id == subject_id, s.seq > after)
            .order_by(s.seq)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [listed(row._mapping, self._engine.dialect) for row in rows]

    def _stored(self) -> Iterator[StoredEntry | UnreadableEntry]:
        """Every entry in ``seq`` order, read a page at a time; a value no append could have
        written is named, not raised (``stored``)."""
        return stored_entries(self._engine, page=_PAGE)

    def _position_of(self, digest: str) -> int | None:
        c = audit_table.c
        query = sa.select(c.seq).where(c.hash == digest).order_by(c.seq).limit(1)
        with self._engine.connect() as conn:
            found = conn.execute(query).scalar()
        return found if isinstance(found, int) else None

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
