"""The SSE stream sends each new record once, decoded and projected, and resumes by cursor."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx

from connectors.samples.dossiers import dossier_documents
from hub.app.api import build_app
from hub.app.api.cursor import parse_cursor
from hub.app.wiring import Hub
from hub.avro.json_codec import record_from_json
from hub.ingest.writer import IncomingRecord, SourceRef
from tests.serving import serve_app

STREAM = "/api/v1/datasets/tthc.dossiers/stream"


def _publish(hub: Hub, documents: list[dict[str, Any]]) -> None:
    writer = hub.writer("tthc.dossiers")
    report = writer.write(
        IncomingRecord(
            source=SourceRef("test", "stream", i),
            original=b"",
            record=record_from_json(writer.schema.parsed, d),
        )
        for i, d in enumerate(documents)
    )
    assert report.accepted == len(documents)


def _read_events(base_url: str, count: int, **kwargs: Any) -> list[tuple[str, dict[str, Any]]]:
    """The first `count` record events as (id, data), then the connection is closed."""
    events: list[tuple[str, dict[str, Any]]] = []
    event_id = ""
    with httpx.stream("GET", base_url + STREAM, timeout=20, **kwargs) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        for line in answer.iter_lines():
            if line.startswith("id:"):
                event_id = line[3:].strip()
            elif line.startswith("data:"):
                events.append((event_id, json.loads(line[5:])))
                if len(events) == count:
                    break
    return events


def test_stream_from_a_cursor_replays_then_resumes(embedded_hub: Hub) -> None:
    """From the start cursor every record arrives; resuming from an event id skips those seen."""
    documents = dossier_documents(6, seed=21)
    _publish(embedded_hub, documents)
    with serve_app(build_app(embedded_hub)) as base_url:
        events = _read_events(base_url, 6, params={"after": "0:0"})
        ids = {data["value"]["dossier_id"] for _, data in events}
        assert ids == {d["dossier_id"] for d in documents}
        assert all("applicant_name" not in data["value"] for _, data in events)
        third_id = events[2][0]
        seen = {(data["partition"], data["offset"]) for _, data in events[:3]}
        rest = _read_events(base_url, 3, headers={"Last-Event-ID": third_id})
    resumed = {(data["partition"], data["offset"]) for _, data in rest}
    assert not resumed & seen
    assert len(resumed) == 3
    cursor = parse_cursor(third_id)
    assert all(offset >= cursor.get(partition, 0) for partition, offset in resumed)


def test_stream_without_cursor_sends_only_new_records(embedded_hub: Hub) -> None:
    """A fresh subscriber gets records published after it connected, not older ones."""
    _publish(embedded_hub, dossier_documents(3, seed=22))
    fresh = dossier_documents(2, seed=23, start=100)

    def publish_later() -> None:
        time.sleep(1.0)
        _publish(embedded_hub, fresh)

    with serve_app(build_app(embedded_hub)) as base_url:
        publisher = threading.Thread(target=publish_later)
        publisher.start()
        events = _read_events(base_url, 2)
        publisher.join()
    assert {data["value"]["dossier_id"] for _, data in events} == {d["dossier_id"] for d in fresh}


def test_stream_refuses_bad_cursor_and_unknown_dataset(embedded_hub: Hub) -> None:
    """A malformed cursor is 400 and an unknown dataset 404, before any stream opens."""
    with serve_app(build_app(embedded_hub)) as base_url:
        bad = httpx.get(base_url + STREAM, params={"after": "x"})
        unknown = httpx.get(base_url + "/api/v1/datasets/khong.co/stream")
    assert bad.status_code == 400
    assert unknown.status_code == 404


def test_open_streams_share_one_watcher_of_the_topics_ends(
    embedded_hub: Hub, monkeypatch: Any
) -> None:
    """Streams waiting on a quiet topic do not each ask the bus for its ends at every poll (on
    Kafka, requests one at a time under the bus's reader lock): one watcher asks for all, and
    none fetches until the ends move; they still deliver what is published. The calls are seen
    through pass-throughs."""
    _publish(embedded_hub, dossier_documents(1, seed=25))  # the topic exists
    bus = embedded_hub.bus
    asked: dict[str, list[float]] = {"end_offsets": [], "fetch": []}
    for name, calls in asked.items():
        real = getattr(bus, name)

        def counting(*args: Any, real: Any = real, calls: list[float] = calls) -> Any:
            calls.append(time.monotonic())
            return real(*args)

        monkeypatch.setattr(bus, name, counting)
    interval = 0.05
    embedded_hub.settings.stream_poll_interval_s = interval
    fresh = dossier_documents(1, seed=24, start=200)
    published_at: list[float] = []
    readers = 4
    quiet_s = 1.0

    def publish_later() -> None:
        time.sleep(quiet_s)  # some 20 polls of the quiet topic first
        published_at.append(time.monotonic())
        _publish(embedded_hub, fresh)

    with serve_app(build_app(embedded_hub)) as base_url:
        seen: list[list[tuple[str, dict[str, Any]]]] = []
        threads = [
            threading.Thread(target=lambda: seen.append(_read_events(base_url, 1)))
            for _ in range(readers)
        ]
        publisher = threading.Thread(target=publish_later)
        for thread in [*threads, publisher]:
            thread.start()
        for thread in [*threads, publisher]:
            thread.join()
    assert len(seen) == readers
    for events in seen:
        assert [data["value"]["dossier_id"] for _, data in events] == [fresh[0]["dossier_id"]]
    quiet = {name: [t for t in calls if t < published_at[0]] for name, calls in asked.items()}
    assert quiet["fetch"] == []
    # each stream's start (its end offsets), then one watcher's polls: not one per stream
    polls = quiet_s / interval
    assert len(quiet["end_offsets"]) <= readers + polls * 1.5
    assert len(quiet["end_offsets"]) < readers * polls / 2
