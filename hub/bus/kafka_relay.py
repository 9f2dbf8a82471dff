"""The Kafka adapter of the exactly-once relay: a transactional producer beside a group consumer.

One transaction per commit: ``begin_transaction``, send every output to its partition, flush,
``send_offsets_to_transaction`` with the consumed offsets and the consumer's group metadata
(the broker then refuses a zombie member of an older generation, KIP-447), and
``commit_transaction``. Outputs and offsets become visible together to ``read_committed``
readers. If any step fails, the transaction is aborted and the consumer seeks back to the first
record of the batch, so the records are processed again in the next transaction.

The producer is created, and ``init_transactions`` called, before the consumer joins the group:
with the same transactional id as a worker that crashed, that call fences the old producer and
aborts the transaction it left open, before this worker reads the committed offsets.

**A broker that goes away mid-commit.** kafka-python (3.0.12) waits for
``send_offsets_to_transaction``, ``commit_transaction`` and ``abort_transaction`` without a
limit, and ``flush`` until the delivery timeout: with the broker gone, the worker would hang for
ever (the Java client bounds them by ``max.block.ms``, KAFKA-7763). Here every step waits at most
``wait_s`` (``KHO_KAFKA_TRANSACTION_WAIT_S``). A step that times out leaves the transaction's
outcome unknown (a commit may have reached the broker), so the relay drops both clients instead
of seeking back: the next poll makes a new producer, whose ``init_transactions`` completes or
aborts the open transaction, and only then a new consumer, which starts at the offsets the
group really committed. Each record is thus masked once, whichever way the commit went.

Like ``hub.bus.kafka``, this module imports ``kafka`` and translates its errors at the edge.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import kafka
import kafka.errors
from kafka.structs import OffsetAndMetadata

from hub.bus.kafka import (
    close_quietly,
    hub_client_options,
    raise_from_kafka_error,
    to_bus_record,
)
from hub.bus.kafka_url import KafkaConnection
from hub.bus.port import BusRecord
from hub.bus.relay import AfterWrite, RelayFenced, RelayRebalanced, RoutedMessage

WAIT_S = 30.0
"""The longest a transaction step waits for the broker (the producer's default max_block_ms)."""
_FENCED = (kafka.errors.ProducerFencedError, kafka.errors.FencedInstanceIdError)
_REBALANCING = (
    kafka.errors.CommitFailedError,
    kafka.errors.RebalanceInProgressError,
    kafka.errors.IllegalGenerationError,
    kafka.errors.UnknownMemberIdError,
)


class KafkaRelay:
    """An ExactlyOnceRelay on Kafka. Clients are created on the first poll, not in __init__."""

    def __init__(
        self,
        connection: KafkaConnection,
        *,
        group: str,
        topics: Sequence[str],
        transactional_id: str,
        client_id: str = "kho",
        after_write: AfterWrite | None = None,
        wait_s: float = WAIT_S,
    ) -> None:
        self._target = connection
        self._wait_s = wait_s
        self._connection = hub_client_options(connection, client_id)
        self._group = group
        self._topics = list(topics)
        self._transactional_id = transactional_id
        self._after_write = after_write
        self._producer: Any = None
        self._consumer: Any = None
        self._in_transaction = False
        self._first: dict[Any, int] = {}  # per TopicPartition: first offset since the commit
        self._next: dict[Any, int] = {}  # per TopicPartition: offset after the last polled

    @property
    def transactional_id(self) -> str:
        return self._transactional_id

    def poll(self, timeout_s: float = 1.0, max_records: int = 500) -> list[BusRecord]:
        try:
            consumer = self._clients()
            batch = consumer.poll(timeout_ms=int(timeout_s * 1000), max_records=max_records)
        except kafka.errors.KafkaError as exc:
            self._raise(exc)
        records: list[BusRecord] = []
        for tp, found in batch.items():
            if not found:
                continue
            self._first.setdefault(tp, found[0].offset)
            self._next[tp] = found[-1].offset + 1
            records.extend(to_bus_record(r) for r in found)
        return records

    def commit(self, outputs: Sequence[RoutedMessage]) -> None:
        if not outputs and not self._next:
            return
        consumer = self._clients()
        producer = self._producer
        try:
            producer.begin_transaction()
            self._in_transaction = True
            futures = [
                producer.send(m.topic, value=m.value, key=m.key, partition=m.partition)
                for m in outputs
            ]
            producer.flush(timeout=self._wait_s)
            for future in futures:
                future.get(timeout=self._wait_s)
            if self._after_write is not None:
                self._after_write()  # fault injection (tests): a crash before the offsets
            if self._next:
                offsets = {tp: OffsetAndMetadata(o, "", -1) for tp, o in self._next.items()}
                metadata = consumer.group_metadata()
                self._wait(lambda tm: tm.send_offsets_to_transaction(offsets, metadata))
            self._wait(lambda tm: tm.begin_commit())
            self._in_transaction = False
        except kafka.errors.KafkaTimeoutError as exc:
            self._drop_clients()  # the outcome is unknown: start again from what was committed
            self._raise(exc)
        except kafka.errors.KafkaError as exc:
            self._abandon_batch()
            self._raise(exc)
        self._first.clear()
        self._next.clear()

    def close(self) -> None:
        if self._in_transaction:
            self._abandon_batch()
        if self._consumer is not None:
            try:
                self._consumer.close(autocommit=False, timeout_ms=int(self._wait_s * 1000))
            except kafka.errors.KafkaError:  # closing a client of a dead broker
                pass
        if self._producer is not None:
            try:
                self._producer.close(timeout=5)
            except kafka.errors.KafkaError:
                pass
        self._consumer = self._producer = None

    def _clients(self) -> Any:
        if self._producer is None:
            producer = kafka.KafkaProducer(
                **self._connection,
                transactional_id=self._transactional_id,
                enable_idempotence=True,
                acks="all",
                linger_ms=5,
                max_block_ms=int(self._wait_s * 1000),
                # Each process has its own transactional id (kho mask run), so a transaction
                # left open by a killed one is aborted by the broker after this timeout, not
                # by a successor: till then read_committed readers of its outputs wait (Kafka
                # Streams uses 10 s for the same reason; a batch takes well under that).
                transaction_timeout_ms=10000,
            )
            try:
                producer.init_transactions()
            except BaseException:
                producer.close(timeout=0)
                raise
            self._producer = producer
        if self._consumer is None:
            consumer = kafka.KafkaConsumer(
                **self._connection,
                group_id=self._group,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                isolation_level="read_committed",
                session_timeout_ms=6000,
                heartbeat_interval_ms=2000,
                max_poll_interval_ms=120000,
            )
            consumer.subscribe(self._topics)
            self._consumer = consumer
        return self._consumer

    def _wait(self, request: Callable[[Any], Any]) -> None:
        """What ``commit_transaction`` and its siblings do (enqueue the request on the
        producer's transaction manager, wake its sender, wait for the result), with the wait
        bounded by ``wait_s``: KafkaTimeoutError after it, the request's own error if it
        failed. kafka-python's own methods wait without a limit (see the module's docstring)."""
        result = request(self._producer._transaction_manager)
        self._producer._sender.wakeup()
        if not result.wait(timeout_ms=self._wait_s * 1000):
            raise kafka.errors.KafkaTimeoutError(
                f"the broker did not complete the transaction step in {self._wait_s:g} s"
            )

    def _drop_clients(self) -> None:
        """Close both clients without waiting for the broker; the next poll makes new ones."""
        producer, consumer = self._producer, self._consumer
        self._producer = self._consumer = None
        self._in_transaction = False
        self._first.clear()
        self._next.clear()
        if producer is not None:
            try:
                producer.close(timeout=0)
            except kafka.errors.KafkaError:
                pass
        if consumer is not None:
            try:
                consumer.close(autocommit=False, timeout_ms=0)
            except kafka.errors.KafkaError:
                pass

    def _abandon_batch(self) -> None:
        """Abort the open transaction (if the producer still may) and rewind to the batch; if
        the abort times out, drop the clients instead (``_drop_clients``)."""
        if self._in_transaction and self._producer is not None:
            try:
                self._wait(lambda tm: tm.begin_abort())
            except kafka.errors.KafkaTimeoutError:
                self._drop_clients()
                return
            except kafka.errors.KafkaError:
                pass  # fenced or fatal: the next init_transactions with this id aborts it
        self._in_transaction = False
        if self._consumer is not None:
            assigned = self._consumer.assignment()
            for tp, offset in self._first.items():
                if tp in assigned:
                    self._consumer.seek(tp, offset)
        self._first.clear()
        self._next.clear()

    def _raise(self, exc: Exception) -> NoReturn:
        if isinstance(exc, _REBALANCING):
            raise RelayRebalanced(
                f"Nhóm {self._group} đang chia lại phân vùng; lô chưa cam kết sẽ được đọc lại"
            ) from exc
        if isinstance(exc, _FENCED):
            raise RelayFenced(
                f"Tiến trình khác với transactional id {self._transactional_id} đã thay thế"
                " tiến trình này; dừng lại để không ghi trùng"
            ) from exc
        raise_from_kafka_error(exc, self._target)


class KafkaGroupOffsets:
    """GroupOffsets on Kafka, through the admin API (OffsetFetch); never joins the group."""

    def __init__(self, connection: KafkaConnection, *, client_id: str = "kho") -> None:
        self._target = connection
        self._connection = hub_client_options(connection, client_id)
        self._admin: Any = None

    def committed(self, group: str, topic: str) -> dict[int, int]:
        try:
            if self._admin is None:
                self._admin = kafka.KafkaAdminClient(**self._connection)
            found = self._admin.list_group_offsets({group: None}).get(group, {})
        except kafka.errors.KafkaError as exc:
            raise_from_kafka_error(exc, self._target)
        return {
            tp.partition: int(meta.offset)
            for tp, meta in found.items()
            if tp.topic == topic and meta.offset is not None and meta.offset >= 0
        }

    def close(self) -> None:
        close_quietly(self._admin)
        self._admin = None
