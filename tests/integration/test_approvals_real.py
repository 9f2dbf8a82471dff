"""Stewards' approvals on a real PostgreSQL: stewards granting the same publication at once,
from several engines (as separate processes would), write one approval and one audit entry;
the partial unique index and the audit chain hold there too.

Each test works in a schema of its own, so runs never share a chain."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from hub.audit import Actor, AuditFilter, AuditLog, actions
from hub.catalogue.loader import load_catalogue
from hub.db import create_tables
from hub.settings import KhoSettings
from opendata.approvals import ApprovalStore, PublicationStatus
from opendata.specs import load_publications
from tests.integration.conftest import schema_engine

DOSSIERS = "tthc.dossiers"
STEWARDS = 6


def _store(engine: sa.Engine) -> ApprovalStore:
    settings = KhoSettings()
    catalogue = load_catalogue(settings.catalogue_path, settings.schemas_dir).catalogue
    publications = load_publications(settings.publications_path)
    return ApprovalStore(engine, AuditLog(engine), catalogue, publications)


def test_concurrent_grants_write_one_approval_and_one_entry(pg_schema: str) -> None:
    """Six stewards' requests arrive together: one approval is written, the others get it
    back; a revocation then ends it and the chain verifies."""
    engines = [schema_engine(pg_schema) for _ in range(STEWARDS)]
    create_tables(engines[0])
    stores = [_store(engine) for engine in engines]
    start = threading.Barrier(STEWARDS)
    created: list[bool] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def steward(store: ApprovalStore, n: int) -> None:
        start.wait()
        try:
            outcome = store.grant_outcome(
                DOSSIERS, actor=Actor(f"token:steward{n:04d}", "vp-ubnd"), note=f"#{n}"
            )
        except BaseException as exc:  # reported below
            with lock:
                errors.append(exc)
            return
        with lock:
            created.append(outcome.created)

    threads = [threading.Thread(target=steward, args=(s, n)) for n, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(created) == [False] * (STEWARDS - 1) + [True]
    store = stores[0]
    assert len(store.history(DOSSIERS)) == 1
    assert store.status(store.spec(DOSSIERS)) is PublicationStatus.APPROVED
    store.revoke(DOSSIERS, actor=Actor("token:steward0000", "vp-ubnd"), reason="thử")
    assert store.status(store.spec(DOSSIERS)) is PublicationStatus.REVOKED
    log = AuditLog(engines[0])
    entries = log.query(AuditFilter(dataset=DOSSIERS))
    assert [e.action for e in entries] == [
        actions.DATASET_APPROVE,
        actions.DATASET_REVOKE_APPROVAL,
    ]
    assert log.verify().ok
    for engine in engines:
        engine.dispose()
