"""The publisher end to end on the embedded bus and the folder portal: approval decides what
goes out, files carry no personal column, runs are idempotent, revocation withdraws, and one
bad publication does not stop the others."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from connectors.config import load_connector_config
from connectors.runner import run_connector
from connectors.samples.dossiers import write_dossier_export
from hub.app.wiring import Hub, build_hub
from hub.audit.actions import DATASET_PUBLISH, DATASET_WITHDRAW
from hub.audit.entry import CLI, Actor, AuditFilter
from hub.bus.embedded import EmbeddedBus
from hub.bus.factory import embedded_path
from hub.bus.port import BusRecord, EventBus
from hub.settings import KhoSettings
from opendata.publisher import Publisher, PublishPolicy, PublishResult
from opendata.state import PublicationStates
from tests.paths import CATALOGUE_DIR, DOSSIER_CONNECTOR, PROJECT_ROOT, SCHEMAS_DIR

FIGURES = "tthc.dossiers.monthly_by_commune"
RECORDS = "tthc.dossiers"
STEWARD = Actor("token:steward-vp", agency="vp-ubnd")


def _ingest(hub: Hub, tmp_path: Path, rows: int) -> int:
    export = write_dossier_export(tmp_path / "hs.csv", rows=rows, seed=5)
    config = load_connector_config(DOSSIER_CONNECTOR)
    run_connector(config, export.path, hub.writer(config.dataset))
    return export.valid_rows


def _by_id(results: list[PublishResult]) -> dict[str, PublishResult]:
    return {r.publication_id: r for r in results}


def test_nothing_of_a_shared_dataset_is_published_before_approval(
    embedded_hub: Hub, tmp_path: Path
) -> None:
    _ingest(embedded_hub, tmp_path, 60)
    results = _by_id(embedded_hub.publisher().run(CLI))
    assert results[FIGURES].status == "waiting"
    assert results[FIGURES].reason == "chưa được phê duyệt công bố"
    assert results[RECORDS].status == "waiting"
    assert not list(Path(embedded_hub.settings.data_dir / "opendata").rglob("*.csv"))


def test_approved_figures_are_published_once_then_unchanged_then_withdrawn(
    embedded_hub: Hub, tmp_path: Path
) -> None:
    valid = _ingest(embedded_hub, tmp_path, 600)
    embedded_hub.approvals.grant(FIGURES, actor=STEWARD, note="số liệu tổng hợp")

    planned = _by_id(embedded_hub.publisher().run(CLI, plan=True))[FIGURES]
    assert (planned.status, planned.action) == ("planned", "created")
    assert len(planned.uploads) == 4
    portal_root = embedded_hub.settings.data_dir / "opendata"
    assert not portal_root.exists() or not any(portal_root.rglob("*.csv"))

    first = _by_id(embedded_hub.publisher().run(CLI))[FIGURES]
    assert (first.status, first.action) == ("published", "created"), first.reason
    folder = Path(first.location)
    raw = (folder / "tthc-dossiers-monthly-by-commune.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert set(rows[0]) == {
        "commune_code",
        "received_at_month",
        "dossiers",
        "online_rate_pct",
        "on_time_rate_pct",
        "mean_fee_vnd",
    }
    shown = sum(int(r["dossiers"]) for r in rows if r["dossiers"])
    hidden = [r for r in rows if not r["dossiers"]]
    assert hidden and all(r["online_rate_pct"] == "" for r in hidden)  # small groups suppressed
    assert 0 < shown < valid  # the suppressed groups' dossiers are not counted anywhere
    parquet = pq.read_table(folder / "tthc-dossiers-monthly-by-commune.parquet")
    assert parquet.num_rows == len(rows)
    assert (
        json.loads((folder / "tthc-dossiers-monthly-by-commune.json").read_bytes())[0].keys()
        == rows[0].keys()
    )
    dcat = json.loads((folder / "dataset.jsonld").read_text(encoding="utf-8"))
    text = json.dumps(dcat, ensure_ascii=False)
    assert "Hồ sơ thủ tục hành chính theo xã/phường và tháng" in text
    assert "Administrative procedure dossiers per commune per month" in text

    mtime = (folder / "tthc-dossiers-monthly-by-commune.csv").stat().st_mtime_ns
    second = _by_id(embedded_hub.publisher().run(CLI))[FIGURES]
    assert (second.status, second.action, second.uploads) == ("published", "unchanged", ())
    assert (folder / "tthc-dossiers-monthly-by-commune.csv").stat().st_mtime_ns == mtime
    assert (folder / "dataset.jsonld").read_text(encoding="utf-8") == json.dumps(
        dcat, ensure_ascii=False, indent=2, sort_keys=True
    ) + "\n"

    embedded_hub.approvals.revoke(FIGURES, actor=STEWARD, reason="rà soát lại")
    third = _by_id(embedded_hub.publisher().run(CLI))[FIGURES]
    assert (third.status, third.action) == ("withdrawn", "withdrawn")
    assert not folder.exists()
    fourth = _by_id(embedded_hub.publisher().run(CLI))[FIGURES]
    assert (fourth.status, fourth.action) == ("waiting", "absent")

    audit = embedded_hub.audit
    published = audit.query(AuditFilter(action=DATASET_PUBLISH))
    assert [e.details["outcome"] for e in published] == ["created", "unchanged"]
    assert published[0].details["publication"] == FIGURES
    withdrawn = audit.query(AuditFilter(action=DATASET_WITHDRAW))
    assert [e.details["reason"] for e in withdrawn] == ["phê duyệt công bố đã bị thu hồi"]
    assert audit.verify().ok


def test_records_failing_k_anonymity_are_blocked_and_the_others_still_publish(
    embedded_hub: Hub, tmp_path: Path
) -> None:
    _ingest(embedded_hub, tmp_path, 200)
    embedded_hub.approvals.grant(RECORDS, actor=STEWARD, note="hồ sơ không có người nộp")
    embedded_hub.approvals.grant(FIGURES, actor=STEWARD, note="số liệu tổng hợp")
    results = _by_id(embedded_hub.publisher().run(CLI))
    blocked = results[RECORDS]
    assert blocked.status == "blocked" and blocked.failed
    assert "k-ẩn danh (k=5) trên commune_code, procedure_code" in (blocked.reason or "")
    assert blocked.groups and all(g.rows < 5 for g in blocked.groups)
    assert results[FIGURES].status == "published"


class CountingBus(EmbeddedBus):
    """The real embedded bus on the hub's log, counting the fetches it answers."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.fetched: list[str] = []

    def fetch(self, topic: str, partition: int, offset: int, max_records: int) -> list[BusRecord]:
        self.fetched.append(topic)
        return super().fetch(topic, partition, offset, max_records)


def publisher_on(hub: Hub, bus: EventBus) -> Publisher:
    """A publisher reading this bus; its other ports are the hub's embedded ones: the decoder,
    the catalogues, the approvals, the folder portal, the publication states, the audit log."""
    return Publisher(
        bus=bus,
        decoder=hub.decoder,
        catalogue=hub.catalogue,
        publications=hub.publications,
        approvals=hub.approvals,
        portal=hub.publisher().portal,
        states=PublicationStates(hub.engine),
        audit=hub.audit,
        policy=PublishPolicy(),
    )


def test_publications_of_one_dataset_share_one_read_of_its_topic(
    embedded_hub: Hub, embedded_settings: KhoSettings, tmp_path: Path
) -> None:
    """Fetches are counted by a real embedded bus on the hub's log, passed to the publisher."""
    _ingest(embedded_hub, tmp_path, 300)
    embedded_hub.approvals.grant(RECORDS, actor=STEWARD, note="hồ sơ không có người nộp")
    embedded_hub.approvals.grant(FIGURES, actor=STEWARD, note="số liệu tổng hợp")
    bus = CountingBus(embedded_path(embedded_settings.bus_url))
    fetched = bus.fetched
    publisher = publisher_on(embedded_hub, bus)
    alone = _by_id(publisher.run(CLI, only=[FIGURES]))[FIGURES]
    assert (alone.status, alone.action) == ("published", "created"), alone.reason
    reads_for_one = fetched.count(RECORDS)
    assert reads_for_one > 0
    fetched.clear()

    together = _by_id(publisher.run(CLI, only=[RECORDS, FIGURES]))
    assert fetched.count(RECORDS) == reads_for_one  # two publications, one pass
    assert together[RECORDS].status == "blocked"  # k-anonymity, as on its own
    figures = together[FIGURES]
    assert (figures.status, figures.action, figures.rows) == ("published", "unchanged", alone.rows)
    bus.close()


def test_a_publication_removed_from_the_catalogue_is_withdrawn(
    embedded_settings: KhoSettings, tmp_path: Path
) -> None:
    hub = build_hub(embedded_settings)
    try:
        _ingest(hub, tmp_path, 600)
        hub.approvals.grant(FIGURES, actor=STEWARD, note="số liệu tổng hợp")
        published = _by_id(hub.publisher().run(CLI))[FIGURES]
        assert published.status == "published", published.reason
    finally:
        hub.close()
    declared = yaml.safe_load((CATALOGUE_DIR / "publications.yaml").read_text("utf-8"))
    declared["publications"] = [p for p in declared["publications"] if p["id"] != FIGURES]
    without = tmp_path / "publications.yaml"
    without.write_text(yaml.safe_dump(declared, allow_unicode=True), "utf-8")

    hub = build_hub(embedded_settings.model_copy(update={"publications_path": without}))
    try:
        planned = _by_id(hub.publisher().run(CLI, plan=True))[FIGURES]
        assert (planned.status, planned.action) == ("planned", "withdrawn")
        assert Path(published.location).exists()  # a plan changes nothing
        gone = _by_id(hub.publisher().run(CLI))[FIGURES]
        assert (gone.status, gone.reason) == (
            "withdrawn",
            "ấn phẩm không còn trong danh mục dữ liệu mở",
        )
        assert not Path(published.location).exists()
        assert FIGURES not in _by_id(hub.publisher().run(CLI))  # withdrawn once, then forgotten
        (entry,) = hub.audit.query(AuditFilter(action=DATASET_WITHDRAW))
        assert entry.details["publication"] == FIGURES
    finally:
        hub.close()


@pytest.fixture
def unmarked_settings(tmp_path: Path, embedded_settings: KhoSettings) -> KhoSettings:
    """The real catalogue, but the OCOP product schema has lost its personal marks while the
    catalogue still says the dataset holds personal fields to drop (open_projection)."""
    schemas = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_DIR, schemas)
    products = schemas / "ocop" / "product.avsc"
    definition = json.loads(products.read_text(encoding="utf-8"))
    for field in definition["fields"]:
        field.pop("personal", None)
    products.write_text(json.dumps(definition, ensure_ascii=False), encoding="utf-8")
    return embedded_settings.model_copy(update={"schemas_dir": schemas})


def test_a_schema_without_personal_marks_stops_its_publications_only(
    unmarked_settings: KhoSettings, tmp_path: Path
) -> None:
    hub = build_hub(unmarked_settings)
    try:
        _ingest(hub, tmp_path, 600)
        hub.approvals.grant(FIGURES, actor=STEWARD, note="số liệu")
        results = _by_id(hub.publisher().run(CLI))
        assert results["ocop.products"].status == "blocked"
        assert "product.avsc không đánh dấu trường nào" in (results["ocop.products"].reason or "")
        assert results[FIGURES].status == "published"  # the others went on
        assert not hub.catalogue.entry("ocop.products").open_projection  # nothing of it public
    finally:
        hub.close()


def test_the_exported_catalogue_lists_what_is_public_and_conforms_to_dcat_ap(
    embedded_hub: Hub,
    embedded_settings: KhoSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`kho dcat` after a real publication: one dataset (the approved figures), its four
    distributions with the files' checksums, valid against the DCAT-AP 3.0.1 shapes."""
    from pyshacl import validate
    from rdflib import Graph, URIRef
    from rdflib.namespace import DCAT
    from typer.testing import CliRunner

    from hub.app.cli.root import app

    _ingest(embedded_hub, tmp_path, 600)
    embedded_hub.approvals.grant(FIGURES, actor=STEWARD, note="số liệu tổng hợp")
    (published,) = [r for r in embedded_hub.publisher().run(CLI) if r.status == "published"]
    for name, value in {
        "KHO_DATA_DIR": embedded_settings.data_dir,
        "KHO_BUS_URL": embedded_settings.bus_url,
        "KHO_DATABASE_URL": embedded_settings.database_url,
        "KHO_PORTAL_URL": embedded_settings.portal_url,
    }.items():
        monkeypatch.setenv(name, str(value))
    out = tmp_path / "catalog.ttl"
    answer = CliRunner().invoke(app, ["dcat", "--format", "turtle", "--out", str(out)])
    assert answer.exit_code == 0, answer.output
    graph = Graph().parse(out, format="turtle")
    datasets = set(graph.subjects(predicate=None, object=DCAT.Dataset))
    assert datasets == {URIRef((Path(published.location)).resolve().as_uri())}
    checksums = {
        str(v) for v in graph.objects(None, URIRef("http://spdx.org/rdf/terms#checksumValue"))
    }
    files = [p for p in Path(published.location).iterdir() if p.name != "dataset.jsonld"]
    import hashlib

    assert checksums == {hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    shapes = Graph().parse(
        PROJECT_ROOT / "tests" / "fixtures" / "dcat-ap-3.0.1" / "dcat-ap-SHACL.ttl", format="turtle"
    )
    conforms, _, text = validate(graph, shacl_graph=shapes, allow_warnings=True)
    assert conforms, text
