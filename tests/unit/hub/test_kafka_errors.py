"""kafka-python's exceptions as the bus's own: a broker the client cannot talk to is
BusUnavailable, which the API answers 503 with Retry-After; the broker's own answers, a
refusal or a retriable one (a coordinator not elected yet, which the index worker waits out),
stay a BusError.

The exceptions are kafka-python's own classes, raised here as the client raises them; CI once
saw ``NodeNotReadyError`` from an admin call while the broker restarted, answered 500."""

from __future__ import annotations

import kafka.errors
import pytest

from hub.bus.errors import BusError, BusUnavailable
from hub.bus.kafka import raise_from_kafka_error
from hub.bus.kafka_url import parse_kafka_url

TARGET = parse_kafka_url("kafka://kho:kho@127.0.0.1:19092")


@pytest.mark.parametrize(
    "error",
    [
        kafka.errors.NodeNotReadyError("No node_id provided"),
        kafka.errors.KafkaTimeoutError(),
        kafka.errors.KafkaConnectionError(),
        kafka.errors.RequestTimedOutError(),
    ],
    ids=lambda error: type(error).__name__,
)
def test_a_broker_the_client_cannot_talk_to_is_unavailable(error: kafka.errors.KafkaError) -> None:
    with pytest.raises(BusUnavailable) as raised:
        raise_from_kafka_error(error, TARGET)
    assert "127.0.0.1:19092" in str(raised.value)
    assert type(error).__name__ in str(raised.value)
    assert raised.value.__cause__ is error


@pytest.mark.parametrize(
    "error",
    [
        kafka.errors.CoordinatorNotAvailableError(),
        kafka.errors.NotLeaderForPartitionError(),
        kafka.errors.UnknownTopicOrPartitionError(),
        kafka.errors.TopicAuthorizationFailedError(),
        kafka.errors.InvalidTopicError(),
    ],
    ids=lambda error: type(error).__name__,
)
def test_the_brokers_own_answer_is_no_outage(error: kafka.errors.KafkaError) -> None:
    with pytest.raises(BusError) as raised:
        raise_from_kafka_error(error, TARGET)
    assert not isinstance(raised.value, BusUnavailable)
