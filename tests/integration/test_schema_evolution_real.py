"""Schema evolution on the real engines: a hub on Kafka and PostgreSQL whose catalogue still
names the dossier schema's version 1 takes an older producer's records; the hub of this version
then starts on the same database, registers version 2 as the subject's next version, takes new
records, and reads the whole topic, version 1 records with version 2's defaults."""

from __future__ import annotations

from pathlib import Path

import fastavro
import yaml
from starlette.testclient import TestClient

from connectors.samples.dossiers import dossier_documents
from hub.app.api import build_app
from hub.app.wiring import Hub, build_hub
from hub.auth.tokens import Role
from hub.bus.reading import read_all
from hub.ingest.dead_letter import DeadLetter
from hub.registry import DatabaseSchemaRegistry, subject_for_topic
from hub.settings import KhoSettings
from tests.integration.conftest import KAFKA_URL, POSTGRES_URL

INDEX_FIELDS = (
    "synced_national",
    "result_digitised",
    "components_total",
    "components_digitised",
    "reused_components",
    "satisfaction",
)


def _hub(tmp_path: Path, catalogue: Path) -> Hub:
    return build_hub(
        KhoSettings(
            data_dir=tmp_path / "kho",
            bus_url=KAFKA_URL,
            database_url=POSTGRES_URL,
            portal_url=f"folder:{tmp_path / 'opendata'}",
            catalogue_path=catalogue,
        )
    )


def _post(hub: Hub, dataset: str, documents: list[dict[str, object]]) -> dict[str, object]:
    entry = hub.catalogue.entry(dataset)
    token = hub.tokens.create(entry.owner, frozenset({Role.PRODUCER})).plaintext
    answer = TestClient(build_app(hub)).post(
        f"/api/v1/datasets/{dataset}/records",
        params={"mode": "partial"},
        json=documents,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def test_version_2_follows_version_1_on_kafka_and_postgresql(
    tmp_path: Path, isolated_catalogue: tuple[Path, str]
) -> None:
    """Versions 1 and 2 of the subject; every record on the topic read as version 2."""
    current_catalogue, dataset = isolated_catalogue
    raw = yaml.safe_load(current_catalogue.read_text(encoding="utf-8"))
    earlier_entry = raw["datasets"][0]
    earlier_entry["schema"] = "tthc/history/dossier.v1.avsc"  # and version 1's rules
    earlier_entry["contract"] = [
        r for r in earlier_entry["contract"] if r["field"] not in INDEX_FIELDS
    ]
    earlier_catalogue = tmp_path / "datasets-v1.yaml"
    earlier_catalogue.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    older = [
        {k: v for k, v in d.items() if k not in INDEX_FIELDS} for d in dossier_documents(5, seed=61)
    ]
    newer = dossier_documents(5, seed=62, start=100)
    contradicting = dossier_documents(1, seed=63, start=200)[0]
    contradicting |= {"components_total": 1, "components_digitised": 3}

    earlier = _hub(tmp_path / "v1", earlier_catalogue)
    try:
        assert _post(earlier, dataset, older)["accepted_count"] == 5
        topic = earlier.catalogue.entry(dataset).topic
    finally:
        earlier.close()

    hub = _hub(tmp_path / "v2", current_catalogue)
    try:
        subject = subject_for_topic(topic)
        registry = DatabaseSchemaRegistry(hub.engine)
        assert registry.versions(subject) == [1, 2]
        body = _post(hub, dataset, [*newer, contradicting])
        assert body["accepted_count"] == 5
        reader = fastavro.parse_schema(hub.catalogue.schema(dataset).definition)
        records = {
            r["dossier_id"]: r
            for r in (hub.decoder.decode(m.value, reader) for m in read_all(hub.bus, topic))
        }
        assert set(records) == {d["dossier_id"] for d in [*older, *newer]}
        for document in older:
            record = records[str(document["dossier_id"])]
            assert (record["synced_national"], record["components_total"]) == (False, 0)
            assert record["satisfaction"] == "none"
        for document in newer:
            record = records[str(document["dossier_id"])]
            assert {f: record[f] for f in INDEX_FIELDS} == {f: document[f] for f in INDEX_FIELDS}
        entry = hub.catalogue.entry(dataset)
        (letter,) = [DeadLetter.from_bytes(m.value) for m in read_all(hub.bus, entry.dlq_topic)]
        assert [v.rule for v in letter.violations] == ["digitised_within_total"]
    finally:
        hub.close()
