"""Where each connector got to, kept in the hub's database.

A checkpoint is written only after the bus acknowledged the records up to its position, together
with the end offsets of the dataset's topic and DLQ at that moment. After a crash, the records a
connector published after its last checkpoint are found on the bus from those offsets on, by the
headers each message carries (``connectors.delivery``), so nothing is published twice.

A connector reads one or more streams: a file (by name and content digest), a table, an API.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa

from hub.db import UtcDateTime, metadata

checkpoint_table = sa.Table(
    "connector_checkpoints",
    metadata,
    sa.Column("connector", sa.String(200), primary_key=True),
    sa.Column("stream", sa.String(500), primary_key=True),
    sa.Column("dataset", sa.String(200), nullable=False),
    sa.Column("source_kind", sa.String(32), nullable=False),
    sa.Column("position", sa.Text, nullable=True),  # JSON; NULL: nothing acknowledged yet
    sa.Column("bus_ends", sa.Text, nullable=False),  # JSON {topic: {partition: offset}}
    sa.Column("accepted", sa.BigInteger, nullable=False),
    sa.Column("rejected", sa.BigInteger, nullable=False),
    sa.Column("finished", sa.Boolean, nullable=False),
    sa.Column("state", sa.Text, nullable=True),  # JSON, source-specific (stations last seen)
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

BusEnds = dict[str, dict[int, int]]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    connector: str
    stream: str
    dataset: str
    source_kind: str
    position: Any = None
    bus_ends: BusEnds = field(default_factory=dict)
    accepted: int = 0
    rejected: int = 0
    finished: bool = False
    state: dict[str, Any] = field(default_factory=dict)
    last_error: str | None = None
    updated_at: dt.datetime | None = None

    def advanced(self, position: Any, ends: BusEnds, *, accepted: int, rejected: int) -> Checkpoint:
        """This checkpoint moved on past newly acknowledged records."""
        return replace(
            self,
            position=position,
            bus_ends=merge_ends(self.bus_ends, ends),
            accepted=self.accepted + accepted,
            rejected=self.rejected + rejected,
            last_error=None,
        )


class CheckpointStore:
    """Checkpoints in the hub's database. ``save_every_s``: how often a batch run saves its
    progress (0: after every acknowledged batch); its start and its end are always saved."""

    def __init__(self, engine: sa.Engine, *, save_every_s: float = 0.0) -> None:
        self._engine = engine
        self.save_every_s = save_every_s

    def load(self, connector: str, stream: str) -> Checkpoint | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(checkpoint_table).where(
                    checkpoint_table.c.connector == connector, checkpoint_table.c.stream == stream
                )
            ).one_or_none()
        return None if row is None else _from_row(row)

    def of_connector(
        self, connector: str | None = None, *, limit: int | None = None
    ) -> list[Checkpoint]:
        """Every stream's checkpoint, of one connector or of all, latest first (at most
        ``limit``: a folder connector has one stream per file it took)."""
        query = sa.select(checkpoint_table).order_by(checkpoint_table.c.updated_at.desc())
        if connector is not None:
            query = query.where(checkpoint_table.c.connector == connector)
        if limit is not None:
            query = query.limit(limit)
        with self._engine.connect() as conn:
            return [_from_row(row) for row in conn.execute(query)]

    def connectors(self) -> dict[str, str]:
        """Every connector that saved a checkpoint, with the dataset it writes."""
        query = sa.select(checkpoint_table.c.connector, checkpoint_table.c.dataset).distinct()
        with self._engine.connect() as conn:
            return {row.connector: row.dataset for row in conn.execute(query)}

    def record_error(self, connector: str, stream: str, message: str) -> None:
        """Why the source could not be read, shown by ``kho connector status``; the position
        stays where the bus last acknowledged."""
        with self._engine.begin() as conn:
            conn.execute(
                sa.update(checkpoint_table)
                .where(
                    checkpoint_table.c.connector == connector, checkpoint_table.c.stream == stream
                )
                .values(last_error=message[:2000], updated_at=dt.datetime.now(dt.UTC))
            )

    def save(self, checkpoint: Checkpoint) -> Checkpoint:
        saved = replace(checkpoint, updated_at=dt.datetime.now(dt.UTC))
        values = {
            "dataset": saved.dataset,
            "source_kind": saved.source_kind,
            "position": None if saved.position is None else json.dumps(saved.position),
            "bus_ends": json.dumps(saved.bus_ends),
            "accepted": saved.accepted,
            "rejected": saved.rejected,
            "finished": saved.finished,
            "state": json.dumps(saved.state) if saved.state else None,
            "last_error": saved.last_error,
            "updated_at": saved.updated_at,
        }
        key = (checkpoint_table.c.connector == saved.connector) & (
            checkpoint_table.c.stream == saved.stream
        )
        with self._engine.begin() as conn:
            updated = conn.execute(sa.update(checkpoint_table).where(key).values(**values))
            if updated.rowcount == 0:
                conn.execute(
                    sa.insert(checkpoint_table).values(
                        connector=saved.connector, stream=saved.stream, **values
                    )
                )
        return saved


def _from_row(row: sa.Row[Any]) -> Checkpoint:
    ends = json.loads(row.bus_ends)
    return Checkpoint(
        connector=row.connector,
        stream=row.stream,
        dataset=row.dataset,
        source_kind=row.source_kind,
        position=None if row.position is None else json.loads(row.position),
        bus_ends={t: {int(p): int(o) for p, o in offsets.items()} for t, offsets in ends.items()},
        accepted=int(row.accepted),
        rejected=int(row.rejected),
        finished=bool(row.finished),
        state=json.loads(row.state) if row.state else {},
        last_error=row.last_error,
        updated_at=row.updated_at,
    )


def merge_ends(*all_ends: BusEnds) -> BusEnds:
    """The furthest offset of each partition among the given ends."""
    merged: BusEnds = {}
    for ends in all_ends:
        for topic, offsets in ends.items():
            partitions = merged.setdefault(topic, {})
            for partition, offset in offsets.items():
                partitions[partition] = max(partitions.get(partition, 0), offset)
    return merged
