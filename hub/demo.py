"""The demo: a seeded dossier export flows CSV → Avro on the bus → open-data portal, and its
masked projection onto ``<topic>.masked``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from connectors.config import load_connector_config
from connectors.runner import run_connector
from connectors.samples.dossiers import write_dossier_export
from hub.audit.entry import CLI
from hub.audit.trail import record_ingest, record_publications
from hub.ingest.writer import IngestReport
from hub.settings import PROJECT_ROOT
from hub.sharing.masked_worker import MaskingRun, MaskingWorker
from hub.wiring import Hub
from opendata.publisher import PublishResult

DOSSIER_CONNECTOR = PROJECT_ROOT / "connectors" / "configs" / "tthc-dossiers.yaml"


@dataclass
class DemoSummary:
    source: Path
    ingest: IngestReport
    published: list[PublishResult]
    masked: MaskingRun


def run_demo(hub: Hub, *, rows: int = 400, seed: int = 766) -> DemoSummary:
    export = write_dossier_export(
        hub.settings.data_dir / "samples" / "ho-so-tthc.csv", rows=rows, seed=seed
    )
    config = load_connector_config(DOSSIER_CONNECTOR)
    report = run_connector(config, export.path, hub.writer(config.dataset))
    record_ingest(hub.audit, CLI, report, export.path.name)
    masked = MaskingWorker(hub, [config.dataset]).drain()
    published = hub.publisher().publish_all()
    record_publications(hub.audit, CLI, published)
    return DemoSummary(source=export.path, ingest=report, published=published, masked=masked)
