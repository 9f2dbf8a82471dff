"""The Decision-766 index's parts, assembled from the hub's: its store, method, reader,
worker and export (hub.index766).

``Hub`` takes these as its ``index_*`` members, so ``hub.index_reader`` and
``hub.index_worker(...)`` are built here. hub.index766 is imported only when a part is first
built: a command that does not use the index does not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hub.app.wiring import Hub
    from hub.index766.export import IndexExport
    from hub.index766.method import IndexMethod
    from hub.index766.reading import IndexReader
    from hub.index766.store import IndexStore
    from hub.index766.worker import IndexWorker


def open_index_store(hub: Hub) -> IndexStore:
    """The 766 index's states and its worker's offsets, in the hub's database."""
    from hub.index766.store import IndexStore

    hub._create_declared_tables()
    return IndexStore(hub.engine)


def load_index_method(hub: Hub) -> IndexMethod:
    """The 766 method (groups, indicators, weights), validated at load."""
    from hub.index766.method import load_method

    return load_method(hub.settings.index766_path)


def open_index_reader(hub: Hub) -> IndexReader:
    """The 766 index's figures, ranking, trend and the dossiers behind a figure."""
    from hub.index766.facts import ProcedureFacts
    from hub.index766.reading import IndexReader

    facts = ProcedureFacts.from_catalogue(hub.procedures)
    return IndexReader(hub.index_store, hub.index_method, facts)


def build_index_worker(
    hub: Hub,
    *,
    group: str | None = None,
    batch_size: int = 2000,
    dossiers: str | None = None,
    feedback: str | None = None,
) -> IndexWorker:
    """The 766 index worker reading the dossier and feedback datasets' topics in
    ``group`` (default: the index's datasets, in the index's group)."""
    from hub.index766.worker import (
        INDEX_DOSSIER_DATASET,
        INDEX_FEEDBACK_DATASET,
        INDEX_GROUP,
        IndexPorts,
        IndexWorker,
    )

    group = group or INDEX_GROUP
    dossiers = dossiers or INDEX_DOSSIER_DATASET
    feedback = feedback or INDEX_FEEDBACK_DATASET
    ports = IndexPorts(
        bus=hub.bus,
        group_offsets=hub.group_offsets,
        decoder=hub.decoder,
        store=hub.index_store,
        dlq_writer=hub.writer,
    )
    return IndexWorker(
        hub.catalogue.entry(dossiers),
        hub.catalogue.entry(feedback),
        ports,
        group=group,
        batch_size=batch_size,
    )


def build_index_export(hub: Hub, dataset_id: str | None = None) -> IndexExport:
    """``kho index export``: the index's monthly figures onto the dataset's topic, through
    its writer (schema, contract, dead letters); by default the index's export dataset."""
    from hub.index766.export import INDEX_EXPORT_DATASET, IndexExport

    dataset_id = dataset_id or INDEX_EXPORT_DATASET
    topic = hub.catalogue.entry(dataset_id).topic
    return IndexExport(hub.index_reader, hub.writer(dataset_id), hub.bus, topic)
