"""Every kind of tampering with the audit log on a real PostgreSQL, named by ``kho audit verify``
without ``--head``; and the anchors on a real Kafka topic: created append-only with unlimited
retention, read back after a restart of the hub, a forged record there reported and not
trusted, truncation and recomputation of a PostgreSQL log caught against them.

The hub works in a PostgreSQL schema of its own (``search_path``), the Kafka anchors on a topic
of their own, so runs never share a chain or anchors."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import kafka
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.app.wiring import Hub, build_hub
from hub.audit import Problem
from hub.audit.anchor import Anchor, sign
from hub.audit.anchor_topic import TopicAnchors
from hub.bus.kafka import KafkaBus
from hub.bus.kafka_url import parse_kafka_url
from hub.bus.port import OutgoingMessage
from hub.db import create_engine
from hub.settings import KhoSettings
from tests.audit_tampering import (
    TAMPERINGS,
    Tampering,
    check_named,
    fill,
    recompute_from_third,
    reset,
    verify_cli,
)
from tests.integration.conftest import KAFKA_URL, POSTGRES_URL

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def schema() -> Iterator[str]:
    name = f"it_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    yield name
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
    admin.dispose()


def _settings(data: Path, schema: str, **changes: object) -> KhoSettings:
    return KhoSettings(
        data_dir=data,
        database_url=f"{POSTGRES_URL}?options=-csearch_path%3D{schema}",
        audit_anchor_every=1,
        **changes,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def pg_hub(tmp_path_factory: pytest.TempPathFactory, schema: str) -> Iterator[Hub]:
    """One hub on PostgreSQL for the module (each case empties its log first)."""
    hub = build_hub(_settings(tmp_path_factory.mktemp("pg") / "kho", schema))
    yield hub
    hub.close()


@pytest.fixture
def fresh(pg_hub: Hub) -> Hub:
    reset(pg_hub)
    with pg_hub.engine.begin() as conn:  # a case turned the time column into text
        conn.exec_driver_sql(
            "ALTER TABLE audit_log ALTER COLUMN at TYPE timestamp with time zone"
            " USING at::timestamp with time zone"
        )
    pg_hub.engine.dispose()  # no connection keeps a statement prepared for the old type
    return pg_hub


@pytest.mark.parametrize("case", TAMPERINGS)
def test_each_tampering_is_named_on_postgresql(fresh: Hub, case: Tampering) -> None:
    """Entries 1 to 6 on PostgreSQL, each anchored; one kind of tampering; verify and the CLI
    (exit 1) name the entry and the kind."""
    check_named(fresh, case)


@pytest.fixture
def topic() -> str:
    return f"kho.audit.anchors.it-{uuid.uuid4().hex[:8]}"


def test_anchors_on_kafka_catch_truncation_recomputation_and_forgery(
    tmp_path: Path, schema: str, topic: str
) -> None:
    """The hub anchors to its own Kafka topic (created with cleanup.policy=delete and unlimited
    retention). A hub opened afresh reads the anchors back: a forged record on the topic is
    reported and ignored, a cut tail and a chain recomputed from entry 3 are named."""
    settings = _settings(
        tmp_path / "kho", schema, audit_anchors_url=KAFKA_URL, audit_anchor_topic=topic
    )
    with build_hub(settings) as hub:
        reset(hub)
        fill(hub)
    bus = KafkaBus(parse_kafka_url(KAFKA_URL), client_id="kho-test-anchors")
    try:
        assert _configs(bus, topic) == {"cleanup.policy": "delete", "retention.ms": "-1"}
        assert len(TopicAnchors(bus, topic).recent(100)) == 6
        forged = sign(Anchor(99, "ab" * 32, 99, dt.datetime.now(dt.UTC)), _other_key())
        bus.publish(topic, [OutgoingMessage(key=b"audit-anchor", value=forged)])
    finally:
        bus.close()

    with build_hub(settings) as hub:
        report = hub.audit.verify()
        assert report.breach is None and report.anchored is not None
        assert report.anchored.seq == 6
        assert len(report.forged) == 1 and "offset 6" in report.forged[0]
        flagged = verify_cli(hub)
        assert flagged.exit_code == 1 and "Mốc giả mạo" in flagged.stderr

        with hub.engine.begin() as conn:
            recompute_from_third(conn)
        recomputed = verify_cli(hub)
        assert recomputed.exit_code == 1
        assert "mục 3 (diverged)" in recomputed.stderr

        with hub.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM audit_log WHERE seq >= 3")
        cut = hub.audit.verify()
        assert cut.breach is not None
        assert (cut.breach.seq, cut.breach.problem) == (3, Problem.TRUNCATED)


def _other_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _configs(bus: KafkaBus, topic: str) -> dict[str, str]:
    """The topic's retention settings as the broker reports them."""
    admin = kafka.KafkaAdminClient(**bus.client_options)
    try:
        resource = kafka.admin.ConfigResource(kafka.admin.ConfigResourceType.TOPIC, topic)
        described = admin.describe_configs([resource])
    finally:
        admin.close()
    [configs] = [named[topic] for named in described.values() if topic in named]
    wanted = ("cleanup.policy", "retention.ms")
    return {key: _value(configs[key]) for key in wanted if key in configs}


def _value(config: object) -> str:
    return str(config["value"]) if isinstance(config, dict) else str(config)
