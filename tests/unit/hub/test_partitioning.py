"""The embedded log places keys in the same partitions as Kafka's default partitioner."""

from __future__ import annotations

import pytest
from kafka.partitioner.default import murmur2 as kafka_python_murmur2

from hub.bus.partitioning import murmur2, partition_for_key

# Vectors from Apache Kafka's own UtilsTest.testMurmur2.
JAVA_VECTORS = {
    b"21": -973932308,
    b"foobar": -790332482,
    b"a-little-bit-long-string": -985981536,
    b"a-little-bit-longer-string": -1486304829,
    b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
    b"abc": 479470107,
}


@pytest.mark.parametrize(("data", "expected"), JAVA_VECTORS.items())
def test_murmur2_matches_the_java_client(data: bytes, expected: int) -> None:
    """murmur2 gives the Java client's value for Kafka's published test vectors."""
    assert murmur2(data) == expected


def test_partition_matches_kafka_python_for_dossier_keys() -> None:
    """For many real-looking keys, the partition equals kafka-python's choice."""
    for i in range(2000):
        key = f"DT-2507{i % 31:02d}-{i:05d}".encode()
        expected = (kafka_python_murmur2(key) & 0x7FFFFFFF) % 3
        assert partition_for_key(key, 3) == expected


def test_partition_count_must_be_positive() -> None:
    """Zero partitions is a caller error, not a division by zero."""
    with pytest.raises(ValueError, match="at least 1"):
        partition_for_key(b"x", 0)
