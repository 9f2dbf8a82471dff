"""The MQTT connector against the real Mosquitto (scripts/services/mosquitto.sh): readings
reach the topic, bad ones the DLQ, silent stations are flagged, and nothing is lost while the
connector is stopped or after it crashed before acknowledging (at least once)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from connectors.checkpoints import Checkpoint, CheckpointStore
from connectors.config import ConnectorConfig, MqttSource
from connectors.errors import SourceUnavailable
from connectors.sources.mqtt import MqttSubscriber
from connectors.streaming import StreamSummary, run_mqtt_connector, run_stream, silent_stations
from hub.app.cli.connector import checkpoint_store
from hub.app.wiring import Hub
from hub.bus import read_all
from hub.bus.port import EventBus, OutgoingMessage, Sending
from hub.ingest.dead_letter import DeadLetter
from hub.ingest.writer import DatasetWriter
from tests.conftest import service_port

MQTT_PORT = service_port("MQTT", 11883)
MQTT_URL = f"mqtt://127.0.0.1:{MQTT_PORT}"
DATASET = "salinity.readings"
TOPIC, DLQ = "salinity.readings", "salinity.readings.dlq"
FIELDS = {
    "station_id": {"column": "station_id"},
    "station_name": {"column": "name"},
    "river_mouth": {"column": "river_mouth"},
    "commune_code": {"column": "commune"},
    "latitude": {"column": "lat", "convert": "vn_decimal"},
    "longitude": {"column": "lon", "convert": "vn_decimal"},
    "salinity_g_per_l": {"column": "salinity", "convert": "vn_decimal"},
    "measured_at": {"column": "measured_at", "convert": "iso_datetime"},
}


class Broker:
    """A topic prefix and client ids of this test's own; their sessions are erased after it."""

    def __init__(self) -> None:
        self.prefix = f"kho-it-{uuid.uuid4().hex[:10]}"
        self.client_ids: list[str] = []
        self.publisher = _client(f"{self.prefix}-pub", clean=True)
        self.publisher.connect("127.0.0.1", MQTT_PORT)
        self.publisher.loop_start()

    def config(
        self, *, stations: list[str] | None = None, silent_after_s: float = 900.0, port: int = 0
    ) -> ConnectorConfig:
        client_id = f"{self.prefix}-connector"
        self.client_ids.append(client_id)
        source = {
            "kind": "mqtt",
            "url": f"mqtt://127.0.0.1:{port}" if port else MQTT_URL,
            "topics": [f"{self.prefix}/salinity/+/reading"],
            "client_id": client_id,
            "station_level": 2,
            "stations": stations or [],
            "silent_after_s": silent_after_s,
        }
        return ConnectorConfig.model_validate(
            {"name": self.prefix, "dataset": DATASET, "source": source, "fields": FIELDS}
        )

    def publish(self, station: str, payload: dict[str, Any] | bytes) -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        info = self.publisher.publish(f"{self.prefix}/salinity/{station}/reading", body, qos=1)
        info.wait_for_publish(timeout=5)
        assert info.is_published()

    def close(self) -> None:
        self.publisher.disconnect()
        self.publisher.loop_stop()
        for client_id in self.client_ids:
            _erase_session(client_id)


def _client(client_id: str, *, clean: bool) -> mqtt.Client:
    return mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=clean,
        protocol=MQTTProtocolVersion.MQTTv311,
    )


def _erase_session(client_id: str) -> None:
    """Connecting with a clean session drops the persistent one the broker kept."""
    eraser = _client(client_id, clean=True)
    connected = threading.Event()
    eraser.on_connect = lambda *_args: connected.set()
    eraser.connect("127.0.0.1", MQTT_PORT)
    eraser.loop_start()
    connected.wait(5)
    eraser.disconnect()
    eraser.loop_stop()


@pytest.fixture
def broker() -> Iterator[Broker]:
    opened = Broker()
    yield opened
    opened.close()


@pytest.fixture
def store(embedded_hub: Hub) -> CheckpointStore:
    return checkpoint_store(embedded_hub)


def reading(station: str, salinity: Any = 4.2, minutes_ago: int = 5) -> dict[str, Any]:
    measured = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes_ago)
    return {
        "name": f"Trạm {station}",
        "river_mouth": "cửa Tiểu",
        "commune": "28261",
        "lat": 10.25,
        "lon": 106.75,
        "salinity": salinity,
        "measured_at": measured.isoformat(),
    }


class Streaming:
    """``run_stream`` on a thread of its own, on a subscriber already subscribed."""

    def __init__(
        self, hub: Hub, store: CheckpointStore, config: ConnectorConfig, **options: Any
    ) -> None:
        writer = options.pop("writer", None) or hub.writer(DATASET)
        assert isinstance(config.source, MqttSource)
        self.subscriber = MqttSubscriber(config.source)
        self.subscriber.start()
        self.stop = threading.Event()
        self.summary: StreamSummary | None = None
        self.error: BaseException | None = None

        def work() -> None:
            try:
                self.summary = run_stream(
                    config, self.subscriber, writer, store, stop=self.stop, **options
                )
            except BaseException as exc:  # the test looks at it
                self.error = exc

        self.thread = threading.Thread(target=work, daemon=True)
        self.thread.start()

    def finish(self) -> StreamSummary | None:
        self.stop.set()
        self.thread.join(timeout=15)
        assert not self.thread.is_alive()
        self.subscriber.close()
        return self.summary


def wait_for(condition: Callable[[], bool], timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def on_topic(hub: Hub, topic: str = TOPIC) -> list[bytes]:
    return [record.value for record in read_all(hub.bus, topic)]


def test_readings_from_three_stations_reach_the_topic(
    embedded_hub: Hub, store: CheckpointStore, broker: Broker
) -> None:
    """QoS 1 readings of three stations are all on the topic with their values, the station
    taken from the topic level; the checkpoint knows when each station was last heard from."""
    config = broker.config()
    running = Streaming(embedded_hub, store, config)
    sent = {(s, float(i)) for s in ("CT01", "CT02", "CD03") for i in range(1, 6)}
    for station, value in sorted(sent):
        broker.publish(station, reading(station, salinity=value))
    wait_for(lambda: len(on_topic(embedded_hub)) == len(sent))
    summary = running.finish()
    decoded = [embedded_hub.decoder.decode(value) for value in on_topic(embedded_hub)]
    assert {(r["station_id"], r["salinity_g_per_l"]) for r in decoded} == sent
    assert {r["station_name"] for r in decoded} == {"Trạm CT01", "Trạm CT02", "Trạm CD03"}
    assert on_topic(embedded_hub, DLQ) == []
    assert summary is not None
    assert (summary.messages, summary.accepted, summary.rejected) == (15, 15, 0)
    saved = store.load(config.name, running.subscriber.stream)
    assert saved is not None and saved.accepted == 15 and saved.position["seq"] == 15
    assert set(saved.state["stations"]) == {"CT01", "CT02", "CD03"}


def test_non_numeric_readings_go_to_the_dlq_with_reason_and_bytes(
    embedded_hub: Hub, store: CheckpointStore, broker: Broker
) -> None:
    """ "N/A" and "abc" salinities, a payload that is not JSON and one that is not an object
    are dead letters with their reason and original bytes; the good reading is published."""
    running = Streaming(embedded_hub, store, broker.config())
    bad = {
        "N/A": json.dumps(reading("CT01", salinity="N/A")).encode(),
        "abc": json.dumps(reading("CT02", salinity="abc")).encode(),
        "not json": b"\xffsalinity=4,2",
        "array": b"[4.2]",
    }
    for payload in bad.values():
        broker.publish("CT01", payload)
    broker.publish("CT03", reading("CT03", salinity="3,5"))
    wait_for(lambda: len(on_topic(embedded_hub, DLQ)) == 4 and len(on_topic(embedded_hub)) == 1)
    summary = running.finish()
    letters = [DeadLetter.from_bytes(value) for value in on_topic(embedded_hub, DLQ)]
    by_original = {letter.original: letter for letter in letters}
    assert set(by_original) == set(bad.values())
    na = by_original[bad["N/A"]]
    assert na.dataset == DATASET and na.source["kind"] == "mqtt"
    assert [(v.path, v.rule) for v in na.violations] == [("$.salinity_g_per_l", "vn_decimal")]
    assert "'N/A' không phải số thập phân" in na.reason
    assert "'abc' không phải số thập phân" in by_original[bad["abc"]].reason
    assert "không phải JSON" in by_original[bad["not json"]].reason
    assert "phải là một đối tượng JSON" in by_original[bad["array"]].reason
    (good,) = [embedded_hub.decoder.decode(v) for v in on_topic(embedded_hub)]
    assert (good["station_id"], good["salinity_g_per_l"]) == ("CT03", 3.5)
    assert summary is not None
    assert (summary.accepted, summary.rejected) == (1, 4)
    assert summary.rejected_by_rule == {"vn_decimal": 2, "source": 2}


def test_silent_stations_are_flagged_once_and_come_back(
    embedded_hub: Hub,
    store: CheckpointStore,
    broker: Broker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A configured station that never reports and one that stops after its first reading are
    flagged silent once each (a structured warning, the checkpoint's state); the one that
    reports again is back; a steady station is never flagged."""
    caplog.set_level(logging.INFO, logger="kho.connector")
    config = broker.config(stations=["NEVER", "ONCE", "STEADY"], silent_after_s=1.5)
    running = Streaming(embedded_hub, checkpoint_store(embedded_hub, save_every_s=0.2), config)
    stream = running.subscriber.stream

    def events(name: str) -> list[dict[str, Any]]:
        lines = [json.loads(r.getMessage()) for r in caplog.records if r.message[:1] == "{"]
        return [line for line in lines if line["event"] == name]

    def steady_until(condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 15
        while not condition():
            assert time.monotonic() < deadline, "timed out"
            broker.publish("STEADY", reading("STEADY"))
            time.sleep(0.3)

    broker.publish("ONCE", reading("ONCE"))
    steady_until(lambda: {e["station"] for e in events("station.silent")} == {"NEVER", "ONCE"})
    later = time.monotonic() + 1.0  # more checks pass: still flagged once, steady never
    steady_until(lambda: time.monotonic() > later)
    silent = events("station.silent")
    assert sorted(e["station"] for e in silent) == ["NEVER", "ONCE"]
    assert all(e["silent_for_s"] >= 1.5 for e in silent)
    never, once = sorted(silent, key=lambda e: e["station"])
    assert never["last_seen"] is None and once["last_seen"] is not None
    assert all(
        r.levelno == logging.WARNING for r in caplog.records if "station.silent" in r.message
    )
    wait_for(lambda: _state(store, config, stream).get("silent") == ["NEVER", "ONCE"])
    checkpoint = store.load(config.name, stream)
    assert checkpoint is not None
    assert silent_stations(
        checkpoint, dt.datetime.now(dt.UTC), 1.5, ["NEVER", "ONCE", "STEADY"]
    ) == ["NEVER", "ONCE"]

    broker.publish("ONCE", reading("ONCE"))
    wait_for(lambda: [e["station"] for e in events("station.back")] == ["ONCE"])
    summary = running.finish()
    assert summary is not None and summary.silent == ["NEVER"]
    assert _state(store, config, stream)["silent"] == ["NEVER"]
    assert len(events("station.silent")) == 2


def _state(store: CheckpointStore, config: ConnectorConfig, stream: str) -> dict[str, Any]:
    checkpoint: Checkpoint | None = store.load(config.name, stream)
    return {} if checkpoint is None else checkpoint.state


def test_readings_published_while_stopped_arrive_on_restart(
    embedded_hub: Hub, store: CheckpointStore, broker: Broker
) -> None:
    """Persistent session: once subscribed, the broker keeps QoS 1 readings for the client id
    while the connector is stopped; started again, it gets every one of them."""
    config = broker.config()
    broker.publish("CT01", reading("CT01", salinity=1.0))  # before the first subscription: lost
    writer = embedded_hub.writer(DATASET)
    first = run_mqtt_connector(config, writer, store, stop=threading.Event(), duration_s=0.5)
    assert first.messages == 0
    for value in (2.0, 3.0, 4.0):
        broker.publish("CT01", reading("CT01", salinity=value))
    second = Streaming(embedded_hub, store, config)
    wait_for(lambda: len(on_topic(embedded_hub)) == 3)
    second.finish()
    values = sorted(
        embedded_hub.decoder.decode(v)["salinity_g_per_l"] for v in on_topic(embedded_hub)
    )
    assert values == [2.0, 3.0, 4.0]


class _Crash(Exception):
    """Stands for the connector dying between receiving a message and acknowledging it."""


class CrashOnceBus:
    """Fault injection: the real bus, except that the first send raises, as if the process
    died before the bus acknowledged; the MQTT message is never acknowledged."""

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self.crashes = 1

    def send(self, topic: str, messages: Sequence[OutgoingMessage]) -> Sending:
        if self.crashes:
            self.crashes -= 1
            raise _Crash("fault injection: died before the bus acknowledged")
        return self._bus.send(topic, messages)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bus, name)


def crash_once_writer(hub: Hub) -> DatasetWriter:
    return DatasetWriter(CrashOnceBus(hub.bus), hub.registry, hub.catalogue, DATASET)


def test_a_message_not_acknowledged_before_a_crash_is_delivered_again(
    embedded_hub: Hub, store: CheckpointStore, broker: Broker
) -> None:
    """The connector crashes after receiving a reading but before acknowledging it: restarted
    with the same client id, it gets the reading again and publishes it."""
    config = broker.config()
    crashing = Streaming(embedded_hub, store, config, writer=crash_once_writer(embedded_hub))
    broker.publish("CT01", reading("CT01", salinity=7.5))
    wait_for(lambda: crashing.error is not None)
    crashing.finish()
    assert isinstance(crashing.error, _Crash)
    assert on_topic(embedded_hub) == []
    stream = crashing.subscriber.stream
    noted = store.load(config.name, stream)
    assert noted is not None and "fault injection" in (noted.last_error or "")

    restarted = Streaming(embedded_hub, store, config)
    wait_for(lambda: len(on_topic(embedded_hub)) == 1)
    summary = restarted.finish()
    (record,) = [embedded_hub.decoder.decode(v) for v in on_topic(embedded_hub)]
    assert (record["station_id"], record["salinity_g_per_l"]) == ("CT01", 7.5)
    assert summary is not None and summary.accepted == 1
    after = store.load(config.name, stream)
    assert after is not None and after.last_error is None and after.accepted == 1


class CuttableProxy:
    """Fault injection: a TCP relay in front of the real Mosquitto whose connections the test
    cuts, as a failing network would. Only the cut is made up; every byte is the broker's."""

    def __init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._server.getsockname()[1]
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", MQTT_PORT))
            with self._lock:
                self._open += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=_relay, args=(source, target), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            cut, self._open = self._open, []
        for sock in cut:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self._server.close()
        self.cut()


def _relay(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_RDWR)


def test_a_dropped_connection_is_reconnected_and_nothing_is_lost(
    embedded_hub: Hub, store: CheckpointStore, broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    """The network drops the connection: paho reconnects to the same session, saying so in
    structured log lines, and the readings published meanwhile arrive."""
    caplog.set_level(logging.INFO, logger="kho.connector")
    proxy = CuttableProxy()
    try:
        running = Streaming(embedded_hub, store, broker.config(port=proxy.port))
        broker.publish("CT01", reading("CT01", salinity=1.0))
        wait_for(lambda: len(on_topic(embedded_hub)) == 1)
        proxy.cut()
        for value in (2.0, 3.0):
            broker.publish("CT01", reading("CT01", salinity=value))
        wait_for(lambda: len(on_topic(embedded_hub)) >= 3)
        running.finish()
    finally:
        proxy.close()
    values = {embedded_hub.decoder.decode(v)["salinity_g_per_l"] for v in on_topic(embedded_hub)}
    assert values == {1.0, 2.0, 3.0}
    lines = [json.loads(r.message) for r in caplog.records if r.message.startswith("{")]
    lost = [line for line in lines if line["event"] == "mqtt.connection_lost"]
    assert lost and lost[0]["broker"] == f"127.0.0.1:{proxy.port}"
    back = [line for line in lines if line["event"] == "mqtt.connected"][-1]
    assert back["connection"] >= 2 and back["session_present"] is True


def test_an_unreachable_broker_is_named_in_the_error(
    embedded_hub: Hub, store: CheckpointStore, broker: Broker
) -> None:
    """Nothing listens on the port: the run stops at once with a Vietnamese message that
    names the broker's address."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    config = broker.config(port=port)
    writer = embedded_hub.writer(DATASET)
    with pytest.raises(SourceUnavailable) as caught:
        run_mqtt_connector(config, writer, store, stop=threading.Event())
    assert f"Không kết nối được tới máy chủ MQTT 127.0.0.1:{port}" in str(caught.value)
