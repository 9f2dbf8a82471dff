"""Enforcement by Kafka itself: agencies log in with the SCRAM users `kho acl user` gives them,
`kho acl sync` writes the catalogue's ACLs, and the broker refuses what they do not grant.

Each test has its own catalogue whose agency ids and topics are unique to the run. A sync only
manages the principals of its catalogue's agencies and the ACLs on its catalogue's resources
(hub.acl.plan), so these tests never touch another test's ACLs, and clean their own up."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import kafka
import kafka.errors
import pytest
import yaml
from kafka.admin import ScramMechanism, UserScramCredentialDeletion
from typer.testing import CliRunner

from hub.acl import AclBinding, Operation, ResourceType
from hub.acl.kafka_admin import KafkaAclAdmin
from hub.app.cli.acl import acl_app
from hub.audit import AuditFilter, AuditLog, actions
from hub.bus import BusError, OutgoingMessage, open_bus
from hub.bus.kafka_url import KafkaConnection, parse_kafka_url
from hub.db import create_engine
from tests.integration.conftest import KAFKA_URL
from tests.paths import CATALOGUE_DIR

HUB = parse_kafka_url(KAFKA_URL)
DEADLINE_S = 30


class World:
    """One run's catalogue on disk, its agencies and topic, and the `kho acl` commands."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        run = uuid.uuid4().hex[:8]
        self.owner, self.personal, self.masked, self.stranger = (
            f"a{run}-{role}" for role in ("own", "pd", "msk", "none")
        )
        self.agencies = [self.owner, self.personal, self.masked, self.stranger]
        self.dataset_id = f"tthc.dossiers_acl{run}"
        self.topic = f"acl.{run}.dossiers"
        self.path = tmp_path / "datasets.yaml"
        self.database = tmp_path / "kho.sqlite3"
        self.passwords: dict[str, str] = {}
        monkeypatch.setenv("KHO_BUS_URL", KAFKA_URL)
        monkeypatch.setenv("KHO_DATABASE_URL", f"sqlite:///{self.database}")
        monkeypatch.setenv("KHO_DATA_DIR", str(tmp_path / "kho"))
        monkeypatch.setenv("KHO_CATALOGUE_PATH", str(self.path))
        self.write_catalogue(personal_grant=True)

    def write_catalogue(self, *, personal_grant: bool, classification: str = "shared") -> None:
        """The repo's dossier dataset (personal fields, one pseudonymised), owned and consumed
        by this run's agencies; shared as shipped, or made open."""
        repo = CATALOGUE_DIR / "datasets.yaml"
        raw = yaml.safe_load(repo.read_text(encoding="utf-8"))
        dataset = next(d for d in raw["datasets"] if d["id"] == "tthc.dossiers")
        dataset.update(
            id=self.dataset_id, topic=self.topic, owner=self.owner, classification=classification
        )
        consumers: list[dict[str, Any]] = [
            {"agency": self.masked, "purpose": "Thống kê theo xã/phường"}
        ]
        if personal_grant:
            consumers.append(
                {"agency": self.personal, "purpose": "Chỉ số 766", "personal_data": True}
            )
        dataset["consumers"] = consumers
        raw["agencies"] = [
            {"id": a, "name": f"Cơ quan thử {a}", "name_en": f"Test agency {a}"}
            for a in self.agencies
        ]
        raw["datasets"] = [dataset]
        self.path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")

    def kho_acl(self, *args: str) -> str:
        result = CliRunner().invoke(acl_app, list(args))
        assert result.exit_code == 0, (result.output, result.exception)
        return result.output

    def create_user(self, agency: str) -> None:
        """`kho acl user AGENCY`: the password is the line after the one that says to save it."""
        lines = self.kho_acl("user", agency).splitlines()
        said = next(i for i, line in enumerate(lines) if "Lưu lại ngay" in line)
        self.passwords[agency] = lines[said + 1].strip()

    def login(self, agency: str) -> KafkaConnection:
        return HUB.as_user(agency, self.passwords[agency])

    def audit(self, action: str) -> list[dict[str, Any]]:
        engine = create_engine(f"sqlite:///{self.database}")
        try:
            entries = AuditLog(engine).query(AuditFilter(action=action))
        finally:
            engine.dispose()
        return [e.details for e in entries]


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    built = World(tmp_path, monkeypatch)
    yield built
    _forget(built.agencies)


def _forget(agencies: list[str]) -> None:
    """Delete this run's ACLs and SCRAM users (kafka-python directly, as an operator would)."""
    admin = KafkaAclAdmin(HUB)
    try:
        principals = {f"User:{a}" for a in agencies}
        admin.delete(sorted(a for a in admin.acls() if a.principal in principals))
    finally:
        admin.close()
    client = kafka.KafkaAdminClient(**HUB.client_options())
    try:
        client.alter_user_scram_credentials(
            [UserScramCredentialDeletion(a, ScramMechanism.SCRAM_SHA_512) for a in agencies]
        )
    finally:
        client.close()


def eventually(check: Callable[[], Any]) -> Any:
    """Retry while the broker catches up with a new credential or ACL (a few ms here)."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        try:
            return check()
        except (AssertionError, kafka.errors.KafkaError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def produce(
    login: KafkaConnection, topic: str, values: list[bytes], *, idempotent: bool = True
) -> None:
    """Send and wait. Without WRITE on any topic, an idempotent producer is already refused at
    InitProducerId (ClusterAuthorizationFailedError); a plain one gets the topic's refusal."""
    producer = kafka.KafkaProducer(
        **login.client_options(),
        acks="all" if idempotent else 1,
        enable_idempotence=idempotent,
        max_block_ms=10000,
    )
    try:
        for future in [producer.send(topic, key=v, value=v) for v in values]:
            future.get(timeout=30)
    finally:
        producer.close()


def read(
    login: KafkaConnection, topic: str, group: str, count: int, wait_s: float = DEADLINE_S
) -> list[bytes]:
    """Read up to `count` records as a member of `group`. A group the agency may not use raises
    GroupAuthorizationFailedError; a topic it may DESCRIBE but not READ raises
    TopicAuthorizationFailedError; a topic it may not even DESCRIBE stays silent here
    (kafka-python logs the broker's refusal and assigns nothing): see `fetch`."""
    consumer = kafka.KafkaConsumer(
        topic,
        **login.client_options(),
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=2000,
        bootstrap_timeout_ms=10000,
    )
    got: list[bytes] = []
    try:
        deadline = time.monotonic() + wait_s
        while len(got) < count and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=1000).values():
                got.extend(r.value for r in records)
        consumer.commit()
    finally:
        consumer.close()
    return got


def fetch(login: KafkaConnection, topic: str) -> list[bytes]:
    """Read partition 0 from the start without a group, as the hub's own reader does: the
    broker's TopicAuthorizationFailedError comes back from ListOffsets (no DESCRIBE) or from
    the Fetch (no READ)."""
    consumer = kafka.KafkaConsumer(**login.client_options(), group_id=None)
    try:
        tp = kafka.TopicPartition(topic, 0)
        end = consumer.end_offsets([tp])[tp]
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        got: list[bytes] = []
        deadline = time.monotonic() + DEADLINE_S
        while consumer.position(tp) < end and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=1000).values():
                got.extend(r.value for r in records)
        return got
    finally:
        consumer.close()


def on_cluster(world: World) -> set[AclBinding]:
    admin = KafkaAclAdmin(HUB)
    try:
        principals = {f"User:{a}" for a in world.agencies}
        return {a for a in admin.acls() if a.principal in principals}
    finally:
        admin.close()


def test_the_broker_enforces_the_catalogue(world: World) -> None:
    """The owner produces; the personal-data consumer reads the topic; the masked consumer is
    refused the topic but reads .masked; an agency without a grant is refused both; a group
    outside an agency's prefix is refused; a second sync changes nothing; both commands are
    in the audit log."""
    bus = open_bus(KAFKA_URL, client_id="kho-acl-test")
    try:
        for topic in (world.topic, f"{world.topic}.masked", f"{world.topic}.dlq"):
            bus.ensure_topic(topic, partitions=1)
        bus.publish(f"{world.topic}.masked", [OutgoingMessage(b"m1", b"masked-1")])
    finally:
        bus.close()
    for agency in world.agencies:
        world.create_user(agency)

    first = world.kho_acl("sync")
    assert "đã thêm 15, đã xoá 0 ACL" in first
    assert "Không có thay đổi: 15 ACL" in world.kho_acl("sync")
    assert "Không có thay đổi" in world.kho_acl("sync", "--dry-run")

    owner = world.login(world.owner)
    values = [f"dossier-{i}".encode() for i in range(5)]
    eventually(lambda: produce(owner, world.topic, values))

    personal = world.login(world.personal)
    got = eventually(lambda: read(personal, world.topic, f"{world.personal}.reader", 5))
    assert sorted(got) == sorted(values)

    assert sorted(fetch(personal, world.topic)) == sorted(values)

    masked = world.login(world.masked)
    with pytest.raises(kafka.errors.TopicAuthorizationFailedError):
        fetch(masked, world.topic)
    assert read(masked, f"{world.topic}.masked", f"{world.masked}.reader", 1) == [b"masked-1"]
    assert fetch(masked, f"{world.topic}.masked") == [b"masked-1"]

    stranger = world.login(world.stranger)
    for topic in (world.topic, f"{world.topic}.masked", f"{world.topic}.dlq"):
        with pytest.raises(kafka.errors.TopicAuthorizationFailedError):
            fetch(stranger, topic)
    assert read(stranger, world.topic, f"{world.stranger}.reader", 1, wait_s=5) == []

    with pytest.raises(kafka.errors.GroupAuthorizationFailedError):
        read(personal, world.topic, f"{world.masked}.borrowed", 1)
    with pytest.raises(kafka.errors.TopicAuthorizationFailedError):
        produce(personal, world.topic, [b"not-the-owner"], idempotent=False)

    # The hub's own bus, logged in as the masked consumer, names the refusal in Vietnamese.
    as_agency = open_bus(f"kafka://{world.masked}:{world.passwords[world.masked]}@{HUB.bootstrap}")
    try:
        with pytest.raises(BusError, match=f"không cho '{world.masked}'"):
            as_agency.fetch(world.topic, 0, 0, 10)
    finally:
        as_agency.close()

    (synced, unchanged) = world.audit(actions.ACL_SYNC)
    assert (synced["created"], synced["deleted"]) == (15, 0)
    assert (unchanged["created"], unchanged["deleted"]) == (0, 0)
    users = world.audit(actions.KAFKA_USER_SET)
    assert sorted(u["agency"] for u in users) == sorted(world.agencies)
    assert all(world.passwords[u["agency"]] not in str(u) for u in users)


def test_a_revoked_grant_is_removed_from_the_broker(world: World) -> None:
    """Removing the personal-data grant from the catalogue: the next sync deletes exactly that
    agency's ACLs on the topic, and the broker then refuses its read."""
    bus = open_bus(KAFKA_URL, client_id="kho-acl-test")
    try:
        bus.publish(world.topic, [OutgoingMessage(b"d1", b"dossier-1")])
    finally:
        bus.close()
    world.create_user(world.personal)
    world.kho_acl("sync")
    personal = world.login(world.personal)
    group = f"{world.personal}.reader"
    assert eventually(lambda: read(personal, world.topic, group, 1)) == [b"dossier-1"]

    world.write_catalogue(personal_grant=False)
    trial = world.kho_acl("sync", "--dry-run")
    assert "sẽ thêm 0, sẽ xoá 2 ACL" in trial
    assert any(a.resource_name == world.topic for a in on_cluster(world) if "pd" in a.principal)
    assert "đã thêm 0, đã xoá 2 ACL" in world.kho_acl("sync")

    left = {
        (a.operation, a.resource_name)
        for a in on_cluster(world)
        if a.principal == f"User:{world.personal}"
    }
    assert left == {(Operation.READ, f"{world.personal}.")}
    assert ResourceType.TOPIC not in {
        a.resource_type for a in on_cluster(world) if a.principal == f"User:{world.personal}"
    }
    with pytest.raises(kafka.errors.TopicAuthorizationFailedError):
        fetch(personal, world.topic)
    assert read(personal, world.topic, group, 1, wait_s=5) == []
    assert "Không có thay đổi" in world.kho_acl("sync")
    (*_, revoked, unchanged) = world.audit(actions.ACL_SYNC)
    assert revoked["deleted"] == 2 and unchanged["deleted"] == 0
    assert all(world.personal in line for line in revoked["deleted_acls"])


def test_an_open_dataset_with_personal_fields_gives_no_pseudonyms_without_a_grant(
    world: World,
) -> None:
    """The dossier dataset made open: the agency without a grant gets no ACL, so the broker
    refuses it the topic and the pseudonyms of .masked (it reads the public projection over
    HTTP); the grantee without personal data still reads .masked, the personal-data grantee
    the topic: the same 15 ACLs as the shared dataset."""
    world.write_catalogue(personal_grant=True, classification="open")
    bus = open_bus(KAFKA_URL, client_id="kho-acl-test")
    try:
        for topic in (world.topic, f"{world.topic}.masked", f"{world.topic}.dlq"):
            bus.ensure_topic(topic, partitions=1)
        bus.publish(world.topic, [OutgoingMessage(b"d1", b"dossier-1")])
        bus.publish(f"{world.topic}.masked", [OutgoingMessage(b"d1", b"pseudonymised-1")])
    finally:
        bus.close()
    for agency in world.agencies:
        world.create_user(agency)
    assert "đã thêm 15, đã xoá 0 ACL" in world.kho_acl("sync")
    stranger_acls = {
        a.resource_name for a in on_cluster(world) if a.principal == f"User:{world.stranger}"
    }
    assert stranger_acls == {f"{world.stranger}."}

    masked = world.login(world.masked)
    got = eventually(lambda: fetch(masked, f"{world.topic}.masked"))
    assert got == [b"pseudonymised-1"]
    personal = world.login(world.personal)
    assert eventually(lambda: fetch(personal, world.topic)) == [b"dossier-1"]

    stranger = world.login(world.stranger)
    for topic in (world.topic, f"{world.topic}.masked", f"{world.topic}.dlq"):
        with pytest.raises(kafka.errors.TopicAuthorizationFailedError):
            fetch(stranger, topic)
