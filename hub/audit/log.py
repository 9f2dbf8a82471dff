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

import datetime as dt
import json
from collections.abc import Collection, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any

import sqlalchemy as sa

from hub.audit.actions import is_action_name
from hub.audit.chain import GENESIS_HASH, Content, canonical_details
from hub.audit.entry import Actor, AuditEntry, AuditFilter
from hub.audit.lock import appending
from hub.audit.table import audit_subjects_table, audit_table
from hub.audit.verify import ChainHead, StoredEntry, VerifyReport, walk

_PAGE = 1000
MAX_QUERY_LIMIT = 1000


class AuditLog:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def append(
        self,
        action: str,
        *,
        actor: Actor,
        dataset: str | None = None,
        details: Mapping[str, Any] | None = None,
        subjects: Collection[str] = (),
    ) -> int:
        """Append one entry after the current head and return its ``seq``. ``subjects`` are the
        citizens or organisations whose data it concerns: each finds it in their access log."""
        with appending(self._engine) as conn:
            return self.append_in(
                conn, action, actor=actor, dataset=dataset, details=details, subjects=subjects
            )

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
        if not is_action_name(action):
            raise ValueError(f"audit action {action!r} is not a dotted name like records.write")
        if not actor.principal:
            raise ValueError("an audit entry needs an actor principal")
        details_text = canonical_details(details)
        c = audit_table.c
        head = conn.execute(sa.select(c.seq, c.hash).order_by(c.seq.desc()).limit(1)).first()
        seq, prev_hash = (int(head.seq) + 1, str(head.hash)) if head else (1, GENESIS_HASH)
        content = Content(
            seq=seq,
            at=dt.datetime.now(dt.UTC),
            actor=actor.principal,
            actor_agency=actor.agency,
            action=action,
            dataset=dataset,
            details=details_text,
        )
        conn.execute(
            sa.insert(audit_table).values(
                seq=seq,
                at=content.at,
                actor_agency=actor.agency,
                actor=actor.principal,
                action=action,
                dataset=dataset,
                details=details_text,
                prev_hash=prev_hash,
                hash=content.digest(prev_hash),
            )
        )
        if subjects:
            conn.execute(
                sa.insert(audit_subjects_table),
                [{"subject_id": subject, "seq": seq} for subject in sorted(set(subjects))],
            )
        return seq

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

    def _stored(self) -> Iterator[StoredEntry]:
        """Every entry in ``seq`` order, read a page at a time."""
        c = audit_table.c
        after: int | None = None
        while True:
            query = sa.select(audit_table).order_by(c.seq).limit(_PAGE)
            if after is not None:
                query = query.where(c.seq > after)
            with self._engine.connect() as conn:
                rows = conn.execute(query).all()
            for row in rows:
                yield StoredEntry(_content(row), str(row.prev_hash), str(row.hash))
            if len(rows) < _PAGE:
                return
            after = int(rows[-1].seq)

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


def _content(row: sa.Row[Any]) -> Content:
    return Content(
        seq=int(row.seq),
        at=row.at,
        actor=row.actor,
        actor_agency=row.actor_agency,
        action=row.action,
        dataset=row.dataset,
        details=row.details,
    )


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
