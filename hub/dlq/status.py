"""Which dead letters were replayed: one row per replay in the hub's database, so a letter is
not replayed twice by accident and ``kho dlq list`` can say what became of it.

A replay first claims its letter (``ReplayLog.claim``): one row per attempt, whose key
(topic, partition, offset, attempt) lets only one of two concurrent replays in. Only the holder
of the claim writes to the topic; so two stewards replaying the same letter at the same moment
publish it once. A claim whose replay failed before writing is released; one left by a process
that died in between keeps the letter from a plain replay (``--force`` takes it over)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from hub.bus.port import Position
from hub.db import UtcDateTime, metadata
from hub.dlq.address import LetterAddress
from hub.ingest.validation import Violation

replays_table = sa.Table(
    "dlq_replays",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("topic", sa.String(255), nullable=False),
    sa.Column("partition", sa.Integer, nullable=False),
    sa.Column("offset", sa.BigInteger, nullable=False),
    sa.Column("replayed_at", UtcDateTime, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Index("ix_dlq_replays_letter", "topic", "partition", "offset"),
)

claims_table = sa.Table(
    "dlq_replay_claims",
    metadata,
    sa.Column("topic", sa.String(255), primary_key=True),
    sa.Column("partition", sa.Integer, primary_key=True),
    sa.Column("offset", sa.BigInteger, primary_key=True),
    sa.Column("attempt", sa.Integer, primary_key=True),
    sa.Column("claimed_at", UtcDateTime, nullable=False),
)


class LetterStatus(StrEnum):
    PENDING = "pending"
    REPLAYED = "replayed"
    REFUSED_AGAIN = "refused-again"


@dataclass(frozen=True)
class ReplayOutcome:
    """One replay of a letter: its record published on the topic, or refused again into a new
    letter with the rules it still breaks."""

    address: LetterAddress
    replayed_at: dt.datetime
    published: Position | None = None
    new_letter: LetterAddress | None = None
    violations: tuple[Violation, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.published is not None

    @property
    def status(self) -> LetterStatus:
        return LetterStatus.REPLAYED if self.published else LetterStatus.REFUSED_AGAIN

    def detail(self) -> dict[str, Any]:
        if self.published is not None:
            p = self.published
            return {"published": {"topic": p.topic, "partition": p.partition, "offset": p.offset}}
        return {
            "letter": str(self.new_letter) if self.new_letter else None,
            "violations": [v.as_dict() for v in self.violations],
        }

    def audit_details(self, dlq_topic: str) -> dict[str, Any]:
        """The details of the audit entry for this replay of a letter of ``dlq_topic``."""
        return {
            "letter": f"{dlq_topic}:{self.address}",
            "outcome": self.status.value,
            "result": self.detail(),  # where it was published, or the new letter and its rules
        }


@dataclass(frozen=True)
class ReplayClaim:
    """The right to replay one letter once: its ``attempt``-th replay."""

    topic: str
    address: LetterAddress
    attempt: int


class ReplayLog:
    """The replays of dead letters, in the hub's database (PostgreSQL or SQLite)."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        replays_table.create(engine, checkfirst=True)
        claims_table.create(engine, checkfirst=True)

    def claim(
        self, topic: str, address: LetterAddress, *, force: bool = False
    ) -> ReplayClaim | None:
        """Claim the letter's next replay, or None when another replay holds or held it: any
        earlier replay or claim, unless ``force``; with ``force``, a replay claimed at this
        very moment by someone else. The claim is committed before this returns."""
        letter = _letter_of(claims_table, topic, address)
        with self._engine.connect() as conn:
            claimed = conn.execute(
                sa.select(sa.func.max(claims_table.c.attempt)).where(letter)
            ).scalar_one_or_none()
            replayed = conn.execute(
                sa.select(sa.func.count())
                .select_from(replays_table)
                .where(_letter_of(replays_table, topic, address))
            ).scalar_one()
        previous = max(int(claimed or 0), int(replayed))  # replays logged before claims existed
        if previous and not force:
            return None
        claim = ReplayClaim(topic, address, previous + 1)
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    sa.insert(claims_table).values(
                        topic=topic,
                        partition=address.partition,
                        offset=address.offset,
                        attempt=claim.attempt,
                        claimed_at=dt.datetime.now(dt.UTC),
                    )
                )
        except sa.exc.IntegrityError:
            return None  # another replay inserted the same attempt first
        return claim

    def release(self, claim: ReplayClaim) -> None:
        """Give a claim back: its replay wrote nothing."""
        with self._engine.begin() as conn:
            conn.execute(
                sa.delete(claims_table).where(
                    _letter_of(claims_table, claim.topic, claim.address),
                    claims_table.c.attempt == claim.attempt,
                )
            )

    def record(self, topic: str, entry: ReplayOutcome) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                sa.insert(replays_table).values(
                    topic=topic,
                    partition=entry.address.partition,
                    offset=entry.address.offset,
                    replayed_at=entry.replayed_at.astimezone(dt.UTC),
                    outcome=entry.status.value,
                    detail=json.dumps(entry.detail(), ensure_ascii=False),
                )
            )

    def latest(self, topic: str) -> dict[LetterAddress, ReplayOutcome]:
        """The last replay of every replayed letter of the DLQ topic."""
        return self._latest(replays_table.c.topic == topic)

    def latest_for(self, topic: str, address: LetterAddress) -> ReplayOutcome | None:
        c = replays_table.c
        found = self._latest(
            sa.and_(c.topic == topic, c.partition == address.partition, c.offset == address.offset)
        )
        return found.get(address)

    def history(self, topic: str, address: LetterAddress) -> list[ReplayOutcome]:
        """Every replay of the letter, oldest first."""
        c = replays_table.c
        query = (
            sa.select(c.replayed_at, c.detail)
            .where(_letter_of(replays_table, topic, address))
            .order_by(c.id)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [_entry(address, replayed_at, json.loads(detail)) for replayed_at, detail in rows]

    def _latest(self, where: sa.ColumnElement[bool]) -> dict[LetterAddress, ReplayOutcome]:
        c = replays_table.c
        query = (
            sa.select(c.partition, c.offset, c.replayed_at, c.detail).where(where).order_by(c.id)
        )
        latest: dict[LetterAddress, ReplayOutcome] = {}
        with self._engine.connect() as conn:
            for partition, offset, replayed_at, detail in conn.execute(query):
                address = LetterAddress(int(partition), int(offset))
                latest[address] = _entry(address, replayed_at, json.loads(detail))
        return latest


def _letter_of(table: sa.Table, topic: str, address: LetterAddress) -> sa.ColumnElement[bool]:
    c = table.c
    return sa.and_(c.topic == topic, c.partition == address.partition, c.offset == address.offset)


def _entry(
    address: LetterAddress, replayed_at: dt.datetime, detail: dict[str, Any]
) -> ReplayOutcome:
    published = detail.get("published")
    if published is not None:
        return ReplayOutcome(
            address,
            replayed_at,
            published=Position(published["topic"], published["partition"], published["offset"]),
        )
    letter = detail.get("letter")
    return ReplayOutcome(
        address,
        replayed_at,
        new_letter=LetterAddress.parse(letter, 2) if letter else None,
        violations=tuple(Violation(**v) for v in detail.get("violations", ())),
    )
