"""The open datasets most recently published to the open-data portal (the publisher's own
record of what it published), each once, newest first; the catalogue's open datasets when
nothing has been published yet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hub.app.wiring import Hub
from hub.catalogue.models import Classification


@dataclass(frozen=True, slots=True)
class NewDataset:
    dataset_id: str
    title: str
    publication_title: str | None
    published_at: dt.datetime | None


def newest_datasets(hub: Hub, count: int = 5) -> list[NewDataset]:
    from opendata.state import PublicationStates  # opendata pulls in pyarrow: imported on use

    _ = hub.approvals  # creates opendata's tables on first use (see Hub.approvals)
    specs = {spec.id: spec for spec in hub.publications.publications}
    catalogue = hub.catalogue.catalogue
    shown: dict[str, NewDataset] = {}
    states = sorted(PublicationStates(hub.engine).published(), key=lambda s: s.published_at)
    for state in reversed(states):
        spec = specs.get(state.publication_id)
        if spec is None or spec.dataset in shown:
            continue
        try:
            entry = catalogue.dataset(spec.dataset)
        except KeyError:
            continue
        title = spec.title.vi if spec.title is not None else None
        shown[spec.dataset] = NewDataset(entry.id, entry.title.vi, title, state.published_at)
        if len(shown) == count:
            break
    if shown:
        return list(shown.values())
    open_entries = [e for e in catalogue.datasets if e.classification is Classification.OPEN]
    return [NewDataset(e.id, e.title.vi, None, None) for e in open_entries[:count]]
