"""A hub for the browser tests and ``make screenshots``: the embedded defaults in a data folder,
seeded with every shipped sample source (salinity, feedback, OCOP...) and the demo (dossiers,
the 766 index, publications), then served by uvicorn.

    python -m tests.browser.hub_server DATA_DIR PORT
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from connectors.checkpoints import CheckpointStore
from connectors.config import load_connector_config
from connectors.runner import run_batch
from connectors.samples.registry import SAMPLES, write_sample
from connectors.sources.files import FileSource
from hub.app.api.app import build_app
from hub.app.demo import DOSSIER_CONNECTOR, run_demo
from hub.app.wiring import Hub, build_hub
from hub.audit.entry import CLI
from hub.audit.trail import record_write
from hub.db import create_tables
from hub.settings import KhoSettings

SEED = 2025


def seed(hub: Hub) -> None:
    """Every sample source but the dossiers through its connector, then the demo (which takes
    the dossiers, runs the 766 index over them and the feedback, and publishes)."""
    create_tables(hub.engine)
    checkpoints = CheckpointStore(hub.engine, save_every_s=hub.settings.checkpoint_interval_s)
    samples = hub.settings.data_dir / "samples"
    for source in SAMPLES.values():
        if source.config == DOSSIER_CONNECTOR:
            continue
        export = write_sample(source.config, samples, SEED)
        config = load_connector_config(hub.settings.connectors_dir / source.config)
        run = run_batch(
            config,
            FileSource(config, export.path),
            hub.writer(config.dataset),
            hub.bus,
            checkpoints,
        )
        record_write(hub.audit, CLI, config.dataset, run.report.audit_details(export.path.name))
    run_demo(hub, rows=400)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("port", type=int)
    arguments = parser.parse_args()
    hub = build_hub(KhoSettings(data_dir=arguments.data_dir))
    seed(hub)
    uvicorn.run(build_app(hub), host="127.0.0.1", port=arguments.port, log_level="warning")


if __name__ == "__main__":
    main()
