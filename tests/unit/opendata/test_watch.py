"""`kho publish --watch`: republish when the topic changed, no more often than the dataset's
update frequency; withdraw at once when the approval ends."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from connectors.config import load_connector_config
from connectors.runner import run_connector
from connectors.samples.dossiers import write_dossier_export
from hub.app.wiring import Hub
from hub.audit.entry import CLI, Actor
from opendata.state import PublicationStates
from opendata.watch import PublishWatch
from tests.paths import DOSSIER_CONNECTOR

FIGURES = "tthc.dossiers.monthly_by_commune"
STEWARD = Actor("token:steward-vp", agency="vp-ubnd")


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def _ingest(hub: Hub, path: Path, seed: int) -> None:
    export = write_dossier_export(path, rows=150, seed=seed)
    config = load_connector_config(DOSSIER_CONNECTOR)
    run_connector(config, export.path, hub.writer(config.dataset))


def test_republishes_after_the_update_interval_and_withdraws_at_once(
    embedded_hub: Hub, tmp_path: Path
) -> None:
    clock = Clock()
    watch = PublishWatch(
        embedded_hub.publisher(),
        PublicationStates(embedded_hub.engine),
        embedded_hub.catalogue.catalogue,
        embedded_hub.publications,
        embedded_hub.bus,
        continuous_interval_s=60,
        clock=clock,
    )
    assert FIGURES not in watch.due()  # not approved, nothing published: nothing to do

    _ingest(embedded_hub, tmp_path / "a.csv", seed=1)
    embedded_hub.approvals.grant(FIGURES, actor=STEWARD, note="số liệu")
    assert FIGURES in watch.due()
    first = {r.publication_id: r for r in watch.cycle(CLI)}
    assert first[FIGURES].action == "created"
    assert FIGURES not in watch.due()  # published, topic unchanged

    _ingest(embedded_hub, tmp_path / "b.csv", seed=2)
    assert watch.interval_s(embedded_hub.publications.spec(FIGURES)) == 86_400  # daily
    clock.now += dt.timedelta(hours=23)
    assert FIGURES not in watch.due()  # changed, but published less than a day ago
    clock.now += dt.timedelta(hours=2)
    assert FIGURES in watch.due()
    second = {r.publication_id: r for r in watch.cycle(CLI)}
    assert (second[FIGURES].status, second[FIGURES].action) == ("published", "updated")

    embedded_hub.approvals.revoke(FIGURES, actor=STEWARD, reason="rà soát")
    assert FIGURES in watch.due()  # no waiting for the interval
    third = {r.publication_id: r for r in watch.cycle(CLI)}
    assert third[FIGURES].status == "withdrawn"
    assert FIGURES not in watch.due()
