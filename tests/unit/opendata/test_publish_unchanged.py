"""Cost that grows with change: an unchanged publication is answered from what its last publish
recorded without one read of its topic, and so is a ``--watch`` poll; a new record, a changed
catalogue entry or a changed (and re-approved) spec makes the publisher read and publish again;
two publishers of one hub never run at once."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import yaml

from connectors.config import load_connector_config
from connectors.runner import run_connector
from connectors.samples.dossiers import write_dossier_export
from hub.app.wiring import Hub, build_hub
from hub.audit.actions import DATASET_PUBLISH
from hub.audit.entry import CLI, Actor, AuditFilter
from hub.bus.factory import embedded_path
from hub.settings import KhoSettings
from opendata.publish_lock import publish_lock
from opendata.publisher import NOTHING_CHANGED, PublishResult
from opendata.state import PublicationStates
from opendata.watch import PublishWatch
from tests.paths import CATALOGUE_DIR, DOSSIER_CONNECTOR
from tests.unit.opendata.test_publisher_folder import CountingBus, publisher_on
from tests.unit.test_cli import kho

FIGURES = "tthc.dossiers.monthly_by_commune"
DOSSIERS = "tthc.dossiers"
STEWARD = Actor("token:steward-vp", agency="vp-ubnd")


def _ingest(hub: Hub, folder: Path, rows: int, seed: int) -> None:
    export = write_dossier_export(folder / f"hs-{seed}.csv", rows=rows, seed=seed)
    config = load_connector_config(DOSSIER_CONNECTOR)
    run_connector(config, export.path, hub.writer(config.dataset))


def _figures(results: list[PublishResult]) -> PublishResult:
    return next(r for r in results if r.publication_id == FIGURES)


def published_once(hub: Hub, tmp_path: Path) -> PublishResult:
    _ingest(hub, tmp_path, 300, seed=5)
    hub.approvals.grant(FIGURES, actor=STEWARD, note="số liệu tổng hợp")
    first = _figures(hub.publisher().run(CLI, only=[FIGURES]))
    assert (first.status, first.action) == ("published", "created"), first.reason
    return first


def test_an_unchanged_publication_is_answered_without_reading_its_topic(
    embedded_hub: Hub, embedded_settings: KhoSettings, tmp_path: Path
) -> None:
    """Fetches are counted by a real embedded bus on the hub's log: none on the second run,
    which still reports the rows and location and audits an ``unchanged`` publish."""
    first = published_once(embedded_hub, tmp_path)
    bus = CountingBus(embedded_path(embedded_settings.bus_url))
    try:
        again = _figures(publisher_on(embedded_hub, bus).run(CLI, only=[FIGURES]))
        planned = _figures(publisher_on(embedded_hub, bus).run(CLI, only=[FIGURES], plan=True))
        assert bus.fetched == []
        assert (again.status, again.action, again.reason) == (
            "published",
            "unchanged",
            NOTHING_CHANGED,
        )
        assert (again.rows, again.location) == (first.rows, first.location)
        assert (planned.status, planned.action) == ("planned", "unchanged")
        entries = embedded_hub.audit.query(AuditFilter(action=DATASET_PUBLISH))
        assert [e.details["outcome"] for e in entries] == ["created", "unchanged"]
        assert entries[1].details["topic_read"] is False
        assert entries[1].details["files"] == entries[0].details["files"]

        forced = _figures(publisher_on(embedded_hub, bus).run(CLI, only=[FIGURES], full=True))
        assert (forced.action, forced.rows) == ("unchanged", first.rows)
        assert bus.fetched.count(DOSSIERS) > 0  # --full reads the topic
    finally:
        bus.close()


def test_a_new_record_on_the_topic_is_read_and_published(
    embedded_hub: Hub, embedded_settings: KhoSettings, tmp_path: Path
) -> None:
    """New records move the topic's end offsets: the publisher reads and updates the files."""
    first = published_once(embedded_hub, tmp_path)
    _ingest(embedded_hub, tmp_path, 50, seed=6)
    bus = CountingBus(embedded_path(embedded_settings.bus_url))
    try:
        again = _figures(publisher_on(embedded_hub, bus).run(CLI, only=[FIGURES]))
        assert bus.fetched.count(DOSSIERS) > 0
        assert (again.status, again.action) == ("published", "updated"), again.reason
        assert again.reason is None and again.rows >= first.rows
    finally:
        bus.close()


def test_a_changed_catalogue_entry_is_read_and_published_again(
    embedded_hub: Hub, embedded_settings: KhoSettings, tmp_path: Path
) -> None:
    """New keywords in the dataset's catalogue entry change the portal's metadata, so the
    publisher must not answer from its record."""
    published_once(embedded_hub, tmp_path)
    raw = yaml.safe_load((CATALOGUE_DIR / "datasets.yaml").read_text(encoding="utf-8"))
    entry = next(d for d in raw["datasets"] if d["id"] == DOSSIERS)
    entry["keywords"] = [*entry.get("keywords", []), "chỉ số mới"]
    catalogue = tmp_path / "datasets.yaml"
    catalogue.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    hub = build_hub(embedded_settings.model_copy(update={"catalogue_path": catalogue}))
    bus = CountingBus(embedded_path(embedded_settings.bus_url))
    try:
        again = _figures(publisher_on(hub, bus).run(CLI, only=[FIGURES]))
        assert bus.fetched.count(DOSSIERS) > 0
        assert (again.status, again.action) == ("published", "updated"), again.reason
    finally:
        bus.close()
        hub.close()


def test_a_changed_and_reapproved_spec_is_read_and_published_again(
    embedded_hub: Hub, embedded_settings: KhoSettings, tmp_path: Path
) -> None:
    """A new title in the spec: once a steward approves it again, the publisher reads the
    topic and the portal's title changes."""
    published_once(embedded_hub, tmp_path)
    raw = yaml.safe_load((CATALOGUE_DIR / "publications.yaml").read_text(encoding="utf-8"))
    spec = next(p for p in raw["publications"] if p["id"] == FIGURES)
    spec["title"] = {"vi": "Hồ sơ theo xã và tháng (bản mới)", "en": "Dossiers by commune"}
    publications = tmp_path / "publications.yaml"
    publications.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    hub = build_hub(embedded_settings.model_copy(update={"publications_path": publications}))
    bus = CountingBus(embedded_path(embedded_settings.bus_url))
    try:
        hub.approvals.grant(FIGURES, actor=STEWARD, note="tên mới")
        again = _figures(publisher_on(hub, bus).run(CLI, only=[FIGURES]))
        assert bus.fetched.count(DOSSIERS) > 0
        assert (again.status, again.action) == ("published", "updated"), again.reason
        jsonld = (Path(again.location) / "dataset.jsonld").read_text(encoding="utf-8")
        assert "Hồ sơ theo xã và tháng (bản mới)" in jsonld
    finally:
        bus.close()
        hub.close()


def test_a_second_publisher_waits_for_the_running_one(
    embedded_hub: Hub, embedded_settings: KhoSettings, tmp_path: Path
) -> None:
    """While the hub's publish lock is held (as by a running ``kho publish``), another run
    says it waits and writes nothing to the portal; once released it publishes."""
    _ingest(embedded_hub, tmp_path, 200, seed=5)
    embedded_hub.approvals.grant(FIGURES, actor=STEWARD, note="số liệu tổng hợp")
    waiting = threading.Event()
    results: list[PublishResult] = []
    portal = embedded_settings.data_dir / "opendata"
    running = publish_lock(embedded_hub.engine, embedded_settings.data_dir)
    with running():
        second = threading.Thread(
            target=lambda: results.extend(
                embedded_hub.publisher(on_lock_wait=waiting.set).run(CLI, only=[FIGURES])
            )
        )
        second.start()
        assert waiting.wait(timeout=30)
        second.join(timeout=1)
        assert second.is_alive()
        assert not portal.exists() or not any(portal.rglob("*.csv"))
    second.join(timeout=120)
    assert not second.is_alive()
    assert (_figures(results).status, _figures(results).action) == ("published", "created")


def test_a_watch_poll_with_nothing_new_reads_no_record(
    embedded_hub: Hub, embedded_settings: KhoSettings, tmp_path: Path
) -> None:
    """``--watch`` compares end offsets first: after a publish, polls on an unchanged topic
    fetch nothing and publish nothing; a new record makes the next poll read it."""
    published_once(embedded_hub, tmp_path)
    now = [dt.datetime.now(dt.UTC)]
    bus = CountingBus(embedded_path(embedded_settings.bus_url))
    try:
        watch = PublishWatch(
            publisher_on(embedded_hub, bus),
            PublicationStates(embedded_hub.engine),
            embedded_hub.catalogue.catalogue,
            embedded_hub.publications,
            bus,
            continuous_interval_s=0.001,
            clock=lambda: now[0],
        )
        polls = [watch.cycle(CLI) for _ in range(3)]
        assert bus.fetched == []
        # Open datasets whose topics are still empty answer "waiting" each poll, also unread.
        assert {r.status for poll in polls for r in poll} <= {"waiting"}
        assert FIGURES not in {r.publication_id for poll in polls for r in poll}
        _ingest(embedded_hub, tmp_path, 20, seed=7)
        now[0] += dt.timedelta(days=400)  # past any update frequency of the dataset
        republished = _figures(watch.cycle(CLI))
        assert (republished.status, republished.action) == ("published", "updated")
        assert bus.fetched.count(DOSSIERS) > 0
    finally:
        bus.close()


def test_a_watch_poll_publishes_a_reapproved_spec_on_the_same_records(
    embedded_hub: Hub, embedded_settings: KhoSettings, tmp_path: Path
) -> None:
    """No new record, but the spec's title changed and was approved again: the next poll
    republishes it, and the poll after that has nothing to do."""
    published_once(embedded_hub, tmp_path)
    raw = yaml.safe_load((CATALOGUE_DIR / "publications.yaml").read_text(encoding="utf-8"))
    spec = next(p for p in raw["publications"] if p["id"] == FIGURES)
    spec["title"] = {"vi": "Hồ sơ theo xã và tháng (tên mới)", "en": "Dossiers by commune"}
    publications = tmp_path / "publications.yaml"
    publications.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    hub = build_hub(embedded_settings.model_copy(update={"publications_path": publications}))
    try:
        hub.approvals.grant(FIGURES, actor=STEWARD, note="tên mới")
        watch = PublishWatch(
            hub.publisher(),
            PublicationStates(hub.engine),
            hub.catalogue.catalogue,
            hub.publications,
            hub.bus,
            continuous_interval_s=300,
        )
        assert FIGURES in watch.due()
        republished = _figures(watch.cycle(CLI))
        assert (republished.status, republished.action) == ("published", "updated")
        assert FIGURES not in watch.due()
    finally:
        hub.close()


def test_kho_publish_says_nothing_changed(tmp_path: Path, cli_hub: Hub) -> None:
    """A second ``kho publish`` on the same data: exit 0 and one sentence saying nothing
    changed and no topic was read."""
    published_once(cli_hub, tmp_path)
    again = kho(["publish", "--only", FIGURES], tmp_path)
    assert again.returncode == 0, again.stderr
    said = " ".join(again.stdout.split())  # whatever the terminal's width
    assert "Không có gì thay đổi: 1 ấn phẩm giữ nguyên như lần công bố trước" in said
