"""The provide-once store on PostgreSQL and Kafka: concurrent arrivals of the same evidence are
stored once, a revocation holds from the very next request while prefills run, and every
version's update event reaches the evidence topic."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from hub.app.wiring import Hub, build_hub
from hub.audit.entry import Actor
from hub.bus.reading import read_all
from hub.provide_once.consent import ConsentInput
from hub.provide_once.errors import Forbidden
from hub.provide_once.evidence import EVIDENCE_DATASET, EvidenceInput, Outcome
from hub.provide_once.subjects import parse_subject
from hub.provide_once.tables import evidence_outbox_table, evidence_versions_table
from hub.settings import KhoSettings
from tests.integration.conftest import KAFKA_URL, POSTGRES_URL
from tests.paths import CATALOGUE_DIR
from tests.revocation_race import race_revocation

ISSUER = Actor("token:test-issuer", "vp-ubnd")
READER = Actor("token:test-reader", "so-yt")


@pytest.fixture
def store_hub(tmp_path: Path, run_id: str) -> Iterator[Hub]:
    """A hub on PostgreSQL and Kafka whose evidence topic is this run's own."""
    raw = yaml.safe_load((CATALOGUE_DIR / "datasets.yaml").read_text(encoding="utf-8"))
    dataset = next(d for d in raw["datasets"] if d["id"] == EVIDENCE_DATASET)
    dataset["topic"] = f"evidence.citizen_evidence.it{run_id}"
    raw["datasets"] = [dataset]
    catalogue = tmp_path / "datasets.yaml"
    catalogue.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    hub = build_hub(
        KhoSettings(
            data_dir=tmp_path / "kho",
            bus_url=KAFKA_URL,
            database_url=POSTGRES_URL,
            catalogue_path=catalogue,
        )
    )
    yield hub
    hub.evidence_outbox.drain()  # leave no pending event for another test's topic
    hub.close()


def _citizen() -> str:
    """A CCCD no other run uses: Tiền Giang (082), born 1995, a random serial."""
    return f"0820950{random.randrange(10**5):05d}"  # noqa: S311 - test data


def _birth_certificate(evidence_id: str, subject: str, **fields: object) -> EvidenceInput:
    return EvidenceInput.model_validate(
        {
            "evidence_id": evidence_id,
            "subject_id": subject,
            "evidence_type": "giay-khai-sinh",
            "issuing_agency": "vp-ubnd",
            "issued_on": "1995-03-02",
            "attributes": {"so": "12/1995", "noi_dang_ky": "UBND xã Mỹ Phong"},
            **fields,
        }
    )


def test_the_same_evidence_arriving_at_once_from_eight_writers_is_stored_once(
    store_hub: Hub, run_id: str
) -> None:
    subject = _citizen()
    item = _birth_certificate(f"KS-{run_id}", subject)
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(
            pool.map(lambda _: store_hub.provide_once.record(item, actor=ISSUER).outcome, range(8))
        )
    assert Counter(outcomes) == {Outcome.CREATED: 1, Outcome.UNCHANGED: 7}
    v = evidence_versions_table.c
    with store_hub.engine.connect() as conn:
        versions = conn.execute(
            sa.select(sa.func.count()).where(v.evidence_id == f"KS-{run_id}")
        ).scalar_one()
        queued = conn.execute(
            sa.select(sa.func.count()).where(evidence_outbox_table.c.evidence_id == f"KS-{run_id}")
        ).scalar_one()
    assert (versions, queued) == (1, 1)


def test_corrections_reach_the_evidence_topic_once_each(store_hub: Hub, run_id: str) -> None:
    subject = _citizen()
    store_hub.evidence_outbox.drain()  # what earlier tests left in the shared database
    for number in ("12/1995", "12/1995", "13/1995", "14/1995"):
        store_hub.provide_once.record(
            _birth_certificate(f"KS-{run_id}", subject, attributes={"so": number}), actor=ISSUER
        )
    assert store_hub.evidence_outbox.drain() == 3
    assert store_hub.evidence_outbox.drain() == 0
    topic = store_hub.catalogue.entry(EVIDENCE_DATASET).topic
    mine = [r for r in read_all(store_hub.bus, topic) if r.key == f"KS-{run_id}".encode()]
    events = [store_hub.decoder.decode(r.value) for r in mine]
    assert [(e["version"], e["attributes"]["so"]) for e in events] == [
        (1, "12/1995"),
        (2, "13/1995"),
        (3, "14/1995"),
    ]


def test_a_revocation_holds_from_the_next_request_while_prefills_run(
    store_hub: Hub, run_id: str
) -> None:
    subject_id = _citizen()
    subject = parse_subject(subject_id)
    store_hub.provide_once.record(_birth_certificate(f"KS-{run_id}", subject_id), actor=ISSUER)
    consent = store_hub.provide_once.grant_consent(
        subject,
        ConsentInput(
            agency="so-yt",
            purpose="1.000656",
            evidence_types=("giay-khai-sinh",),
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=1),
        ),
        actor=Actor(f"subject:{subject_id}"),
    )

    def prefill() -> bool:
        try:
            store_hub.provide_once.prefill(subject_id, "1.000656", actor=READER)
        except Forbidden:
            return False
        return True

    outcomes = race_revocation(
        prefill,
        lambda: store_hub.provide_once.revoke_consent(
            subject, consent.consent_id, actor=Actor(f"subject:{subject_id}")
        ),
    )
    assert outcomes.after and not any(outcomes.after), "a prefill after revocation was allowed"
    assert outcomes.before and all(outcomes.before)


def test_the_audit_chain_holds_on_postgresql_after_store_traffic(store_hub: Hub) -> None:
    report = store_hub.audit.verify()
    assert report.ok, report
