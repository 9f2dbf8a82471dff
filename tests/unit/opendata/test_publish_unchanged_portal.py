"""An unchanged ``kho publish`` asks the portal whether it still shows the publication (one read
of the portal, none of the topic) before it answers "unchanged": a dataset deleted on the portal
by hand is materialised and published again."""

from __future__ import annotations

import shutil
from pathlib import Path

from hub.app.wiring import Hub
from hub.audit.entry import CLI
from hub.bus.factory import embedded_path
from hub.settings import KhoSettings
from opendata.publisher import NOTHING_CHANGED, portal_name
from tests.unit.opendata.test_publish_unchanged import (
    DOSSIERS,
    FIGURES,
    _figures,
    published_once,
)
from tests.unit.opendata.test_publisher_folder import CountingBus, publisher_on


def test_a_publication_the_portal_lost_is_published_again(
    embedded_hub: Hub, embedded_settings: KhoSettings, tmp_path: Path
) -> None:
    """While the folder portal holds the dataset, a re-run is "unchanged" with no fetch; once
    its folder is deleted by hand, the next run reads the topic and creates it again."""
    first = published_once(embedded_hub, tmp_path)
    bus = CountingBus(embedded_path(embedded_settings.bus_url))
    try:
        held = _figures(publisher_on(embedded_hub, bus).run(CLI, only=[FIGURES]))
        assert (held.action, held.reason, bus.fetched) == ("unchanged", NOTHING_CHANGED, [])

        folder = Path(first.location or "")
        assert folder.name == portal_name(FIGURES) and folder.is_dir(), first.location
        shutil.rmtree(folder)
        again = _figures(publisher_on(embedded_hub, bus).run(CLI, only=[FIGURES]))
        assert (again.status, again.action) == ("published", "created"), again.reason
        assert bus.fetched.count(DOSSIERS) > 0
        assert folder.is_dir() and any(folder.glob("*.csv"))
        assert again.rows == first.rows
    finally:
        bus.close()
