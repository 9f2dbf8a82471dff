"""The demo in one data folder, run twice: the connector's checkpoint keeps the second run from
putting the same sample on the topic again."""

from __future__ import annotations

from hub.app.demo import run_demo
from hub.app.wiring import Hub


def records_on(hub: Hub, topic: str) -> int:
    return sum(hub.bus.end_offsets(topic).values())


def test_a_second_demo_appends_nothing(embedded_hub: Hub) -> None:
    """The second run finds the sample already taken: nothing new is read, and the topic, its
    dead letters and its masked projection hold as many records as after the first run."""
    entry = embedded_hub.catalogue.entry("tthc.dossiers")
    first = run_demo(embedded_hub, rows=40, seed=9)
    assert not first.nothing_new and first.ingest.accepted > 0
    counts = [records_on(embedded_hub, t) for t in (entry.topic, entry.dlq_topic)]
    masked = records_on(embedded_hub, entry.masked_topic)
    assert counts[0] == first.ingest.accepted and counts[1] == first.ingest.rejected > 0
    assert first.masked.masked == first.ingest.accepted

    second = run_demo(embedded_hub, rows=40, seed=9)

    assert second.nothing_new
    assert (second.ingest.accepted, second.ingest.rejected) == (0, 0)
    assert [records_on(embedded_hub, t) for t in (entry.topic, entry.dlq_topic)] == counts
    assert records_on(embedded_hub, entry.masked_topic) == masked
    assert second.masked.masked == 0 and second.evidence.records == 0
