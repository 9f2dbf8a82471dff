"""The demo: a seeded dossier export flows CSV → Avro on the bus → open-data portal, and its
masked projection onto ``<topic>.masked``; finished dossiers become evidence in the
provide-once store, and one is reused to prefill a new dossier; the 766 index worker keeps the
dossiers' latest states, the latest closed month's figures become open data, and the summary
gives the province's score for the latest month.

The connector runs from its checkpoint, as ``kho connector run`` does: a second demo in the same
data folder finds the same sample already taken and puts nothing on the topic again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from connectors.checkpoints import CheckpointStore
from connectors.config import load_connector_config
from connectors.runner import RunSummary, run_batch
from connectors.samples.dossiers import write_dossier_export
from connectors.sources.files import FileSource
from hub.app.wiring import Hub
from hub.audit.entry import CLI, Actor
from hub.audit.trail import record_write
from hub.db import create_tables
from hub.index766.export import MonthExport
from hub.index766.figures import IndexFigures
from hub.index766.periods import PROVINCE
from hub.index766.worker import IndexRun
from hub.ingest.writer import IngestReport
from hub.provide_once.dossier_feed import DossierFeed, FeedRun
from hub.provide_once.prefill import PrefillAnswer
from hub.sharing.masked_worker import MaskingRun
from opendata.publisher import PublishResult

DOSSIER_CONNECTOR = "tthc-dossiers.yaml"
"""The shipped dossier connector, in the settings' connectors folder."""


@dataclass
class DemoSummary:
    source: Path
    run: RunSummary
    """The connector's run over the sample, from its checkpoint."""
    published: list[PublishResult]
    masked: MaskingRun
    evidence: FeedRun
    feed: DossierFeed
    prefill: PrefillAnswer | None
    index: IndexRun
    """The 766 index worker's run over the dossiers the connector put on the topic."""
    province_index: IndexFigures | None
    """The province's 766 index for the latest month with dossiers, judged now."""
    index_export: MonthExport | None
    """The latest closed month's figures put on ``tthc.index766_monthly`` (None: already
    there, or no closed month with dossiers)."""

    @property
    def ingest(self) -> IngestReport:
        return self.run.report

    @property
    def nothing_new(self) -> bool:
        """The sample was taken by an earlier run: this one read no record from it."""
        report = self.run.report
        return self.run.resumed_after is not None and not (report.accepted or report.rejected)


DOSSIER_FIGURES = "tthc.dossiers.monthly_by_commune"
MARRIAGE_PROCEDURE = "1.000894"
"""Đăng ký kết hôn: the commune may reuse the applicant's birth certificate by law."""


def run_demo(hub: Hub, *, rows: int = 400, seed: int = 766) -> DemoSummary:
    export = write_dossier_export(
        hub.settings.data_dir / "samples" / "ho-so-tthc.csv", rows=rows, seed=seed
    )
    config = load_connector_config(hub.settings.connectors_dir / DOSSIER_CONNECTOR)
    create_tables(hub.engine)  # the checkpoint table joined the metadata with its module
    checkpoints = CheckpointStore(hub.engine, save_every_s=hub.settings.checkpoint_interval_s)
    run = run_batch(
        config, FileSource(config, export.path), hub.writer(config.dataset), hub.bus, checkpoints
    )
    report = run.report
    record_write(hub.audit, CLI, report.dataset, report.audit_details(export.path.name))
    indexer = hub.index_worker()
    index = indexer.drain(idle_timeout_s=10)
    masked = hub.masking_worker([config.dataset]).drain()
    feed = hub.dossier_feed(config.dataset)
    evidence = feed.drain(idle_timeout_s=10)
    indexer.refresh_evidence()  # the results the feed just stored count in the index
    # After the feed, so results stored as evidence count; before publishing, so the index's
    # latest closed month is on the portal too.
    index_export = hub.index_export().export_latest(dt.datetime.now(dt.UTC))
    published = _publish_with_approval(hub)
    return DemoSummary(
        source=export.path,
        run=run,
        published=published,
        masked=masked,
        evidence=evidence,
        feed=feed,
        prefill=_prefill_a_marriage(hub),
        index=index,
        province_index=_province_index(hub),
        index_export=index_export,
    )


def _province_index(hub: Hub) -> IndexFigures | None:
    """The province's index for the latest month a dossier was received in (after the evidence
    feed, so results stored as evidence count), or None when the index is empty."""
    reader = hub.index_reader
    month = reader.latest_month()
    if month is None:
        return None
    return reader.figures(PROVINCE, month, dt.datetime.now(dt.UTC))


def _publish_with_approval(hub: Hub) -> list[PublishResult]:
    """The dossiers' owner (Văn phòng UBND tỉnh) approves the monthly per-commune figures for
    the open-data portal, as its steward would; then every publication allowed is published.
    The record-level dossier publication stays waiting for its own approval."""
    steward = Actor("system:demo", agency="vp-ubnd")
    hub.approvals.grant(
        DOSSIER_FIGURES, actor=steward, note="Bản demo: số liệu tổng hợp, nhóm nhỏ để trống"
    )
    return hub.publisher().run(CLI)


def _prefill_a_marriage(hub: Hub) -> PrefillAnswer | None:
    """A commune opens a marriage dossier for someone whose birth was registered in the sample:
    the birth certificate comes from the store instead of from the citizen."""
    holders = hub.provide_once.evidence.holders_of("giay-khai-sinh", limit=1)
    if not holders:
        return None
    officer = Actor("system:demo", agency="vp-ubnd")
    return hub.provide_once.prefill(holders[0], MARRIAGE_PROCEDURE, actor=officer)
