"""Interoperability on real Kafka and PostgreSQL: Confluent's own Python clients
(SchemaRegistryClient, AvroSerializer, AvroDeserializer) use the hub's schema registry at
/registry, served by uvicorn, and exchange records with the hub's kafka-python + fastavro path
in both directions."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext

from hub.app.api import build_app
from hub.app.wiring import Hub, build_hub
from hub.auth.tokens import Role
from hub.avro.schema import load_schema
from hub.avro.wire import encode, split_wire
from hub.bus.kafka_url import parse_kafka_url
from hub.bus.port import BusRecord, OutgoingMessage
from hub.registry.embedded import DatabaseSchemaRegistry
from hub.registry.port import subject_for_topic
from hub.settings import KhoSettings
from hub.sharing.catalogue_subjects import catalogue_subjects
from tests.integration.conftest import KAFKA_URL, POSTGRES_URL
from tests.paths import SCHEMAS_DIR
from tests.serving import serve_app

KAFKA = parse_kafka_url(KAFKA_URL)
# librdkafka's names for the same connection and login as the hub's kafka-python clients.
CONFLUENT_CONNECTION = {
    "bootstrap.servers": KAFKA.bootstrap,
    "security.protocol": KAFKA.security_protocol,
    "sasl.mechanism": KAFKA.mechanism,
    "sasl.username": KAFKA.username,
    "sasl.password": KAFKA.password,
}
READING = SCHEMAS_DIR / "salinity" / "reading.avsc"


def readings(count: int) -> list[dict[str, Any]]:
    start = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)
    return [
        {
            "station_id": f"TV-{i % 4:02d}",
            "station_name": f"Trạm cửa Cung Hầu {i % 4}",
            "river_mouth": "cửa Cung Hầu",
            "commune_code": "29278",
            "latitude": 9.82 + i / 1000,
            "longitude": 106.55,
            "salinity_g_per_l": round(3.5 + i / 10, 2),
            "measured_at": start + dt.timedelta(minutes=15 * i),
        }
        for i in range(count)
    ]


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    settings = KhoSettings(
        data_dir=tmp_path / "kho",
        bus_url=KAFKA_URL,
        database_url=POSTGRES_URL,
        portal_url=f"folder:{tmp_path / 'opendata'}",
    )
    built = build_hub(settings)
    yield built
    built.close()


@pytest.fixture
def registry_url(hub: Hub) -> Iterator[str]:
    """The hub's HTTP app under uvicorn, in a thread, on a free port; yields its /registry URL."""
    with serve_app(build_app(hub)) as base_url:
        yield f"{base_url}/registry"


@pytest.fixture
def confluent_registry(registry_url: str, hub: Hub) -> Iterator[SchemaRegistryClient]:
    """confluent-kafka's own registry client, pointed at the hub's /registry, logged in with
    an admin token as the Basic password (these topics are outside the catalogue)."""
    admin = hub.tokens.create("vp-ubnd", frozenset({Role.ADMIN})).plaintext
    config = {"url": registry_url, "basic.auth.user.info": f"kho:{admin}"}
    with SchemaRegistryClient(config) as client:
        yield client


def consume_with_group(hub: Hub, topic: str, count: int) -> list[BusRecord]:
    """Read through a consumer group of the hub's Kafka bus (kafka-python)."""
    consumer = hub.bus.consumer(f"interop-{uuid.uuid4().hex[:8]}", [topic])
    got: list[BusRecord] = []
    try:
        deadline = time.monotonic() + 60
        while len(got) < count and time.monotonic() < deadline:
            got.extend(consumer.poll(timeout_s=1.0))
        consumer.commit()
    finally:
        consumer.close()
    return got


def test_confluent_producer_to_hub_reader(
    hub: Hub, confluent_registry: SchemaRegistryClient
) -> None:
    """AvroSerializer registers the hub's schema in the hub's registry through
    SchemaRegistryClient; the hub decodes what confluent-kafka produced to the same records."""
    topic = f"interop.c2h.{uuid.uuid4().hex[:10]}"
    hub.bus.ensure_topic(topic, partitions=3)
    serializer = AvroSerializer(confluent_registry, READING.read_text(encoding="utf-8"))
    producer = Producer({**CONFLUENT_CONNECTION, "enable.idempotence": True})
    sent = readings(12)
    for record in sent:
        value = serializer(record, SerializationContext(topic, MessageField.VALUE))
        producer.produce(topic, key=record["station_id"].encode(), value=value)
    assert producer.flush(30) == 0

    got = consume_with_group(hub, topic, len(sent))
    assert len(got) == len(sent)
    decoded = [(r.key, hub.decoder.decode(r.value)) for r in got]
    assert all(key == value["station_id"].encode() for key, value in decoded)
    key = "measured_at"
    assert sorted((v for _, v in decoded), key=lambda r: r[key]) == sorted(
        sent, key=lambda r: r[key]
    )

    registry = hub.registry
    assert isinstance(registry, DatabaseSchemaRegistry)
    subject = subject_for_topic(topic)
    (version,) = registry.versions(subject)
    assert {split_wire(r.value)[0] for r in got} == {registry.version(subject, version).schema_id}
    assert confluent_registry.get_latest_version(subject).version == version


def test_hub_producer_to_confluent_reader(
    hub: Hub, confluent_registry: SchemaRegistryClient
) -> None:
    """kafka-python + fastavro with the hub's wire format, under an id from the hub's registry,
    produce what confluent-kafka's Consumer and AvroDeserializer read back equal."""
    topic = f"interop.h2c.{uuid.uuid4().hex[:10]}"
    schema = load_schema(READING)
    schema_id = hub.registry.register(subject_for_topic(topic), schema.text)
    sent = readings(10)
    hub.bus.publish(
        topic,
        [
            OutgoingMessage(r["station_id"].encode(), encode(schema_id, schema.parsed, r))
            for r in sent
        ],
    )

    deserializer = AvroDeserializer(confluent_registry)
    consumer = Consumer(
        {
            **CONFLUENT_CONNECTION,
            "group.id": f"interop-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 2000,
        }
    )
    consumer.subscribe([topic])
    got: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + 60
        while len(got) < len(sent) and time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is None:
                continue
            assert message.error() is None, message.error()
            context = SerializationContext(message.topic(), MessageField.VALUE)
            value = deserializer(message.value(), context)
            assert isinstance(value, dict)
            assert message.key() == value["station_id"].encode()
            got.append(value)
        consumer.commit(asynchronous=False)
    finally:
        consumer.close()
    key = "measured_at"
    assert sorted(got, key=lambda r: r[key]) == sorted(sent, key=lambda r: r[key])


def test_confluent_client_manages_subjects_in_the_hub_registry(
    confluent_registry: SchemaRegistryClient,
) -> None:
    """SchemaRegistryClient's management calls work on the hub's registry, and an incompatible
    schema comes back as SchemaRegistryError 409 whose message names the field and the rule."""
    subject = f"interop.admin.{uuid.uuid4().hex[:10]}-value"
    base = json.loads(READING.read_text(encoding="utf-8"))
    v1 = Schema(json.dumps(base), "AVRO")
    widened = {
        **base,
        "fields": [*base["fields"], {"name": "tide_m", "type": "double", "default": 0.0}],
    }
    broken = {**base, "fields": [*base["fields"], {"name": "tide_m", "type": "double"}]}

    first = confluent_registry.register_schema(subject, v1)
    assert confluent_registry.get_versions(subject) == [1]
    assert confluent_registry.lookup_schema(subject, v1).schema_id == first
    assert json.loads(confluent_registry.get_schema(first).schema_str or "") == base
    assert confluent_registry.get_schema_types() == ["AVRO"]
    assert subject in confluent_registry.get_subjects()
    assert confluent_registry.test_compatibility(subject, Schema(json.dumps(widened), "AVRO"))
    assert not confluent_registry.test_compatibility(subject, Schema(json.dumps(broken), "AVRO"))

    with pytest.raises(SchemaRegistryError) as refused:
        confluent_registry.register_schema(subject, Schema(json.dumps(broken), "AVRO"))
    assert (refused.value.http_status_code, refused.value.error_code) == (409, 409)
    assert "'tide_m'" in refused.value.error_message
    assert "READER_FIELD_MISSING_DEFAULT_VALUE" in refused.value.error_message

    assert confluent_registry.set_compatibility(subject, "NONE") == {"compatibility": "NONE"}
    assert confluent_registry.get_compatibility(subject) == "NONE"
    confluent_registry.register_schema(subject, Schema(json.dumps(broken), "AVRO"))
    assert confluent_registry.get_latest_version(subject).version == 2

    assert confluent_registry.delete_version(subject, 2) == 2
    assert confluent_registry.delete_subject(subject) == [1]
    assert confluent_registry.delete_subject(subject, permanent=True) == [1, 2]
    with pytest.raises(SchemaRegistryError) as gone:
        confluent_registry.get_versions(subject)
    assert gone.value.error_code == 40401


def test_confluent_client_finds_every_catalogue_schema_from_start_up(
    confluent_registry: SchemaRegistryClient, hub: Hub
) -> None:
    """On a hub just started (PostgreSQL), Confluent's client finds each dataset's and each
    masked topic's schema under its subject, before any record of them is written."""
    expected = catalogue_subjects(hub.catalogue)
    assert any(s.endswith(".masked-value") for s in expected)
    assert set(expected) <= set(confluent_registry.get_subjects())
    for subject, text in expected.items():
        found = confluent_registry.lookup_schema(subject, Schema(text, "AVRO"))
        assert found.subject == subject and found.schema_id is not None
