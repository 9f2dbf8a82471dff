"""The embedded bus: a durable single-node log in one SQLite file.

Same semantics as Kafka for what the hub uses: topics with partitions, per-partition offsets
from 0, keyed partitioning identical to Kafka's default, consumer groups whose committed offsets
survive restarts. One difference, kept on purpose: every member of a group reads all partitions
(there is no rebalancing between members of one process-local log). ``append_and_commit``
writes messages and a group's offsets in one transaction, for the exactly-once relay
(``hub.bus.relay``).
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from hub.bus.errors import BusError
from hub.bus.partitioning import partition_for_key
from hub.bus.port import (
    DEFAULT_PARTITIONS,
    BusRecord,
    Headers,
    OutgoingMessage,
    Position,
    Sending,
)
from hub.bus.relay import AfterWrite, RoutedMessage

_SCHEMA = """
CREATE TABLE IF NOT EXISTS topics (
    name TEXT PRIMARY KEY,
    partitions INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    "offset" INTEGER NOT NULL,
    key BLOB,
    value BLOB NOT NULL,
    timestamp_ms INTEGER NOT NULL,
    headers TEXT,
    PRIMARY KEY (topic, partition, "offset")
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS group_offsets (
    group_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    "offset" INTEGER NOT NULL,
    PRIMARY KEY (group_id, topic, partition)
);
"""


_INSERT_MESSAGES = (
    'INSERT INTO messages (topic, partition, "offset", key, value, timestamp_ms, headers)'
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def _headers_column(headers: Headers) -> str | None:
    """Headers as JSON text (values in hex), NULL when there are none."""
    return json.dumps([[name, value.hex()] for name, value in headers]) if headers else None


def _headers_of(column: str | None) -> Headers:
    return tuple((name, bytes.fromhex(value)) for name, value in json.loads(column or "[]"))


def _add_headers_column(db: sqlite3.Connection) -> None:
    """Logs written before message headers existed get the column (empty for old rows)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(messages)")}
    if "headers" not in columns:
        db.execute("ALTER TABLE messages ADD COLUMN headers TEXT")


def poll_until(
    read: Callable[[int], list[BusRecord]], timeout_s: float, max_records: int
) -> list[BusRecord]:
    """Read until something comes or the time is up: a local log has nothing to wait on, so
    it is read again every 50 ms."""
    deadline = time.monotonic() + timeout_s
    while True:
        records = read(max_records)
        if records or time.monotonic() >= deadline:
            return records
        time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))


class Written:
    """A send that was written before it returned."""

    def __init__(self, positions: list[Position]) -> None:
        self._positions = positions

    def acknowledged(self) -> list[Position]:
        return self._positions


class EmbeddedBus:
    """An EventBus on a SQLite file; safe to share between threads of one process."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=10000")
            self._db.executescript(_SCHEMA)
            _add_headers_column(self._db)
        except sqlite3.Error as exc:
            raise BusError(f"Không mở được kho sự kiện nhúng {path}: {exc}") from exc
        self._round_robin = itertools.count()

    @property
    def description(self) -> str:
        return f"embedded log {self._path}"

    def ensure_topic(self, topic: str, partitions: int = DEFAULT_PARTITIONS) -> None:
        if partitions < 1:
            raise ValueError(f"partitions must be at least 1, got {partitions}")
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO topics (name, partitions) VALUES (?, ?)", (topic, partitions)
            )

    def partition_count(self, topic: str) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT partitions FROM topics WHERE name = ?", (topic,)
            ).fetchone()
        return int(row[0]) if row else 0

    def publish(self, topic: str, messages: Sequence[OutgoingMessage]) -> list[Position]:
        self.ensure_topic(topic)
        partitions = self.partition_count(topic)
        now = int(time.time() * 1000)
        positions: list[Position] = []
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                next_offsets = self._end_offsets_locked(topic, partitions)
                rows = []
                for message in messages:
                    partition = self._choose_partition(message.key, partitions)
                    offset = next_offsets[partition]
                    next_offsets[partition] = offset + 1
                    rows.append(
                        (
                            topic,
                            partition,
                            offset,
                            message.key,
                            message.value,
                            now,
                            _headers_column(message.headers),
                        )
                    )
                    positions.append(Position(topic, partition, offset))
                self._db.executemany(_INSERT_MESSAGES, rows)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return positions

    def send(self, topic: str, messages: Sequence[OutgoingMessage]) -> Sending:
        """A local log has no round trip to hide: the messages are written now."""
        return Written(self.publish(topic, messages))

    def end_offsets(self, topic: str) -> dict[int, int]:
        with self._lock:
            return self._end_offsets_locked(topic, self.partition_count(topic))

    def fetch(self, topic: str, partition: int, offset: int, max_records: int) -> list[BusRecord]:
        with self._lock:
            rows = self._db.execute(
                'SELECT "offset", key, value, timestamp_ms, headers FROM messages'
                ' WHERE topic = ? AND partition = ? AND "offset" >= ? ORDER BY "offset" LIMIT ?',
                (topic, partition, offset, max_records),
            ).fetchall()
        return [
            BusRecord(topic, partition, int(o), k, v, int(ts), _headers_of(h))
            for o, k, v, ts, h in rows
        ]

    def consumer(self, group: str, topics: Sequence[str]) -> EmbeddedConsumer:
        return EmbeddedConsumer(self, group, list(topics))

    def committed(self, group: str, topic: str) -> dict[int, int]:
        """The group's committed offsets for the topic."""
        with self._lock:
            rows = self._db.execute(
                'SELECT partition, "offset" FROM group_offsets WHERE group_id = ? AND topic = ?',
                (group, topic),
            ).fetchall()
        return {int(p): int(o) for p, o in rows}

    def commit_offsets(self, group: str, topic: str, offsets: dict[int, int]) -> None:
        with self._lock:
            self._db.executemany(
                'INSERT INTO group_offsets (group_id, topic, partition, "offset")'
                " VALUES (?, ?, ?, ?) ON CONFLICT (group_id, topic, partition)"
                ' DO UPDATE SET "offset" = excluded."offset"',
                [(group, topic, p, o) for p, o in offsets.items()],
            )

    def append_and_commit(
        self,
        outputs: Sequence[RoutedMessage],
        group: str,
        offsets: Mapping[tuple[str, int], int],
        *,
        after_write: AfterWrite | None = None,
    ) -> list[Position]:
        """Append messages to given partitions and commit the group's offsets (keyed by topic
        and partition) in one SQLite transaction: both are durable, or neither."""
        now = int(time.time() * 1000)
        positions: list[Position] = []
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                next_offsets: dict[str, dict[int, int]] = {}
                rows = []
                for message in outputs:
                    topic = message.topic
                    if topic not in next_offsets:
                        self._db.execute(
                            "INSERT OR IGNORE INTO topics (name, partitions) VALUES (?, ?)",
                            (topic, DEFAULT_PARTITIONS),
                        )
                        count = self.partition_count(topic)
                        next_offsets[topic] = self._end_offsets_locked(topic, count)
                    ends = next_offsets[topic]
                    partition = message.partition
                    if partition is None:
                        partition = self._choose_partition(message.key, len(ends))
                    elif partition not in ends:
                        raise BusError(f"Topic {topic} không có phân vùng {partition}")
                    offset = ends[partition]
                    ends[partition] = offset + 1
                    rows.append((topic, partition, offset, message.key, message.value, now, None))
                    positions.append(Position(topic, partition, offset))
                self._db.executemany(_INSERT_MESSAGES, rows)
                if after_write is not None:
                    after_write()  # fault injection (tests): a crash before the offsets
                self._db.executemany(
                    'INSERT INTO group_offsets (group_id, topic, partition, "offset")'
                    " VALUES (?, ?, ?, ?) ON CONFLICT (group_id, topic, partition)"
                    ' DO UPDATE SET "offset" = excluded."offset"',
                    [(group, t, p, o) for (t, p), o in offsets.items()],
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return positions

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _end_offsets_locked(self, topic: str, partitions: int) -> dict[int, int]:
        ends = dict.fromkeys(range(partitions), 0)
        rows = self._db.execute(
            'SELECT partition, MAX("offset") FROM messages WHERE topic = ? GROUP BY partition',
            (topic,),
        ).fetchall()
        for partition, last in rows:
            ends[int(partition)] = int(last) + 1
        return ends

    def _choose_partition(self, key: bytes | None, partitions: int) -> int:
        if key is None:
            return next(self._round_robin) % partitions
        return partition_for_key(key, partitions)


class EmbeddedConsumer:
    """A consumer-group member on the embedded log."""

    def __init__(self, bus: EmbeddedBus, group: str, topics: list[str]) -> None:
        self._bus = bus
        self._group = group
        self._topics = topics
        self._positions: dict[str, dict[int, int]] = {}

    def poll(self, timeout_s: float = 1.0, max_records: int = 500) -> list[BusRecord]:
        return poll_until(self._read, timeout_s, max_records)

    def commit(self) -> None:
        for topic, offsets in self._positions.items():
            self._bus.commit_offsets(self._group, topic, offsets)

    def close(self) -> None:
        self._positions.clear()

    def _read(self, max_records: int) -> list[BusRecord]:
        records: list[BusRecord] = []
        for topic in self._topics:
            positions = self._positions.setdefault(topic, self._bus.committed(self._group, topic))
            for partition in range(self._bus.partition_count(topic)):
                room = max_records - len(records)
                if room <= 0:
                    return records
                start = positions.get(partition, 0)
                batch = self._bus.fetch(topic, partition, start, room)
                if batch:
                    positions[partition] = batch[-1].offset + 1
                    records.extend(batch)
        return records
