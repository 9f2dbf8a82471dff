"""Every catalogue subject, the masked ones too, is in the schema registry from start-up."""

from __future__ import annotations

from pathlib import Path

from hub.app.api import build_app
from hub.app.wiring import Hub, build_hub
from hub.auth.tokens import Role
from hub.db import create_engine, create_tables
from hub.registry.embedded import DatabaseSchemaRegistry
from hub.registry.ensure import RegisteredSets, ensure_registered
from hub.registry.http import ConfluentRegistryClient
from hub.registry.port import Subject, subject_for_topic
from hub.settings import KhoSettings
from hub.sharing.catalogue_subjects import catalogue_subjects
from hub.sharing.masked_records import DatasetMasker, maskable
from tests.serving import serve_app


def _expected(hub: Hub) -> set[str]:
    datasets = hub.catalogue.catalogue.datasets
    topics = [d.topic for d in datasets]
    topics += [d.masked_topic for d in datasets if maskable(hub.catalogue, d)]
    return {subject_for_topic(t) for t in topics}


def _store(hub: Hub) -> DatabaseSchemaRegistry:
    assert isinstance(hub.registry, DatabaseSchemaRegistry)
    return hub.registry


def test_a_new_hub_lists_a_subject_for_every_dataset_and_masked_topic(
    embedded_hub: Hub,
) -> None:
    """Before any record is written, the registry holds each dataset's and masked topic's."""
    expected = _expected(embedded_hub)
    masked = [s for s in expected if s.endswith(".masked-value")]
    assert len(expected) > len(embedded_hub.catalogue.catalogue.datasets)
    assert masked, "the shipped catalogue has datasets with personal fields"
    assert set(_store(embedded_hub).subjects()) == expected


def test_the_masking_worker_finds_its_schema_already_registered(embedded_hub: Hub) -> None:
    """The masker registers the very schema the start-up registered: same id, one version."""
    store = _store(embedded_hub)
    for entry in embedded_hub.catalogue.catalogue.datasets:
        if not maskable(embedded_hub.catalogue, entry):
            continue
        subject = subject_for_topic(entry.masked_topic)
        registered = store.version(subject, "latest").schema_id
        masker = DatasetMasker(
            entry,
            embedded_hub.projector(entry.id),
            embedded_hub.decoder,
            store,
            embedded_hub.pseudonymiser,
        )
        assert masker.schema_id == registered
        assert store.versions(subject) == [1]


def test_the_writers_find_their_schema_already_registered(embedded_hub: Hub) -> None:
    """Each dataset's writer gets the start-up's id for its subject, adding no version."""
    store = _store(embedded_hub)
    for entry in embedded_hub.catalogue.catalogue.datasets:
        subject = subject_for_topic(entry.topic)
        registered = store.version(subject, "latest").schema_id
        assert embedded_hub.writer(entry.id).schema_id == registered
        assert store.versions(subject) == [1]


def test_starting_again_adds_no_version(embedded_settings: KhoSettings) -> None:
    """A second start on the same database registers nothing new."""
    build_hub(embedded_settings).close()
    with build_hub(embedded_settings) as hub:
        store = _store(hub)
        assert all(store.versions(s) == [1] for s in store.subjects())


def test_an_external_registry_is_sent_the_set_once(embedded_hub: Hub, tmp_path: Path) -> None:
    """Over HTTP the set is sent once; an unchanged set is then checked in the ledger alone
    (the registry is down and nothing fails), and a changed one is sent again."""
    subjects = catalogue_subjects(embedded_hub.catalogue)
    engine = create_engine(f"sqlite:///{tmp_path / 'other-hub.sqlite3'}")
    create_tables(engine)
    ledger = RegisteredSets(engine)
    admin = embedded_hub.tokens.create("vp-ubnd", frozenset({Role.ADMIN})).plaintext
    with serve_app(build_app(embedded_hub)) as base_url:
        url = base_url.replace("http://", f"http://kho:{admin}@") + "/registry"
        client = ConfluentRegistryClient(url)
        first = ensure_registered(client, subjects, ledger=ledger, where=url)
        client.close()
    assert first.sent and first.unavailable is None
    assert set(_store(embedded_hub).subjects()) == set(subjects)

    down = ConfluentRegistryClient(url)  # the server is stopped: any request would fail
    again = ensure_registered(down, subjects, ledger=ledger, where=url)
    assert (again.sent, again.unavailable) == (False, None)
    changed = {**subjects, Subject("extra.topic-value"): next(iter(subjects.values()))}
    refused = ensure_registered(down, changed, ledger=ledger, where=url)
    down.close()
    assert not refused.sent
    assert refused.unavailable is not None
    engine.dispose()
