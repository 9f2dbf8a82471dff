"""The walking skeleton on the real engines: a dossier export → Avro on Kafka (schemas in
PostgreSQL) → open projection → CKAN, downloaded back over HTTP."""

from __future__ import annotations

import csv
import hashlib
import io
import struct
from pathlib import Path

import ckanapi
import fastavro
import httpx2
from kafka import KafkaConsumer, TopicPartition

from connectors.config import load_connector_config
from connectors.runner import run_connector
from connectors.samples.dossiers import write_dossier_export
from hub.app.wiring import Hub
from hub.audit.entry import CLI, Actor
from hub.bus.kafka_url import parse_kafka_url
from hub.ingest import DeadLetter
from opendata.publisher import PublishResult, portal_name
from tests.integration.conftest import CKAN_URL, KAFKA_URL
from tests.paths import DOSSIER_CONNECTOR


def raw_kafka_values(topic: str) -> list[bytes]:
    """Every value on the topic, read with a plain kafka-python consumer, not the hub."""
    consumer = KafkaConsumer(**parse_kafka_url(KAFKA_URL).client_options())
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        ends = consumer.end_offsets(partitions)
        values: list[bytes] = []
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            for records in consumer.poll(timeout_ms=2000).values():
                values.extend(r.value for r in records)
        return values
    finally:
        consumer.close()


def _result_of(hub: Hub, publication: str) -> PublishResult:
    """The publisher's run, for this test's publication: the database is shared with earlier
    runs, whose approvals of their own (now gone) datasets it reports too."""
    results = {result.publication_id: result for result in hub.publisher().run(CLI)}
    return results[publication]


def test_export_to_kafka_to_ckan(real_hub: Hub, tmp_path: Path, ckan_token: str) -> None:
    """Valid rows reach Kafka in the Confluent wire format, flawed rows its DLQ, and once the
    steward approves the monthly figures CKAN serves their files, with no personal column and
    each file's SHA-256 in its hash; a second publication changes nothing on CKAN."""
    dataset_id = real_hub.catalogue.catalogue.datasets[0].id
    topic = real_hub.catalogue.catalogue.datasets[0].topic
    config = load_connector_config(DOSSIER_CONNECTOR).model_copy(update={"dataset": dataset_id})
    export = write_dossier_export(tmp_path / "ho-so.csv", rows=300, seed=2024)

    writer = real_hub.writer(dataset_id)
    report = run_connector(config, export.path, writer)
    assert (report.accepted, report.rejected) == (export.valid_rows, len(export.invalid_rows))

    values = raw_kafka_values(topic)
    assert len(values) == export.valid_rows
    schema = fastavro.parse_schema(real_hub.catalogue.schema(dataset_id).definition)
    for value in values[:20]:
        magic, schema_id = struct.unpack(">bI", value[:5])
        assert (magic, schema_id) == (0, writer.schema_id)
        fastavro.schemaless_reader(io.BytesIO(value[5:]), schema, None)
    dead = [DeadLetter.from_bytes(v) for v in raw_kafka_values(f"{topic}.dlq")]
    assert {d.source["position"] for d in dead} == set(export.invalid_rows)

    figures = f"{dataset_id}.monthly_by_commune"
    real_hub.approvals.grant(figures, actor=Actor("token:it", agency="vp-ubnd"), note="it")
    first = _result_of(real_hub, figures)
    assert (first.status, first.action) == ("published", "created"), first.reason

    ckan = ckanapi.RemoteCKAN(CKAN_URL, apikey=ckan_token)
    package = ckan.action.package_show(id=portal_name(figures))
    assert package["organization"]["name"] == "vp-ubnd"
    assert len(package["resources"]) == 4
    resource = next(r for r in package["resources"] if r["name"].endswith("by-commune.csv"))
    download = httpx2.get(resource["url"], headers={"Authorization": ckan_token}, timeout=30)
    assert download.status_code == 200
    assert download.content.startswith(b"\xef\xbb\xbf")
    assert resource["hash"] == hashlib.sha256(download.content).hexdigest()
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    personal = real_hub.catalogue.schema(dataset_id).personal_fields
    assert rows and not personal & set(rows[0])
    counted = sum(int(r["dossiers"]) for r in rows if r["dossiers"])
    assert counted <= export.valid_rows  # groups under 5 dossiers are left empty

    second = _result_of(real_hub, figures)
    assert (second.action, second.uploads) == ("unchanged", ())
    again = ckan.action.package_show(id=portal_name(figures))
    assert again["metadata_modified"] == package["metadata_modified"]
    ckan.action.dataset_purge(id=package["id"])
