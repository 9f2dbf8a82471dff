"""The write paths' audit details, built by each result type, and the action the trail picks."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hub.audit import AuditFilter, AuditLog, actions
from hub.audit.entry import CLI
from hub.audit.table import audit_table
from hub.audit.trail import record_replay, record_write, write_action
from hub.bus.port import Position
from hub.bus.span import PositionSpan
from hub.contracts.violation import Violation
from hub.db import create_engine, create_tables
from hub.dlq.address import LetterAddress
from hub.dlq.status import ReplayOutcome
from hub.ingest.batch import BatchResult, IngestMode, RecordError
from hub.ingest.writer import IngestReport

TOPIC = "tthc.dossiers"
RULE = Violation("$.fee_vnd", "fee_not_negative", "Lệ phí không được âm")


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'audit.sqlite3'}")
    create_tables(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def log(engine: sa.Engine) -> AuditLog:
    return AuditLog(engine)


def _stored(engine: sa.Engine, seq: int) -> Any:
    """The details text as stored and hashed, read back as JSON."""
    query = sa.select(audit_table.c.details).where(audit_table.c.seq == seq)
    with engine.connect() as conn:
        return json.loads(conn.execute(query).scalar_one())


def _partial_batch() -> BatchResult:
    return BatchResult(
        TOPIC,
        IngestMode.PARTIAL,
        accepted=(
            (0, Position(TOPIC, 1, 7)),
            (2, Position(TOPIC, 0, 3)),
            (3, Position(TOPIC, 1, 8)),
        ),
        rejected=(RecordError(1, (RULE,), Position(f"{TOPIC}.dlq", 0, 5)),),
    )


def test_batch_details_are_the_entry_the_api_has_always_written(
    log: AuditLog, engine: sa.Engine
) -> None:
    """A partial batch's details: mode, counts, first/last and ranges of records and letters."""
    seq = record_write(log, CLI, TOPIC, _partial_batch().audit_details())
    assert seq is not None
    assert _stored(engine, seq) == {
        "source": "api",
        "mode": "partial",
        "count": 3,
        "dead_letters": 1,
        "topic": TOPIC,
        "first": "1:7",
        "last": "1:8",
        "partitions": {"1": [7, 8], "0": [3, 3]},
        "dlq_topic": f"{TOPIC}.dlq",
        "dlq_first": "0:5",
        "dlq_last": "0:5",
        "dlq_partitions": {"0": [5, 5]},
    }
    assert log.query(AuditFilter(), limit=10)[0].action == actions.RECORDS_WRITE


def test_refused_batch_and_empty_run_append_nothing(log: AuditLog) -> None:
    """A refused all-or-nothing batch and a run that wrote nothing leave the log empty."""
    refused = BatchResult(
        TOPIC, IngestMode.ATOMIC, accepted=(), rejected=(RecordError(0, (RULE,)),)
    )
    assert refused.refused
    assert record_write(log, CLI, TOPIC, refused.audit_details()) is None
    empty = IngestReport(TOPIC, TOPIC)
    assert record_write(log, CLI, TOPIC, empty.audit_details("rong.csv")) is None
    assert log.query(AuditFilter(), limit=10) == []


def test_run_details_name_the_file_and_rules(log: AuditLog, engine: sa.Engine) -> None:
    """A connector run's details: the file, the counts, where records landed, rules broken."""
    report = IngestReport(TOPIC, TOPIC, accepted=2, rejected=3)
    report.written = PositionSpan.of([Position(TOPIC, 0, 10), Position(TOPIC, 0, 11)])
    report.rejected_by_rule = Counter({"fee_not_negative": 2, "csv_row": 1})
    seq = record_write(log, CLI, TOPIC, report.audit_details("ho-so.csv"))
    assert seq is not None
    assert _stored(engine, seq) == {
        "source": "csv",
        "file": "ho-so.csv",
        "count": 2,
        "dead_letters": 3,
        "topic": TOPIC,
        "first": "0:10",
        "last": "0:11",
        "partitions": {"0": [10, 11]},
        "rejected_by_rule": {"fee_not_negative": 2, "csv_row": 1},
    }


def test_only_dead_letters_is_its_own_action(log: AuditLog) -> None:
    """A run whose every record was refused appends records.dead_letter, not records.write."""
    report = IngestReport(TOPIC, TOPIC, rejected=2, rejected_by_rule=Counter({"csv_row": 2}))
    record_write(log, CLI, TOPIC, report.audit_details("hong.csv"))
    (entry,) = log.query(AuditFilter(), limit=10)
    assert entry.action == actions.RECORDS_DEAD_LETTER


def test_write_details_without_counts_are_refused() -> None:
    """Details that do not count records and dead letters are a programming error, named."""
    with pytest.raises(ValueError, match="dead_letters"):
        write_action({"count": 1})


def test_replay_details_say_what_became_of_the_letter(log: AuditLog, engine: sa.Engine) -> None:
    """A replay refused again names the letter, the outcome, the new letter and its rules."""
    outcome = ReplayOutcome(
        LetterAddress(0, 5),
        dt.datetime(2026, 12, 7, tzinfo=dt.UTC),
        new_letter=LetterAddress(0, 9),
        violations=(RULE,),
    )
    seq = record_replay(log, CLI, TOPIC, outcome.audit_details(f"{TOPIC}.dlq"))
    assert _stored(engine, seq) == {
        "letter": f"{TOPIC}.dlq:0:5",
        "outcome": outcome.status.value,
        "result": {"letter": "0:9", "violations": [RULE.as_dict()]},
    }
    assert log.query(AuditFilter(), limit=10)[0].action == actions.DLQ_REPLAY
