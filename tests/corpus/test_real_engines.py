"""The corpus on the real engines (marked integration): the ingest API on Kafka and
PostgreSQL, and the SQL connector reading PostgreSQL and MariaDB tables holding the bad
values. Accepted records are on the Kafka topic, refused ones in its DLQ, counted there."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from connectors.config import load_connector_config
from connectors.runner import run_batch
from connectors.samples.dossiers import dossier_documents, write_dossier_export
from connectors.sources.sql import SqlTableSource
from hub.app.api import build_app
from hub.app.cli.connector import checkpoint_store
from hub.app.wiring import Hub
from hub.auth.tokens import Role
from hub.bus.reading import read_all
from hub.ingest.dead_letter import DeadLetter
from tests.corpus.inputs import bad_values, splice
from tests.corpus.tally import Tally
from tests.integration.department_db import DepartmentTable
from tests.paths import DOSSIER_CONNECTOR

pytestmark = pytest.mark.integration

CSV_CONFIG = load_connector_config(DOSSIER_CONNECTOR)
FIELDS = {
    "text": "procedure_name",
    "key": "dossier_id",
    "number": "fee_vnd",
    "code": "commune_code",
}


def _counts_on(hub: Hub, dataset: str) -> tuple[int, list[DeadLetter]]:
    entry = hub.catalogue.entry(dataset)
    accepted = sum(1 for _ in read_all(hub.bus, entry.topic))
    letters = [DeadLetter.from_bytes(r.value) for r in read_all(hub.bus, entry.dlq_topic)]
    return accepted, letters


@pytest.mark.usefixtures("no_tracebacks")
def test_bad_values_through_the_api_on_kafka(
    kafka_hub: Hub, isolated_catalogue: tuple[Path, str], tally: Tally
) -> None:
    """Each bad value in a partial batch on Kafka: on the topic or in the DLQ with its reason;
    the oversized text (0.6 MB) fits Kafka's message size and is on the topic."""
    dataset = isolated_catalogue[1]
    entry = kafka_hub.catalogue.entry(dataset)
    client = TestClient(build_app(kafka_hub), raise_server_exceptions=False)
    token = kafka_hub.tokens.create(entry.owner, frozenset({Role.PRODUCER})).plaintext
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    counts = tally.path("ingest API on Kafka: values")
    values = bad_values()
    bodies = []
    for i, value in enumerate(values):
        document = dossier_documents(1, seed=500 + i)[0]
        document["dossier_id"] = f"CORPUS-{i:04d}"
        bodies.append(splice(document, FIELDS[value.target], value))
    url = f"/api/v1/datasets/{dataset}/records"
    answer = client.post(
        url, params={"mode": "partial"}, content=b"[" + b",".join(bodies) + b"]", headers=headers
    )
    assert answer.status_code == 200, answer.text[:300]
    body = answer.json()
    for _ in range(body["accepted_count"]):
        counts.sent_one("accepted")
    for _ in range(body["rejected_count"]):
        counts.sent_one("dead_lettered")
    assert counts.adds_up() and counts.sent == len(values)
    refused = {i for i, v in enumerate(values) if v.expect == "refused"}
    assert {r["index"] for r in body["rejected"]} == refused
    accepted, letters = _counts_on(kafka_hub, dataset)
    assert accepted == counts.outcomes["accepted"]
    assert len(letters) == counts.outcomes["dead_lettered"]
    assert all(letter.reason and letter.original for letter in letters)


@pytest.mark.usefixtures("no_tracebacks")
def test_bad_values_in_department_tables(
    kafka_hub: Hub,
    isolated_catalogue: tuple[Path, str],
    department: DepartmentTable,
    tmp_path: Path,
    tally: Tally,
) -> None:
    """The bad values a departmental table can hold (PostgreSQL refuses NUL; its columns hold
    400 characters), read by the SQL connector: on the topic or dead-lettered as the corpus
    says, each once."""
    dataset = isolated_catalogue[1]
    export = write_dossier_export(tmp_path / "a.csv", rows=2, seed=61, invalid_share=0.0)
    header, *rows = csv.reader(io.StringIO(export.path.read_text("utf-8-sig"), newline=""))
    cases = [
        v
        for v in bad_values()
        if not v.json_only and "\x00" not in v.cell_text() and len(v.cell_text()) <= 400
    ]
    lines = []
    for i, value in enumerate(cases):
        row = list(rows[i % len(rows)])
        row[header.index(CSV_CONFIG.fields["dossier_id"].column or "")] = f"SQL-{i:04d}"
        column = CSV_CONFIG.fields[FIELDS[value.target]].column or ""
        row[header.index(column)] = value.cell_text()
        lines.append(row)
    path = tmp_path / "values.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *lines])
    department.load(path, CSV_CONFIG)
    config = department.connector(CSV_CONFIG, f"sql-{uuid.uuid4().hex[:8]}", dataset)
    source = SqlTableSource(config, config.source, {})  # type: ignore[arg-type]
    writer = kafka_hub.writer(dataset)
    try:
        run = run_batch(
            config, source, writer, kafka_hub.bus, checkpoint_store(kafka_hub), finite=False
        )
    finally:
        source.close()
    kind = "PostgreSQL" if department.url.startswith("postgresql") else "MariaDB"
    counts = tally.path(f"SQL connector ({kind}): values")
    for _ in range(run.report.accepted):
        counts.sent_one("accepted")
    for _ in range(run.report.rejected):
        counts.sent_one("dead_lettered")
    assert counts.sent == len(cases) and counts.adds_up()
    expected_refused = sum(1 for v in cases if v.expect == "refused")
    accepted, letters = _counts_on(kafka_hub, dataset)
    assert (accepted, len(letters)) == (len(cases) - expected_refused, expected_refused), [
        json.loads(letter.original) for letter in letters
    ]


@pytest.mark.usefixtures("no_tracebacks")
def test_a_record_over_kafkas_message_size_is_refused_not_a_500(
    kafka_hub: Hub, isolated_catalogue: tuple[Path, str]
) -> None:
    """1.5 million characters in one text field (3 MB encoded), beside a good record: a 422
    naming the rule ``record_too_large`` in atomic mode, with nothing published; in partial
    mode the good record is on the topic and the large one a dead letter that fits the DLQ,
    keeping the head of its original with the whole original's size and SHA-256."""
    dataset = isolated_catalogue[1]
    entry = kafka_hub.catalogue.entry(dataset)
    client = TestClient(build_app(kafka_hub), raise_server_exceptions=False)
    token = kafka_hub.tokens.create(entry.owner, frozenset({Role.PRODUCER})).plaintext
    good, large = dossier_documents(2, seed=71)
    large["procedure_name"] = "Đ" * 1_500_000
    url = f"/api/v1/datasets/{dataset}/records"
    headers = {"Authorization": f"Bearer {token}"}
    atomic = client.post(url, json=[good, large], headers=headers)
    assert atomic.status_code == 422, atomic.text[:300]
    assert "record_too_large" in atomic.text and _counts_on(kafka_hub, dataset) == (0, [])
    partial = client.post(url, params={"mode": "partial"}, json=[good, large], headers=headers)
    assert partial.status_code == 200, partial.text[:300]
    assert (partial.json()["accepted_count"], partial.json()["rejected_count"]) == (1, 1)
    accepted, letters = _counts_on(kafka_hub, dataset)
    assert accepted == 1 and len(letters) == 1
    letter = letters[0]
    whole = json.dumps(large, ensure_ascii=False).encode("utf-8")
    assert [v.rule for v in letter.violations] == ["record_too_large"]
    assert letter.original_size == len(whole) and whole.startswith(letter.original)
    assert letter.original_sha256 == hashlib.sha256(whole).hexdigest()
