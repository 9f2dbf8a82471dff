"""The 766 index as open data on the real services: dossiers on Kafka, the index in PostgreSQL,
``kho index export``'s rows through the registry and the contract onto Kafka, and the publisher
writing CSV, JSON and Parquet with a DCAT-AP description naming the method version, to a folder
and to the real CKAN (whose ckanext-dcat serves that description). A month exported again
replaces its rows: no (unit, month, indicator) is published twice."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ckanapi
import httpx
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
import yaml
from pydantic import SecretStr
from rdflib import Graph
from rdflib.namespace import DCTERMS

from hub.app.wiring import Hub, build_hub
from hub.audit.entry import CLI
from hub.db import create_engine
from hub.index766.export import INDEX_EXPORT_DATASET
from hub.index766.periods import PROVINCE, Period
from hub.settings import KhoSettings
from opendata.publisher import portal_name
from tests.integration.conftest import CKAN_URL, KAFKA_URL, POSTGRES_URL
from tests.paths import CATALOGUE_DIR
from tests.unit.index766.index_records import dossier, feedback, publish

NOW = dt.datetime(2025, 10, 15, 12, 0, tzinfo=dt.UTC)
AUGUST = Period(2025, 8, "month")
SOURCES = ("tthc.dossiers", "feedback.citizen_feedback", INDEX_EXPORT_DATASET)


@pytest.fixture
def settings(tmp_path: Path, run_id: str) -> Iterator[KhoSettings]:
    """Kafka and PostgreSQL (tables in a schema of this run's own, dropped afterwards), with the
    dossier, feedback and index datasets and the index's publication renamed for this run."""
    schema = f"it_{run_id}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    raw = yaml.safe_load((CATALOGUE_DIR / "datasets.yaml").read_text("utf-8"))
    raw["datasets"] = [d for d in raw["datasets"] if d["id"] in SOURCES]
    for d in raw["datasets"]:
        d["id"] = f"{d['id']}_it{run_id}"
        d["topic"] = f"{d['topic']}.it{run_id}"
    catalogue = tmp_path / "datasets.yaml"
    catalogue.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    specs = yaml.safe_load((CATALOGUE_DIR / "publications.yaml").read_text("utf-8"))
    spec = next(p for p in specs["publications"] if p["id"] == INDEX_EXPORT_DATASET)
    spec.update(
        id=f"{INDEX_EXPORT_DATASET}_it{run_id}", dataset=f"{INDEX_EXPORT_DATASET}_it{run_id}"
    )
    publications = tmp_path / "publications.yaml"
    publications.write_text(
        yaml.safe_dump({"publications": [spec]}, allow_unicode=True), encoding="utf-8"
    )
    try:
        yield KhoSettings(
            data_dir=tmp_path / "kho",
            bus_url=KAFKA_URL,
            database_url=f"{POSTGRES_URL}?options=-csearch_path%3D{schema}",
            portal_url=f"folder:{tmp_path / 'opendata'}",
            catalogue_path=catalogue,
            publications_path=publications,
        )
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _index_a_sample(hub: Hub, run_id: str) -> None:
    """Dossiers of two agencies in July and August, one feedback, through the index worker."""
    dossiers, feedbacks = (f"{d}_it{run_id}" for d in SOURCES[:2])
    publish(
        hub,
        dossiers,
        [
            dossier(f"HS-{i}", agency="so-tp" if i % 2 else "so-xd", commune=f"3000{i % 3}",
                    received=f"2025-0{7 + i % 2}-0{1 + i % 9} 09:00",
                    due=f"2025-0{7 + i % 2}-2{i % 9} 17:00",
                    finished=f"2025-0{7 + i % 2}-1{i % 9} 10:00" if i % 4 else None)
            for i in range(24)
        ],
    )  # fmt: skip
    publish(hub, feedbacks, [feedback("PA-1", agency_code="so-tp", dossier_id="HS-1")])
    worker = hub.index_worker(
        group=f"kho.index766.it{run_id}", dossiers=dossiers, feedback=feedbacks
    )
    run = worker.drain(idle_timeout_s=60)
    assert run.drained and run.dossiers == 24
    with hub.engine.connect() as conn:  # the drain analysed the run's own tables
        analysed = conn.execute(
            sa.text(
                "SELECT relname FROM pg_stat_user_tables"
                " WHERE schemaname = current_schema() AND last_analyze IS NOT NULL"
            )
        ).scalars()
        assert {"index766_dossiers", "index766_tallies"} <= set(analysed)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_export_on_kafka_publishes_csv_json_parquet_and_dcat_with_the_method_version(
    settings: KhoSettings, run_id: str, ckan_token: str
) -> None:
    """Folder portal: the three files hold units × months × indicators rows, each triple once
    after August is exported again; the DCAT-AP description names the method version. CKAN:
    the same publication, whose served DCAT-AP carries the same description."""
    dataset = f"{INDEX_EXPORT_DATASET}_it{run_id}"
    with build_hub(settings) as hub:
        _index_a_sample(hub, run_id)
        export = hub.index_export(dataset)
        run = export.export_pending(NOW)
        assert [m.month.key for m in run.months] == ["2025-07", "2025-08"]
        assert run.refused == 0
        again = export.export_month(AUGUST, NOW)  # the same rows, written a second time
        assert again.rows == run.months[1].rows

        (result,) = hub.publisher().run(CLI)
        assert result.status == "published", result.reason
        folder = Path(result.location)
        name = portal_name(dataset)
        rows = _rows((folder / f"{name}.csv").read_text(encoding="utf-8"))
        units = 1 + 2 + 3  # the province, two agencies, three communes
        indicators = len(hub.index_method.indicators())
        assert len(rows) == result.rows == units * 2 * indicators
        triples = Counter((r["unit"], r["month"], r["indicator_id"]) for r in rows)
        assert max(triples.values()) == 1
        reader_says = hub.index_reader.figures(PROVINCE, AUGUST, NOW)
        province_august = [r for r in rows if (r["unit"], r["month"]) == ("province", "2025-08")]
        assert {float(r["unit_score"]) for r in province_august} == {reader_says.score}
        json_rows: list[dict[str, Any]] = json.loads((folder / f"{name}.json").read_text("utf-8"))
        parquet = pq.read_table(folder / f"{name}.parquet")
        assert len(json_rows) == parquet.num_rows == len(rows)
        assert parquet.column_names == list(rows[0])

        version = hub.index_method.version
        dcat = json.loads((folder / "dataset.jsonld").read_text(encoding="utf-8"))
        node = next(n for n in dcat["@graph"] if "dcat:Dataset" in n.get("@type", []))
        folder_text = {d["@language"]: d["@value"] for d in node["dct:description"]}
        assert f"phiên bản {version}" in folder_text["vi"]
        assert f"method version {version}" in folder_text["en"]

    on_ckan = settings.model_copy(
        update={"portal_url": f"ckan+{CKAN_URL}", "ckan_api_token": SecretStr(ckan_token)}
    )
    with build_hub(on_ckan) as hub, ckanapi.RemoteCKAN(CKAN_URL, apikey=ckan_token) as ckan:
        try:
            (result,) = hub.publisher().run(CLI)
            assert (result.status, result.rows) == ("published", len(rows)), result.reason
            served = httpx.get(f"{CKAN_URL}/dataset/{name}.ttl", timeout=30)
            served.raise_for_status()
            graph = Graph().parse(data=served.text, format="turtle")
            descriptions = {str(o) for o in graph.objects(None, DCTERMS.description)}
            assert any(f"phiên bản {version}" in text for text in descriptions), descriptions
            package = ckan.action.package_show(id=name)
            assert len(package["resources"]) == 4  # CSV, JSON, Parquet, data dictionary
        finally:
            try:
                ckan.action.dataset_purge(id=name)
            except ckanapi.NotFound:
                pass
