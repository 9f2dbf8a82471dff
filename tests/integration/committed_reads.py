"""Read a topic to its very end as a ``read_committed`` reader, open transactions included.

A killed masking worker leaves its transaction open until the broker aborts it (the producer's
``transaction_timeout_ms``, then the broker's next check). Until then the last stable offset
stops short of the records that later transactions committed, so reading to a
``read_committed`` consumer's own end offsets returned too few records on a slow machine. Here
the end is the high watermark (what a ``read_uncommitted`` reader sees), and the reader waits
until the open transaction is aborted and every committed record has been read.
"""

from __future__ import annotations

import time
from typing import Any

import kafka

from hub.bus.kafka_url import parse_kafka_url
from tests.integration.conftest import KAFKA_URL


def read_committed_to_the_end(topic: str, *, within_s: float = 180) -> list[Any]:
    """Every record of ``topic`` a ``read_committed`` reader sees once no transaction is open."""
    options = parse_kafka_url(KAFKA_URL).client_options()
    consumer = kafka.KafkaConsumer(
        **options,
        group_id=None,
        enable_auto_commit=False,
        isolation_level="read_committed",
        max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    try:
        partitions = [kafka.TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        ends = _high_watermarks(options, partitions)
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        records: list[Any] = []
        deadline = time.monotonic() + within_s
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            assert time.monotonic() < deadline, f"{topic} not read to its end in {within_s:.0f} s"
            for batch in consumer.poll(timeout_ms=500, max_records=10_000).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def _high_watermarks(options: dict[str, Any], partitions: list[Any]) -> dict[Any, int]:
    reader = kafka.KafkaConsumer(**options, group_id=None, isolation_level="read_uncommitted")
    try:
        return {tp: int(end) for tp, end in reader.end_offsets(partitions).items()}
    finally:
        reader.close()
