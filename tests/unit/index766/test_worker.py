"""The index worker on the embedded bus and SQLite: each dossier's and feedback's latest state,
exactly once; a rebuild equals the incremental result; bad records dead-lettered with their
bytes while the rest goes on; a failure mid-batch leaves the previous states."""

from __future__ import annotations

import datetime as dt
import json

import fastavro
import pytest
import sqlalchemy as sa

from hub.app.wiring import Hub
from hub.avro.wire import encode
from hub.bus import read_all
from hub.index766.decoding import INDEX_SOURCE, UNDECODABLE_RULE
from hub.index766.periods import parse_period, parse_unit
from hub.index766.records import (
    COUNTS_CONTRADICT_RULE,
    RESOLVED_BEFORE_RECEIVED_RULE,
)
from hub.index766.states import Satisfaction
from hub.index766.worker import INDEX_GROUP
from hub.registry import subject_for_topic
from tests.bus_ports import embedded_group_offsets
from tests.paths import SCHEMAS_DIR
from tests.unit.index766.index_records import (
    DOSSIERS,
    FEEDBACK,
    dossier,
    feedback,
    index_tables,
    publish,
    publish_bytes,
    worker,
)

IDLE = 5.0


def test_a_drain_keeps_every_dossier_and_feedback(embedded_hub: Hub) -> None:
    """Every record on both topics becomes one row, in batches smaller than the topic."""
    hub = embedded_hub
    publish(hub, DOSSIERS, [dossier(f"HS-{i:03d}") for i in range(25)])
    publish(hub, FEEDBACK, [feedback(f"PA-{i:03d}") for i in range(7)])

    run = worker(hub, batch_size=4).drain(idle_timeout_s=IDLE)

    assert run.drained and (run.dossiers, run.feedback, run.dead_lettered) == (25, 7, 0)
    dossiers, feedbacks = index_tables(hub)
    assert len(dossiers) == 25 and len(feedbacks) == 7


def test_a_drain_that_applied_records_leaves_the_planner_statistics(embedded_hub: Hub) -> None:
    """After a drain the states' and tallies' tables are analysed (SQLite's ``sqlite_stat1``),
    so that the pages' queries are not planned as if the tables were empty."""
    hub = embedded_hub
    publish(hub, DOSSIERS, [dossier(f"HS-{i:03d}") for i in range(12)])
    worker(hub).drain(idle_timeout_s=IDLE)

    with hub.engine.connect() as conn:
        analysed = {row[0] for row in conn.execute(sa.text("SELECT tbl FROM sqlite_stat1"))}
    assert {"index766_dossiers", "index766_tallies"} <= analysed


def test_a_later_record_replaces_the_earlier_and_moves_the_dossier(embedded_hub: Hub) -> None:
    """A dossier re-sent with another agency and month leaves the old unit and period."""
    hub = embedded_hub
    publish(hub, DOSSIERS, [dossier("HS-1", agency="so-tp", received="2025-08-04 09:00")])
    worker(hub).drain(idle_timeout_s=IDLE)
    august, september = parse_period("2025-08"), parse_period("2025-09")
    store = hub.index_store
    assert [d.dossier_id for d in store.dossiers(parse_unit("agency:so-tp"), august)] == ["HS-1"]

    moved = dossier(
        "HS-1",
        agency="so-xd",
        received="2025-09-02 08:00",
        due="2025-09-10 17:00",
        finished="2025-09-05 10:00",
    )
    publish(hub, DOSSIERS, [moved])
    worker(hub).drain(idle_timeout_s=IDLE)

    assert store.dossiers(parse_unit("agency:so-tp"), august) == []
    (now,) = store.dossiers(parse_unit("agency:so-xd"), september)
    assert now.status == "finished" and now.finished_at is not None
    assert len(index_tables(hub)[0]) == 1


def test_rebuild_equals_the_incremental_result(embedded_hub: Hub) -> None:
    """States built over several runs with updates in between equal a rebuild from offset 0."""
    hub = embedded_hub
    publish(hub, DOSSIERS, [dossier(f"HS-{i:03d}") for i in range(30)])
    publish(hub, FEEDBACK, [feedback(f"PA-{i:03d}") for i in range(5)])
    worker(hub, batch_size=7).drain(idle_timeout_s=IDLE)
    updates = [
        dossier(f"HS-{i:03d}", finished="2025-08-20 10:00", satisfaction="dissatisfied")
        for i in range(0, 30, 3)
    ]
    publish(hub, DOSSIERS, updates)
    publish(hub, FEEDBACK, [feedback("PA-001", resolved="2025-08-09 10:00", agency_code="so-tp")])
    worker(hub, batch_size=7).drain(idle_timeout_s=IDLE)
    incremental = index_tables(hub)

    rebuilding = worker(hub, batch_size=11)
    rebuilding.rebuild()
    assert index_tables(hub) == ([], [])
    run = rebuilding.drain(idle_timeout_s=IDLE)

    assert run.caught_up == 30 + 10 + 5 + 1  # the group's offsets were ahead: read directly
    assert index_tables(hub) == incremental
    finished = [row for row in incremental[0] if row[7] is not None]
    assert len(finished) == 10


def test_replayed_records_are_skipped_by_the_saved_offsets(embedded_hub: Hub) -> None:
    """A crash after the database commit and before the group's commit replays the batch: the
    saved offsets skip it, so nothing is applied twice."""
    hub = embedded_hub
    publish(hub, DOSSIERS, [dossier(f"HS-{i}") for i in range(6)])
    first = worker(hub)
    first.prepare()
    records = [
        r
        for p in range(hub.bus.partition_count("tthc.dossiers"))
        for r in hub.bus.fetch("tthc.dossiers", p, 0, 100)
    ]
    first.apply(records)  # the database has them; the group has committed nothing
    group = embedded_group_offsets(hub.bus)()
    assert group.committed(INDEX_GROUP, "tthc.dossiers") == {}
    before = index_tables(hub)
    publish(hub, DOSSIERS, [dossier("HS-NEW")])

    run = worker(hub).drain(idle_timeout_s=IDLE)

    assert (run.dossiers, run.skipped) == (1, 6)
    after = index_tables(hub)[0]
    assert [row for row in after if row[0] != "HS-NEW"] == before[0]


def test_bad_records_are_dead_lettered_and_do_not_block(embedded_hub: Hub) -> None:
    """Undecodable bytes and contradicting counts go to the dataset's DLQ with their rule and
    bytes; the records after them are applied."""
    hub = embedded_hub
    publish(hub, DOSSIERS, [dossier("HS-OK-1")])
    publish_bytes(hub, DOSSIERS, [b"not avro at all"])
    publish(
        hub,
        DOSSIERS,
        [dossier("HS-BAD", components_total=2, components_digitised=3), dossier("HS-OK-2")],
    )
    publish(
        hub,
        FEEDBACK,
        [feedback("PA-BAD", received="2025-08-05 10:00", resolved="2025-08-01 10:00")],
    )

    run = worker(hub).drain(idle_timeout_s=IDLE)

    assert run.drained and run.dossiers == 2
    assert run.dead_letters == {
        UNDECODABLE_RULE: 1,
        COUNTS_CONTRADICT_RULE: 1,
        RESOLVED_BEFORE_RECEIVED_RULE: 1,
    }
    letters = [json.loads(m.value) for m in read_all(hub.bus, "tthc.dossiers.dlq")]
    assert {tuple(letter["rules"]) for letter in letters} == {
        (UNDECODABLE_RULE,),
        (COUNTS_CONTRADICT_RULE,),
    }
    assert all(letter["source"]["kind"] == INDEX_SOURCE for letter in letters)
    undecodable = next(x for x in letters if x["rules"] == [UNDECODABLE_RULE])
    assert undecodable["original_base64"] == "bm90IGF2cm8gYXQgYWxs"
    contradicting = next(x for x in letters if x["rules"] == [COUNTS_CONTRADICT_RULE])
    assert contradicting["violations"][0]["path"] == "$.components_digitised"
    (feedback_letter,) = [
        json.loads(m.value) for m in read_all(hub.bus, "feedback.citizen_feedback.dlq")
    ]
    assert feedback_letter["violations"][0]["path"] == "$.resolved_at"
    assert sorted(row[0] for row in index_tables(hub)[0]) == ["HS-OK-1", "HS-OK-2"]


class InjectedFault(Exception):
    """A failure between the state write and the offset save (fault injection)."""


def test_a_failure_mid_batch_leaves_the_previous_states(embedded_hub: Hub) -> None:
    """Fault injection: the batch fails after its states are written and before its offsets are
    saved; the transaction rolls back both, and the next run applies the batch whole."""
    hub = embedded_hub
    publish(hub, DOSSIERS, [dossier("HS-1"), dossier("HS-2")])
    worker(hub).drain(idle_timeout_s=IDLE)
    before = index_tables(hub)
    saved = hub.index_store.saved_offsets(INDEX_GROUP)

    publish(hub, DOSSIERS, [dossier("HS-1", finished="2025-08-06 10:00"), dossier("HS-3")])

    def fail() -> None:
        raise InjectedFault

    with pytest.raises(InjectedFault):
        worker(hub, after_states=fail).drain(idle_timeout_s=IDLE)
    assert index_tables(hub) == before
    assert hub.index_store.saved_offsets(INDEX_GROUP) == saved

    run = worker(hub).drain(idle_timeout_s=IDLE)
    assert run.dossiers == 2
    rows = {row[0]: row for row in index_tables(hub)[0]}
    assert sorted(rows) == ["HS-1", "HS-2", "HS-3"] and rows["HS-1"][7] is not None


def test_a_version_1_dossier_takes_the_new_fields_defaults(embedded_hub: Hub) -> None:
    """A dossier written by an older producer with schema version 1 (no index fields) is kept
    with the version 2 defaults: not synced, no components, no rating."""
    hub = embedded_hub
    topic = hub.catalogue.entry(DOSSIERS).topic
    v1 = (SCHEMAS_DIR / "tthc" / "history" / "dossier.v1.avsc").read_text(encoding="utf-8")
    v1_id = hub.registry.register(subject_for_topic(topic), v1)
    old = dossier("HS-V1", finished="2025-08-05 10:00")
    for moment in ("received_at", "due_at", "finished_at"):
        old[moment] = dt.datetime.fromisoformat(old[moment])
    payload = encode(v1_id, fastavro.parse_schema(json.loads(v1)), old)
    publish_bytes(hub, DOSSIERS, [payload])

    run = worker(hub).drain(idle_timeout_s=IDLE)

    assert (run.dossiers, run.dead_lettered) == (1, 0)
    (state,) = hub.index_store.dossiers(parse_unit("province"), parse_period("2025-08"))
    assert state.dossier_id == "HS-V1" and state.finished_at == old["finished_at"]
    assert (state.synced_national, state.components_total, state.satisfaction) == (
        False,
        0,
        Satisfaction.NONE,
    )
