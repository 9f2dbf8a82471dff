"""Running a streaming connector (MQTT sensors) until told to stop.

Messages are mapped as they come and written in small batches (``flush_every`` messages,
``flush_interval_s`` after a batch's first, or as soon as none are waiting); a reading that
cannot be mapped ("N/A") goes to ``<topic>.dlq`` with its original bytes. The broker hears of a
message only after the bus acknowledged its batch, so what a crash interrupts is delivered again.

AT LEAST ONCE, not exactly once: unlike the batch runner, nothing is reconciled against the
bus's headers, so a batch published just before a crash is published again after it. Consumers
drop duplicates by the record key (``station_id``) and ``measured_at``. The checkpoint (saved
every ``store.save_every_s``, as batch runs are, not per message) holds the last acknowledged
message's count and time and when each station was last heard from; a station silent for
``silent_after_s`` is flagged once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from connectors.checkpoints import Checkpoint, CheckpointStore
from connectors.config import ConnectorConfig, MqttSource
from connectors.delivery import Provenance, ends_after
from connectors.errors import ConnectorError, SourceUnavailable
from connectors.events import log_event
from connectors.mapping import RowMapper
from connectors.sources.mqtt import MqttMessage, MqttSubscriber, cells_of, station_of
from hub.ingest.validation import Violation
from hub.ingest.writer import DatasetWriter, Flushed, IncomingRecord, SourceRef


class MessageSource(Protocol):
    """What ``run_stream`` reads from: an ``MqttSubscriber`` already started."""

    @property
    def stream(self) -> str: ...

    def get(self, timeout_s: float) -> MqttMessage | None: ...

    def ack(self, messages: Iterable[MqttMessage]) -> int: ...


@dataclass
class StreamSummary:
    connector: str
    stream: str
    messages: int = 0
    accepted: int = 0
    rejected: int = 0
    rejected_by_rule: Counter[str] = field(default_factory=Counter)
    silent: list[str] = field(default_factory=list)
    checkpoint: Checkpoint | None = None


def mqtt_source(config: ConnectorConfig) -> MqttSource:
    if not isinstance(config.source, MqttSource):
        raise ConnectorError(f"Connector {config.name} không đọc từ MQTT ({config.source.kind})")
    return config.source


def run_mqtt_connector(
    config: ConnectorConfig,
    writer: DatasetWriter,
    store: CheckpointStore,
    *,
    stop: threading.Event,
    duration_s: float | None = None,
) -> StreamSummary:
    """Subscribe and stream until ``stop`` is set or ``duration_s`` has passed."""
    subscriber = MqttSubscriber(mqtt_source(config))
    try:
        subscriber.start()
    except SourceUnavailable as exc:
        store.record_error(config.name, subscriber.stream, str(exc))
        raise
    with contextlib.closing(subscriber):
        return run_stream(config, subscriber, writer, store, stop=stop, duration_s=duration_s)


def run_stream(
    config: ConnectorConfig,
    subscriber: MessageSource,
    writer: DatasetWriter,
    store: CheckpointStore,
    *,
    stop: threading.Event,
    flush_every: int = 100,
    flush_interval_s: float = 1.0,
    duration_s: float | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> StreamSummary:
    """Stream from a started subscriber until ``stop`` is set or ``duration_s`` passed; the
    last batch is written and acknowledged before it returns. An error of the bus or the
    database is noted on the checkpoint and raised; the broker keeps what was not acknowledged."""
    source = mqtt_source(config)
    run = _Run(config, subscriber, writer, store, now())
    batch: list[MqttMessage] = []
    started = saved_at = time.monotonic()
    deadline = None if duration_s is None else started + duration_s
    linger = min(0.05, flush_interval_s)
    try:
        while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
            waited = time.monotonic() - started
            message = subscriber.get(min(linger, flush_interval_s - waited) if batch else 0.25)
            if message is not None:
                started = time.monotonic() if not batch else started
                batch.append(message)
                station = station_of(message.topic, source.station_level)
                if station is not None:
                    run.stations.heard(station, message.received_at)
            full = len(batch) >= flush_every or time.monotonic() - started >= flush_interval_s
            if batch and (full or message is None):
                run.flush(batch)
                batch = []
            run.stations.check(now())
            if time.monotonic() - saved_at >= store.save_every_s:
                run.save()
                saved_at = time.monotonic()
        if batch:
            run.flush(batch)
    except Exception as exc:
        run.save(error=str(exc))
        raise
    run.save()
    summary = run.summary
    summary.silent = sorted(run.stations.silent)
    totals: dict[str, Any] = {"messages": summary.messages, "accepted": summary.accepted}
    totals |= {"rejected": summary.rejected, "silent": summary.silent}
    log_event("connector.stream_stopped", connector=config.name, stream=summary.stream, **totals)
    return summary


class _Run:
    """The checkpoint and the totals as batches are written and acknowledged."""

    def __init__(
        self,
        config: ConnectorConfig,
        subscriber: MessageSource,
        writer: DatasetWriter,
        store: CheckpointStore,
        started: dt.datetime,
    ) -> None:
        source = mqtt_source(config)
        self._source, self._subscriber = source, subscriber
        self._writer, self._store = writer, store
        stream = subscriber.stream
        self.checkpoint = store.load(config.name, stream) or store.save(
            Checkpoint(config.name, stream, config.dataset, "mqtt", state={"since": _iso(started)})
        )
        self.stations = _Stations(config.name, self.checkpoint.state, source, started)
        self.summary = StreamSummary(config.name, stream)
        self._seq = int((self.checkpoint.position or {}).get("seq", 0))
        self._mapper = RowMapper(config)
        self._provenance = Provenance(config.name, stream)

    def flush(self, batch: list[MqttMessage]) -> None:
        """Write the batch; once the bus acknowledged it, acknowledge its messages."""
        incoming = [self._incoming(message) for message in batch]
        flushed: list[Flushed] = []
        report = self._writer.write(incoming, on_flushed=flushed.append)
        self._subscriber.ack(batch)
        self.summary.messages += len(batch)
        self.summary.accepted += report.accepted
        self.summary.rejected += report.rejected
        self.summary.rejected_by_rule.update(report.rejected_by_rule)
        self.checkpoint = self.checkpoint.advanced(
            incoming[-1].source.position,
            ends_after([p for f in flushed for p in f.accepted + f.rejected]),
            accepted=report.accepted,
            rejected=report.rejected,
        )

    def save(self, error: str | None = None) -> None:
        state = self.stations.state()
        checkpoint = replace(self.checkpoint, state=state, last_error=error and error[:2000])
        self.checkpoint = self.summary.checkpoint = self._store.save(checkpoint)

    def _incoming(self, message: MqttMessage) -> IncomingRecord:
        self._seq += 1
        position = {"seq": self._seq, "at": _iso(message.received_at)}
        cells, problem = cells_of(message, self._source.station_level)
        if cells is None:
            record, problems = None, [Violation("$", "source", problem or "")]
        else:
            record, problems = self._mapper.map(cells)
        return IncomingRecord(
            source=SourceRef(kind="mqtt", name=message.topic, position=position),
            original=message.payload,
            record=None if problems else record,
            problems=tuple(problems),
            headers=self._provenance.headers(position),
        )


class _Stations:
    """When each station was last heard from, and which are flagged silent. Silence counts
    only while the connector listens: a restart after a long stop flags no one at once."""

    def __init__(
        self, connector: str, state: dict[str, Any], source: MqttSource, started: dt.datetime
    ) -> None:
        self.last_seen = {s: _parse(at) for s, at in state.get("stations", {}).items()}
        self.silent: set[str] = set(state.get("silent", []))
        self.since: str = state.get("since", _iso(started))
        self._connector = connector
        self._expected = source.stations
        self._limit = source.silent_after_s
        self._started = started

    def heard(self, station: str, at: dt.datetime) -> None:
        last = self.last_seen.get(station)
        if station in self.silent:
            self.silent.discard(station)
            self._log("station.back", station, last, at)
        self.last_seen[station] = at if last is None else max(last, at)

    def check(self, moment: dt.datetime) -> None:
        for station in sorted(set(self._expected) | set(self.last_seen)):
            last = self.last_seen.get(station)
            listening_from = self._started if last is None else max(last, self._started)
            quiet = (moment - listening_from).total_seconds()
            if station not in self.silent and quiet >= self._limit:
                self.silent.add(station)
                self._log("station.silent", station, last, moment)

    def state(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "stations": {s: _iso(at) for s, at in sorted(self.last_seen.items())},
            "silent": sorted(self.silent),
        }

    def _log(self, event: str, station: str, last: dt.datetime | None, at: dt.datetime) -> None:
        quiet = round((at - (last or self._started)).total_seconds(), 1)
        seen = None if last is None else _iso(last)
        level = logging.WARNING if event == "station.silent" else logging.INFO
        log_event(
            event,
            level=level,
            connector=self._connector,
            station=station,
            last_seen=seen,
            silent_for_s=quiet,
        )


def silent_stations(
    checkpoint: Checkpoint, now: dt.datetime, silent_after_s: float, expected: list[str]
) -> list[str]:
    """Stations (expected, or heard from before) not heard from for ``silent_after_s`` at
    ``now``, by the checkpoint; one never heard from counts from when the stream was first
    watched (or is silent, when that is unknown)."""
    seen = checkpoint.state.get("stations", {})
    since = checkpoint.state.get("since")
    silent = []
    for station in sorted(set(expected) | set(seen)):
        last = seen.get(station, since)
        if last is None or (now - _parse(last)).total_seconds() >= silent_after_s:
            silent.append(station)
    return silent


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)
