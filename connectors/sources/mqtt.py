"""Sensor readings from an MQTT broker: QoS 1, a persistent session, acknowledged by hand.

The client connects with MQTT 3.1.1, ``clean_session=False`` and the configured client id, so
the broker keeps its subscriptions and the QoS 1 messages it has not acknowledged while the
connector is stopped. paho's network thread only queues each message; the consumer acknowledges
it (``ack``) once the bus has acknowledged the record made from it. A message received but not
acknowledged (the connector crashed, the connection dropped) is delivered again by the broker
on the next connection with the same client id: at least once.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import queue
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.reasoncodes import ReasonCode

from connectors.config import MqttSource, expand_env
from connectors.errors import ConnectorError, SourceUnavailable
from connectors.events import log_event
from connectors.nfc import nfc_keys

STATION_CELL = "station_id"


@dataclass(frozen=True, slots=True)
class MqttMessage:
    """One message as received: acknowledged later by ``mid`` on the connection it came on."""

    topic: str
    payload: bytes
    mid: int
    qos: int
    redelivered: bool
    received_at: dt.datetime
    connection: int
    """Which connection of this client brought it (1, 2, ... as paho reconnects)."""


def broker_address(url: str) -> tuple[str, int]:
    """``mqtt://host:port`` as (host, port); the port defaults to 1883."""
    parts = urlsplit(url)
    if parts.scheme != "mqtt" or not parts.hostname:
        raise ConnectorError(f"Địa chỉ máy chủ MQTT '{url}' phải có dạng mqtt://máy:cổng")
    try:
        port = parts.port or 1883
    except ValueError:
        raise ConnectorError(f"Cổng trong địa chỉ MQTT '{url}' không hợp lệ") from None
    return parts.hostname, port


def station_of(topic: str, level: int) -> str | None:
    """The topic level that names the station (``salinity/<station>/reading``, level 1)."""
    levels = topic.split("/")
    return levels[level] if level < len(levels) and levels[level] else None


def cells_of(message: MqttMessage, station_level: int) -> tuple[dict[str, Any] | None, str | None]:
    """The payload's JSON object as cells, with the station from the topic unless the payload
    names one; or None and why the payload is not a reading."""
    try:
        document = json.loads(message.payload)
    except ValueError as exc:
        return None, f"Nội dung tin MQTT không phải JSON hợp lệ (UTF-8): {exc}"
    except RecursionError:  # a poison message must not stop the stream
        return None, "Nội dung tin MQTT không phải JSON hợp lệ: mảng, đối tượng lồng nhau quá sâu"
    if not isinstance(document, dict):
        kind = type(document).__name__
        return None, f"Nội dung tin MQTT phải là một đối tượng JSON {{...}}, không phải {kind}"
    document = nfc_keys(document)  # field names as the mapping writes them; values: mapping.py
    station = station_of(message.topic, station_level)
    if station is not None and document.get(STATION_CELL) in (None, ""):
        document[STATION_CELL] = station
    return document, None


class MqttSubscriber:
    """A subscription to the source's topics; ``get`` the next message, ``ack`` it when done."""

    def __init__(
        self,
        source: MqttSource,
        *,
        connect_timeout_s: float = 10.0,
        reconnect_delay_s: tuple[int, int] = (1, 30),
        environ: Mapping[str, str] | None = None,
    ) -> None:
        """``mqtt://user:password@host:port`` logs in (``${VAR}`` read from ``environ``, by
        default the process environment); without a user the connection is anonymous."""
        if not source.client_id.strip():
            raise ConnectorError("Nguồn MQTT cần client_id (phiên bền vững giữ tin chưa xác nhận)")
        self.source = source
        url = expand_env(source.url, os.environ if environ is None else environ)
        self.host, self.port = broker_address(url)
        self._timeout = connect_timeout_s
        self._messages: queue.Queue[MqttMessage] = queue.Queue()
        self._connection = 0
        self._subscribed = threading.Event()
        self._refused: str | None = None
        self._pending_subscribe: int | None = None
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=source.client_id,
            clean_session=False,
            protocol=MQTTProtocolVersion.MQTTv311,
        )
        login = urlsplit(url)
        if login.username:
            client.username_pw_set(unquote(login.username), unquote(login.password or ""))
        client.manual_ack_set(True)
        client.reconnect_delay_set(*reconnect_delay_s)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        self._client = client

    @property
    def broker(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def stream(self) -> str:
        """What the checkpoint is kept for: the broker and the topics subscribed to."""
        return f"mqtt://{self.broker}/{','.join(self.source.topics)}"

    def start(self) -> None:
        """Connect, subscribe, and start the network thread; an unreachable broker is
        ``SourceUnavailable``, a refused connection a ``ConnectorError``."""
        try:
            self._client.connect(self.host, self.port, keepalive=30)
        except OSError as exc:
            raise SourceUnavailable(
                f"Không kết nối được tới máy chủ MQTT {self.broker}: {exc}"
            ) from exc
        self._client.loop_start()
        answered = self._subscribed.wait(self._timeout)
        if answered and self._refused is None:
            return
        self.close()
        if self._refused is not None:  # credentials, client id, topic: the configuration
            raise ConnectorError(f"Máy chủ MQTT {self.broker} {self._refused}")
        raise SourceUnavailable(
            f"Máy chủ MQTT {self.broker} không trả lời trong {self._timeout:g} giây"
        )

    def get(self, timeout_s: float) -> MqttMessage | None:
        """The next message, or None when none came within ``timeout_s``."""
        try:
            return self._messages.get(timeout=max(timeout_s, 0.0))
        except queue.Empty:
            return None

    def ack(self, messages: Iterable[MqttMessage]) -> int:
        """Acknowledge to the broker, in the order received. A message of an earlier connection
        is not acknowledged: the broker sends it again on this one (it is processed again)."""
        acked = 0
        for message in messages:
            if message.qos > 0 and message.connection == self._connection:
                self._client.ack(message.mid, message.qos)
                acked += 1
        return acked

    def close(self) -> None:
        """Disconnect without acknowledging what is still queued: the broker keeps it."""
        self._client.disconnect()
        self._client.loop_stop()

    def __enter__(self) -> MqttSubscriber:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # paho's network thread calls these; they never raise.

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        properties: Any,
    ) -> None:
        if reason.is_failure:
            self._refused = f"từ chối kết nối ({reason.getName()})"
            log_event(
                "mqtt.refused", level=logging.WARNING, broker=self.broker, reason=reason.getName()
            )
            self._subscribed.set()
            return
        self._connection += 1
        log_event(
            "mqtt.connected",
            broker=self.broker,
            client_id=self.source.client_id,
            session_present=flags.session_present,
            connection=self._connection,
        )
        _result, mid = client.subscribe([(topic, 1) for topic in self.source.topics])
        self._pending_subscribe = mid

    def _on_subscribe(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reasons: list[ReasonCode],
        properties: Any,
    ) -> None:
        refused = [t for t, r in zip(self.source.topics, reasons, strict=False) if r.is_failure]
        if refused:
            self._refused = f"không cho đăng ký topic {', '.join(refused)}"
            log_event(
                "mqtt.subscribe_refused", level=logging.WARNING, broker=self.broker, topics=refused
            )
        else:
            log_event("mqtt.subscribed", broker=self.broker, topics=self.source.topics)
        if mid == self._pending_subscribe:
            self._subscribed.set()

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason: ReasonCode,
        properties: Any,
    ) -> None:
        if reason.is_failure:
            log_event(
                "mqtt.connection_lost",
                level=logging.WARNING,
                broker=self.broker,
                reason=reason.getName(),
            )
        else:
            log_event("mqtt.disconnected", broker=self.broker)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self._messages.put(
            MqttMessage(
                topic=message.topic,
                payload=bytes(message.payload),
                mid=message.mid,
                qos=message.qos,
                redelivered=bool(message.dup),
                received_at=dt.datetime.now(dt.UTC),
                connection=self._connection,
            )
        )
