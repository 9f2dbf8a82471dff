"""The Kafka adapter of the bus port, over kafka-python. The only module that imports ``kafka``.

Clients are created on first use, never in ``__init__``, so building the hub makes no network
call. Every kafka-python error is translated here into ``BusError`` or ``BusUnavailable``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, NoReturn, TypeVar

import kafka
import kafka.errors

from hub.bus.errors import BusError, BusUnavailable
from hub.bus.kafka_tls import tls_refusal
from hub.bus.kafka_url import KafkaConnection
from hub.bus.port import DEFAULT_PARTITIONS, BusRecord, OutgoingMessage, Position

_TOPIC_ALREADY_EXISTS = 36
_REBALANCING = (
    kafka.errors.CommitFailedError,
    kafka.errors.RebalanceInProgressError,
    kafka.errors.IllegalGenerationError,
    kafka.errors.UnknownMemberIdError,
)
"""A commit refused because the group moved on to a new generation: not fatal to a member."""
log = logging.getLogger(__name__)
_ACK_WAIT_S = 30
_POSITION_WAIT_MS = 5000
"""How long the reader waits for its own position (kafka-python waits for ever by default,
and can wait on an offset validation that never completes: dpkp/kafka-python#2677, #3106).
A position not known by then is not the offset wanted: the reader seeks to it."""
_T = TypeVar("_T")


def raise_from_kafka_error(exc: Exception, target: KafkaConnection | str) -> NoReturn:
    """Turn a kafka-python exception into the bus's own, in one place. ``target`` is the
    connection (or, from older callers, the bootstrap servers alone)."""
    servers = target.bootstrap if isinstance(target, KafkaConnection) else target
    user = target.username if isinstance(target, KafkaConnection) else None
    # The client could not talk to the broker: no connection, no node ready (while a broker
    # restarts), no answer in time. A broker's own answer, even a retriable one (its group
    # coordinator not elected yet), stays a BusError, which callers that expect it retry.
    unreachable = (
        kafka.errors.KafkaTimeoutError,
        kafka.errors.KafkaConnectionError,
        kafka.errors.RequestTimedOutError,
        kafka.errors.NodeNotReadyError,
    )
    if isinstance(exc, unreachable):
        refusal = tls_refusal(target) if isinstance(target, KafkaConnection) else None
        if refusal is not None:
            raise BusUnavailable("Kafka", servers, refusal) from exc
        detail = type(exc).__name__
        if user is not None:
            # kafka-python only logs a refused login, then waits for the bootstrap timeout.
            detail += f"; hoặc Kafka từ chối đăng nhập của {user!r}"
        raise BusUnavailable("Kafka", servers, detail) from exc
    if isinstance(exc, kafka.errors.AuthorizationError):
        who = user or "ANONYMOUS"
        raise BusError(f"Kafka ({servers}) không cho {who!r} làm việc này: {exc}") from exc
    raise BusError(f"Kafka ({servers}) từ chối thao tác: {exc}") from exc


class KafkaBus:
    """An EventBus on Apache Kafka: acks=all, idempotent producer, keyed default partitioner."""

    def __init__(
        self,
        connection: KafkaConnection,
        *,
        client_id: str = "kho",
        linger_ms: int = 20,
        batch_size: int = 256 * 1024,
        max_block_ms: int = 15000,
        bootstrap_timeout_ms: int = 8000,
        default_partitions: int = DEFAULT_PARTITIONS,
    ) -> None:
        self._target = connection
        self._connection = hub_client_options(
            connection, client_id, bootstrap_timeout_ms=bootstrap_timeout_ms
        )
        self._default_partitions = default_partitions
        self._producer_options: dict[str, Any] = {
            "acks": "all",
            "enable_idempotence": True,
            "linger_ms": linger_ms,
            "batch_size": batch_size,
            "max_block_ms": max_block_ms,
        }
        # One lock per client, each made on first use: a stream's fetch never waits for an
        # ingest batch's send, nor the other way round.
        self._producer_lock = threading.RLock()
        self._reader_lock = threading.RLock()
        self._admin_lock = threading.RLock()
        self._known_topics: set[str] = set()
        self._producer: Any = None
        self._admin: Any = None
        self._reader: Any = None
        self._tls_checked = not connection.tls

    @property
    def description(self) -> str:
        return f"Kafka {self._target.bootstrap}"

    @property
    def connection(self) -> KafkaConnection:
        """Where the bus points and whom it logs in as (the password hidden from repr)."""
        return self._target

    @property
    def client_options(self) -> dict[str, Any]:
        """kafka-python options of every client this bus opens (address, login, timeouts)."""
        return dict(self._connection)

    @property
    def producer_options(self) -> dict[str, Any]:
        """kafka-python options of this bus's producer, beside ``client_options``."""
        return dict(self._producer_options)

    def ensure_topic(
        self,
        topic: str,
        partitions: int = DEFAULT_PARTITIONS,
        configs: Mapping[str, str] | None = None,
    ) -> None:
        """Create ``topic`` when missing, with ``configs`` (e.g. its retention); an existing
        topic is left as it is."""
        if topic in self._known_topics:
            return  # topics are never deleted by the hub: one metadata check per topic
        if self.partition_count(topic) > 0:
            self._known_topics.add(topic)
            return
        spec: dict[str, dict[str, Any]] = {
            topic: {"num_partitions": partitions, "replication_factor": 1}
        }
        if configs:
            spec[topic]["configs"] = dict(configs)
        result = self._call(
            lambda: self._admin_client().create_topics(spec, raise_errors=False), self._admin_lock
        )
        for entry in result["topics"]:
            code = entry.get("error_code", 0)
            if code not in (0, _TOPIC_ALREADY_EXISTS):
                raise BusError(f"Kafka không tạo được topic {topic}: mã lỗi {code}")
        self._call(
            lambda: self._admin_client().wait_for_topics([topic], timeout_ms=15000),
            self._admin_lock,
        )
        self._known_topics.add(topic)

    def publish(self, topic: str, messages: Sequence[OutgoingMessage]) -> list[Position]:
        sending = self.send(topic, messages)
        if messages:
            # Sent now, not after linger_ms. Outside the lock: the flush waits for the broker's
            # acknowledgements, and other threads' sends (another request's batch) go on
            # meanwhile; the producer is thread-safe.
            producer = self._call(self._producer_client, self._producer_lock)
            self._translated(producer.flush)
        return sending.acknowledged()

    def send(self, topic: str, messages: Sequence[OutgoingMessage]) -> KafkaSending:
        if not messages:
            return KafkaSending([], self._target)
        self.ensure_topic(topic, self._default_partitions)

        def send_all() -> list[Any]:
            producer = self._producer_client()
            return [
                producer.send(topic, key=m.key, value=m.value, headers=list(m.headers) or None)
                for m in messages
            ]

        return KafkaSending(self._call(send_all, self._producer_lock), self._target)

    def partition_count(self, topic: str) -> int:
        """0 for a topic that does not exist (or that this login may not describe).

        Asks the broker for this one topic's metadata, not the whole cluster's (the consumer's
        ``topics()``): with 757 topics on the broker, that took 270 ms under the reader's lock,
        against 2.4 ms for one topic."""

        def count() -> int:
            described = self._admin_client().describe_topics([topic])
            return sum(len(entry["partitions"]) for entry in described if entry["name"] == topic)

        return self._call(count, self._admin_lock)

    def end_offsets(self, topic: str) -> dict[int, int]:
        partitions = self._topic_partitions(topic)

        def ends() -> dict[int, int]:
            found = self._reader_client().end_offsets(partitions)
            return {tp.partition: int(offset) for tp, offset in found.items()}

        return self._call(ends, self._reader_lock)

    def fetch(self, topic: str, partition: int, offset: int, max_records: int) -> list[BusRecord]:
        def read() -> list[BusRecord]:
            reader = self._reader_client()
            tp = kafka.TopicPartition(topic, partition)
            end = reader.end_offsets([tp])[tp]
            if offset >= end:
                return []
            if reader.assignment() != {tp}:
                reader.assign([tp])
                reader.seek(tp, offset)
            elif reader.position(tp, timeout_ms=_POSITION_WAIT_MS) != offset:
                reader.seek(tp, offset)  # else keep what the consumer has fetched ahead
            records: list[BusRecord] = []
            wanted = min(max_records, end - offset)
            while len(records) < wanted:
                batch = reader.poll(timeout_ms=5000, max_records=wanted - len(records))
                if not batch:
                    break
                for found in batch.values():
                    records.extend(to_bus_record(r) for r in found)
            return records

        return self._call(read, self._reader_lock)

    def consumer(self, group: str, topics: Sequence[str]) -> KafkaGroupConsumer:
        def join() -> Any:
            return kafka.KafkaConsumer(
                *topics,
                **self._connection,
                group_id=group,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                isolation_level="read_committed",
                session_timeout_ms=6000,
                heartbeat_interval_ms=2000,
            )

        return KafkaGroupConsumer(self._call(join), self._target)  # a client of its own

    def close(self) -> None:
        with self._producer_lock, self._reader_lock, self._admin_lock:
            close_quietly(self._producer, self._reader, self._admin)
            self._producer = self._reader = self._admin = None

    def _topic_partitions(self, topic: str) -> list[Any]:
        count = self.partition_count(topic)
        return [kafka.TopicPartition(topic, p) for p in range(count)]

    def _call(
        self, operation: Callable[[], _T], lock: AbstractContextManager[Any] | None = None
    ) -> _T:
        """The operation under ``lock`` (the lock of the client it uses), once the broker's
        certificate is checked; a Kafka error raised as the bus's own."""
        with lock or nullcontext():
            self._check_tls()
            return self._translated(operation)

    def _translated(self, operation: Callable[[], _T]) -> _T:
        """The operation's result; a Kafka error raised as the bus's own (BusError)."""
        try:
            return operation()
        except kafka.errors.KafkaError as exc:
            raise_from_kafka_error(exc, self._target)

    def _check_tls(self) -> None:
        """Before the first client: a broker whose certificate the CA does not vouch for is
        refused at once, naming the CA (kafka-python would retry until its bootstrap timeout
        and leave the refused sockets open)."""
        if self._tls_checked:
            return
        refusal = tls_refusal(self._target)
        if refusal is not None:
            raise BusUnavailable("Kafka", self._target.bootstrap, refusal)
        self._tls_checked = True

    def _producer_client(self) -> Any:
        if self._producer is None:
            self._producer = kafka.KafkaProducer(**self._connection, **self._producer_options)
        return self._producer

    def _admin_client(self) -> Any:
        if self._admin is None:
            self._admin = kafka.KafkaAdminClient(**self._connection)
        return self._admin

    def _reader_client(self) -> Any:
        if self._reader is None:
            self._reader = kafka.KafkaConsumer(
                **self._connection,
                group_id=None,
                enable_auto_commit=False,
                isolation_level="read_committed",  # never an aborted transaction's records
            )
        return self._reader


class KafkaSending:
    """The producer's futures of one send; the producer's sender thread completes them."""

    def __init__(self, futures: list[Any], connection: KafkaConnection) -> None:
        self._futures = futures
        self._target = connection

    def acknowledged(self) -> list[Position]:
        positions = []
        try:
            for future in self._futures:
                metadata = future.value if future.succeeded() else future.get(timeout=_ACK_WAIT_S)
                positions.append(Position(metadata.topic, metadata.partition, metadata.offset))
        except kafka.errors.KafkaError as exc:
            raise_from_kafka_error(exc, self._target)
        return positions


class KafkaGroupConsumer:
    """A consumer-group member on Kafka; commits only when told to."""

    def __init__(self, consumer: Any, connection: KafkaConnection) -> None:
        self._consumer = consumer
        self._target = connection

    def poll(self, timeout_s: float = 1.0, max_records: int = 500) -> list[BusRecord]:
        try:
            batch = self._consumer.poll(timeout_ms=int(timeout_s * 1000), max_records=max_records)
        except kafka.errors.KafkaError as exc:
            raise_from_kafka_error(exc, self._target)
        return [to_bus_record(r) for records in batch.values() for r in records]

    def commit(self) -> None:
        """Commit the positions after the records polled. When the group is rebalancing
        (another instance joined or left) the commit is refused and not retried: the records
        polled since the last commit are read again by the partition's next owner, at least
        once, as after a crash. The next poll rejoins the group; the worker goes on."""
        try:
            self._consumer.commit()
        except _REBALANCING as exc:
            log.info("commit refused during a rebalance (%s); the next owner reads again", exc)
        except kafka.errors.KafkaError as exc:
            raise_from_kafka_error(exc, self._target)

    def close(self) -> None:
        self._consumer.close()


def hub_client_options(
    connection: KafkaConnection, client_id: str, *, bootstrap_timeout_ms: int = 8000
) -> dict[str, Any]:
    """kafka-python options for every client the hub opens: the connection and login, and
    timeouts short enough that a dead broker is reported, not waited on."""
    return {
        **connection.client_options(),
        "client_id": client_id,
        "bootstrap_timeout_ms": bootstrap_timeout_ms,
        "reconnect_backoff_max_ms": 2000,
    }


def close_quietly(*clients: Any) -> None:
    """Close kafka-python clients; closing a client of a dead broker is not an error."""
    for client in clients:
        if client is not None:
            try:
                client.close()
            except kafka.errors.KafkaError:
                pass


def to_bus_record(record: Any) -> BusRecord:
    """A kafka-python ConsumerRecord as the port's BusRecord."""
    return BusRecord(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        value=record.value,
        timestamp_ms=record.timestamp,
        headers=tuple(record.headers or ()),
    )
