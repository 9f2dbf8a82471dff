"""The index's tables in the hub's database: each dossier's and each feedback's latest state, the
running tallies the dossier-level indicators are read from, and the worker's consumed offsets,
all written together in one transaction.

Design: the index keeps **latest states and the tallies they sum to**. A later record of a
dossier replaces the row its earlier one wrote, and the tallies change by the difference
(``hub.index766.tallies.delta``) in the same transaction: a dossier that moved to another unit
or period leaves the old cells and enters the new ones. A unit's figures are read from its
cells (a few hundred rows, whatever the number of dossiers); the open period is corrected at
query time with its few unsettled dossiers (``unsettled``), and the feedback indicators are
counted from the feedback's states of the unit and period.

A dossier belongs to the period in which it was received, in Vietnam time: a period is a range
``[start, end)`` of ``received_at`` (``Period.start``/``end`` are Vietnam-time boundaries).

``result_in_store`` mirrors the provide-once store's evidence table (``hs:<dossier_id>``, same
database). The evidence feed is another consumer group that may store a dossier's evidence
before or after this worker sees the dossier: the flag is set when the state is written, and
``refresh_in_store`` (run by the worker between batches) flips it, with the tallies, for the
evidence created since its last look.

The consumed offsets are keyed by (group, topic, partition). They are the truth of where the
worker is: it skips what they cover and reads what the group's committed offsets jumped over
(``hub.index766.worker``). On PostgreSQL a batch locks its partitions' offset rows and the
dossier rows it changes, so two members of the group never apply a record twice nor count a
dossier from a stale state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

import sqlalchemy as sa

from hub.index766.bulk_writes import among, in_table_order, insert, upsert
from hub.index766.states import DossierState, FeedbackState
from hub.index766.store_reads import IndexStoreReads
from hub.index766.tables import (
    FEEDBACK_GENERATION,
    dossier_of,
    dossier_row,
    feedback_row,
    index_dossiers_table,
    index_feedback_table,
    index_generations_table,
    index_offsets_table,
    index_tallies_table,
)
from hub.index766.tallies import FIELDS, CellKey, Tally, delta, summed
from hub.provide_once.dossier_evidence import EVIDENCE_ID_PREFIX
from hub.provide_once.tables import evidence_table

EVIDENCE_LOOKBACK = dt.timedelta(minutes=5)
"""How far behind the newest evidence ``refresh_in_store`` looks again next time."""

PartitionKey = tuple[str, int]
"""(topic, partition)."""


class IndexStore(IndexStoreReads):
    """Reads and writes the index's tables. Writes take the caller's connection, so the
    worker puts states and offsets in one transaction; the reads are
    ``hub.index766.store_reads``."""

    # -- writing (inside the caller's transaction) --------------------------------------

    def offsets(
        self,
        conn: sa.Connection,
        group: str,
        keys: Iterable[PartitionKey] | None = None,
        *,
        lock: bool = False,
    ) -> dict[PartitionKey, int]:
        """The group's saved next offsets (all, or those of ``keys``); ``lock`` holds their
        rows until the transaction ends (PostgreSQL; SQLite serialises writers anyway)."""
        t = index_offsets_table
        query = sa.select(t.c.topic, t.c.partition, t.c.next_offset).where(t.c.group_id == group)
        if keys is not None:
            wanted = list(keys)
            if not wanted:
                return {}
            query = query.where(sa.tuple_(t.c.topic, t.c.partition).in_([tuple(k) for k in wanted]))
        if lock:
            query = query.with_for_update()
        rows = conn.execute(query)
        return {(row.topic, int(row.partition)): int(row.next_offset) for row in rows}

    def save_offsets(
        self, conn: sa.Connection, group: str, offsets: Mapping[PartitionKey, int]
    ) -> None:
        if not offsets:
            return
        t = index_offsets_table
        now = dt.datetime.now(dt.UTC)
        for (topic, partition), offset in offsets.items():
            key = (t.c.group_id == group) & (t.c.topic == topic) & (t.c.partition == partition)
            values = {"next_offset": offset, "updated_at": now}
            updated = conn.execute(sa.update(t).where(key).values(**values))
            if updated.rowcount == 0:
                conn.execute(
                    sa.insert(t).values(group_id=group, topic=topic, partition=partition, **values)
                )

    def apply(
        self,
        conn: sa.Connection,
        dossiers: Sequence[DossierState],
        feedback: Sequence[FeedbackState],
        *,
        made_ahead: Mapping[CellKey, Tally] | None = None,
    ) -> None:
        """Write a batch's states (the last of each id wins) and change the tallies by what
        they change: the batch's dossiers, and those a feedback names or stops naming.
        ``made_ahead``: ``new_tallies`` of the batch's dossiers, made by the caller before the
        transaction (the worker, while the previous batch is written); then only what differs
        from it is counted here: the states replaced, the results in the store, the dossiers
        a feedback names."""
        new_dossiers = {s.dossier_id: s for s in dossiers}
        new_feedback = {s.feedback_id: s for s in feedback}
        if not new_dossiers and not new_feedback:
            return
        named = set(self._named_by(conn, new_feedback))
        named.update(f.dossier_id for f in new_feedback.values() if f.dossier_id)
        affected = set(new_dossiers) | named
        before = self._states_with_links(conn, affected)
        in_store = self._with_evidence(conn, new_dossiers)
        if new_feedback:
            self._bump(conn, [FEEDBACK_GENERATION])
            rows = [feedback_row(s) for s in new_feedback.values()]
            upsert(
                conn,
                index_feedback_table,
                ["feedback_id"],
                in_table_order(index_feedback_table, rows),
            )
        if new_dossiers:
            rows = [
                dossier_row(s) | {"result_in_store": s.dossier_id in in_store}
                for s in new_dossiers.values()
            ]
            # The stored ones among them are in ``before``, locked: the others are new rows,
            # copied straight into the table (most of them, in a rebuild).
            stored_rows = [row for row in rows if row["dossier_id"] in before]
            new_rows = [row for row in rows if row["dossier_id"] not in before]
            upsert(
                conn,
                index_dossiers_table,
                ["dossier_id"],
                in_table_order(index_dossiers_table, stored_rows),
            )
            insert(conn, index_dossiers_table, in_table_order(index_dossiers_table, new_rows))
        linked_after = (
            self._linked(conn, affected)
            if new_feedback
            else {i for i, (_, named) in before.items() if named}
        )
        removed = list(before.values())
        after: list[tuple[DossierState, bool]] = []
        for dossier_id in affected:
            linked = dossier_id in linked_after
            state = new_dossiers.get(dossier_id)
            if state is not None:
                stored = _replace_in_store(state, dossier_id in in_store)
                if made_ahead is not None:
                    if stored is state and not linked:
                        continue  # counted ahead as it is
                    removed.append((state, False))  # as counted ahead, corrected here
                state = stored
            elif dossier_id in before:
                state = before[dossier_id][0]
            else:
                continue  # a feedback names a dossier the index has not seen
            after.append((state, linked))
        change = delta(removed, after)
        self._add_tallies(conn, change if made_ahead is None else summed(made_ahead, change))

    def refresh_in_store(
        self, conn: sa.Connection, since: dt.datetime | None
    ) -> dt.datetime | None:
        """Mark the dossiers whose evidence the provide-once store created since ``since``
        (all of them when None), with their tallies; the new watermark, to pass next time.
        The watermark lags the newest evidence by ``EVIDENCE_LOOKBACK`` so a transaction that
        committed late is still seen (marking twice changes nothing)."""
        e, d = evidence_table, index_dossiers_table
        evidence_id = sa.literal(EVIDENCE_ID_PREFIX) + d.c.dossier_id
        query = (
            sa.select(d.c.dossier_id, e.c.created_at)
            .join(e, e.c.evidence_id == evidence_id)
            .where(d.c.result_in_store.is_(False))
        )
        if since is not None:
            query = query.where(e.c.created_at >= since)
        newest: dt.datetime | None = None
        found: list[str] = []
        for dossier_id, created_at in conn.execute(query):
            found.append(dossier_id)
            newest = created_at if newest is None or created_at > newest else newest
        if found:
            before = self._states_with_links(conn, set(found))
            conn.execute(
                sa.update(d).where(among(conn, d.c.dossier_id, found)).values(result_in_store=True)
            )
            after = [(_replace_in_store(s, True), linked) for s, linked in before.values()]
            self._add_tallies(conn, delta(before.values(), after))
        latest: dt.datetime | None = conn.scalar(sa.select(sa.func.max(e.c.created_at)))
        if latest is None:
            return since
        return (
            max(since, latest - EVIDENCE_LOOKBACK)
            if since is not None
            else latest - EVIDENCE_LOOKBACK
        )

    def _named_by(self, conn: sa.Connection, feedback: Mapping[str, FeedbackState]) -> list[str]:
        """The dossiers the stored states of these feedback name (before they are replaced)."""
        if not feedback:
            return []
        f = index_feedback_table
        query = sa.select(f.c.dossier_id).where(
            among(conn, f.c.feedback_id, feedback), f.c.dossier_id.is_not(None)
        )
        return list(conn.scalars(query))

    def _states_with_links(
        self, conn: sa.Connection, dossier_ids: set[str]
    ) -> dict[str, tuple[DossierState, bool]]:
        """The stored states of these dossiers, each with whether a feedback names it; their
        rows stay locked until the transaction ends (PostgreSQL)."""
        if not dossier_ids:
            return {}
        d, f = index_dossiers_table, index_feedback_table
        linked = sa.select(sa.literal(1)).where(f.c.dossier_id == d.c.dossier_id).exists()
        query = (
            sa.select(d, linked.label("linked"))
            .where(among(conn, d.c.dossier_id, dossier_ids))
            .order_by(d.c.dossier_id)
            .with_for_update(of=d)
        )
        return {
            row.dossier_id: (dossier_of(row._mapping), bool(row.linked))
            for row in conn.execute(query)
        }

    def _linked(self, conn: sa.Connection, dossier_ids: set[str]) -> set[str]:
        if not dossier_ids:
            return set()
        f = index_feedback_table
        query = sa.select(f.c.dossier_id).distinct().where(among(conn, f.c.dossier_id, dossier_ids))
        return set(conn.scalars(query))

    def _with_evidence(self, conn: sa.Connection, dossier_ids: Iterable[str]) -> set[str]:
        """Which of these dossiers already have their result in the provide-once store."""
        wanted = [EVIDENCE_ID_PREFIX + i for i in dossier_ids]
        if not wanted:
            return set()
        e = evidence_table
        found = conn.scalars(sa.select(e.c.evidence_id).where(among(conn, e.c.evidence_id, wanted)))
        return {i.removeprefix(EVIDENCE_ID_PREFIX) for i in found}

    def _add_tallies(self, conn: sa.Connection, change: Mapping[CellKey, Tally]) -> None:
        """Add each cell's change to its row (made when missing); rows are taken in key order
        (``_upsert``), so two members of the group never wait on each other in a cycle."""
        if not change:
            return
        rows = [(*key, *tally) for key, tally in change.items()]
        keys = ["unit", "period", "procedure_code", "agency_code"]
        upsert(conn, index_tallies_table, keys, rows, added=FIELDS)
        self._bump(conn, {key.period for key in change})

    def _bump(self, conn: sa.Connection, names: Iterable[str]) -> None:
        rows = [(name, 1) for name in sorted(names)]
        upsert(conn, index_generations_table, ["name"], rows, added=["generation"])

    def clear(self, group: str) -> None:
        """Empty the states and the group's offsets (``kho index run --rebuild``), in one
        transaction: readers see the old figures or none, never a mix."""
        with self.engine.begin() as conn:
            conn.execute(sa.delete(index_dossiers_table))
            conn.execute(sa.delete(index_feedback_table))
            conn.execute(sa.delete(index_tallies_table))
            generations = index_generations_table
            conn.execute(sa.update(generations).values(generation=generations.c.generation + 1))
            conn.execute(
                sa.delete(index_offsets_table).where(index_offsets_table.c.group_id == group)
            )

    def analyze(self) -> None:
        """Refresh the planner's statistics of the states and tallies, after a drain wrote many
        rows (a backfill, a rebuild). Until autovacuum comes round (within a minute on
        PostgreSQL; never on SQLite) freshly filled tables have none, and the pages' queries
        are planned as if they were empty (bench/pages.py analysed them by hand for that).
        ANALYZE reads a sample of each table, not the whole table."""
        with self.engine.begin() as conn:
            for table in (index_dossiers_table, index_feedback_table, index_tallies_table):
                conn.execute(sa.text(f"ANALYZE {table.name}"))

    def saved_offsets(self, group: str) -> dict[PartitionKey, int]:
        with self.engine.connect() as conn:
            return self.offsets(conn, group)


def _replace_in_store(state: DossierState, in_store: bool) -> DossierState:
    return state if state.result_in_store == in_store else replace(state, result_in_store=in_store)
