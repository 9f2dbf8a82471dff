"""A broker restart keeps every login: a second Kafka broker, started by the project's own
script (scripts/services/kafka.sh) on free ports with a data folder of its own, never the shared
one, is stopped and started again on the same data.

Before the restart the hub (User:kho) writes records, an agency's account made the way Kho makes
it (`kho acl user`, `kho acl sync`) writes and another reads, and a departed agency's SCRAM user
is deleted. Kafka 4.1.2 replays the whole metadata log into one ScramDelta at start-up and drops
every SCRAM-SHA-512 credential when the first user it visits is a deleted one
(services/kafka/sasl.sh). The departed agency's id has String.hashCode() 0, so without the
anchor user it is that first user, every time: the broker then refuses the hub's own login."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import kafka
import kafka.errors
import pytest
import yaml
from kafka.admin import ScramMechanism, UserScramCredentialDeletion
from typer.testing import CliRunner

from hub.app.cli.acl import acl_app
from hub.bus import OutgoingMessage, open_bus, read_all
from hub.bus.kafka_url import KafkaConnection, parse_kafka_url
from tests.paths import CATALOGUE_DIR, PROJECT_ROOT
from tests.private_services import PrivateKafka, port_open, private_kafka

SASL_SH = PROJECT_ROOT / "services" / "kafka" / "sasl.sh"
# An agency id whose Java String.hashCode() is 0: HashMap bucket 0, whatever the table size.
# The other ids' buckets are not 0 while the user map has 16 or 32 buckets, so DEPARTED is the
# first user a restarted broker visits (after the anchor, which is also in bucket 0, but first).
DEPARTED = "co-quan-giai-the-fwnuris"
OWNER, READER = "so-khoi-dong-lai", "so-doc-lai"
TOPIC = "restart.dossiers"
HUB_TOPIC = "restart.hub"
DEADLINE_S = 30


def java_string_hash(text: str) -> int:
    """Java's String.hashCode() (for ASCII text), as an unsigned 32-bit number."""
    value = 0
    for char in text:
        value = (31 * value + ord(char)) % 2**32
    return value


def hashmap_bucket(text: str, buckets: int) -> int:
    """The bucket of java.util.HashMap (of ``buckets`` buckets) that holds the key ``text``."""
    value = java_string_hash(text)
    return (value ^ (value >> 16)) & (buckets - 1)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PrivateKafka]:
    """The second broker; its stop waits kafka.sh's default minute for a clean shutdown."""
    with private_kafka(tmp_path / "services", stop_timeout_s=60) as started:
        yield started


def hub_login(broker: PrivateKafka) -> KafkaConnection:
    """The hub's own account (User:kho) on the broker."""
    return parse_kafka_url(broker.url)


@pytest.fixture
def catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broker: PrivateKafka) -> Path:
    """The repo's dossier dataset on its own topic, written by OWNER and read (personal data
    included) by READER; DEPARTED is listed so that `kho acl user` gives it a password."""
    raw = yaml.safe_load((CATALOGUE_DIR / "datasets.yaml").read_text(encoding="utf-8"))
    dataset = next(d for d in raw["datasets"] if d["id"] == "tthc.dossiers")
    dataset.update(id="tthc.dossiers_restart", topic=TOPIC, owner=OWNER)
    dataset["consumers"] = [{"agency": READER, "purpose": "Chỉ số 766", "personal_data": True}]
    raw["agencies"] = [
        {"id": a, "name": f"Cơ quan thử {a}", "name_en": f"Test agency {a}"}
        for a in (OWNER, READER, DEPARTED)
    ]
    raw["datasets"] = [dataset]
    path = tmp_path / "datasets.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("KHO_BUS_URL", broker.url)
    monkeypatch.setenv("KHO_DATABASE_URL", f"sqlite:///{tmp_path / 'kho.sqlite3'}")
    monkeypatch.setenv("KHO_DATA_DIR", str(tmp_path / "kho"))
    monkeypatch.setenv("KHO_CATALOGUE_PATH", str(path))
    return path


def kho_acl(*args: str) -> str:
    result = CliRunner().invoke(acl_app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def create_user(agency: str) -> str:
    """`kho acl user AGENCY`: the password is the line after the one that says to save it."""
    lines = kho_acl("user", agency).splitlines()
    said = next(i for i, line in enumerate(lines) if "Lưu lại ngay" in line)
    return lines[said + 1].strip()


def eventually(check: Callable[[], Any]) -> Any:
    """Retry while the broker catches up with a new credential or ACL."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        try:
            return check()
        except (AssertionError, kafka.errors.KafkaError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def produce(login: KafkaConnection, values: list[bytes]) -> None:
    producer = kafka.KafkaProducer(**login.client_options(), acks="all", max_block_ms=10000)
    try:
        for future in [producer.send(TOPIC, key=v, value=v) for v in values]:
            future.get(timeout=30)
    finally:
        producer.close()


def read(login: KafkaConnection, group: str, count: int) -> list[bytes]:
    """Every record of TOPIC from the start, as a member of a fresh group of the agency's."""
    consumer = kafka.KafkaConsumer(
        TOPIC,
        **login.client_options(),
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=2000,
    )
    got: list[bytes] = []
    try:
        deadline = time.monotonic() + DEADLINE_S
        while len(got) < count and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=1000).values():
                got.extend(r.value for r in records)
    finally:
        consumer.close()
    assert len(got) == count, got
    return got


def hub_values(broker: PrivateKafka) -> list[bytes]:
    bus = open_bus(broker.url, client_id="kho-restart-test")
    try:
        return sorted(r.value for r in read_all(bus, HUB_TOPIC) if r.value is not None)
    finally:
        bus.close()


def delete_scram_user(broker: PrivateKafka, agency: str) -> None:
    """Remove a departed agency's credential, as an operator does (kafka-python directly)."""
    client = kafka.KafkaAdminClient(**hub_login(broker).client_options())
    try:
        result = client.alter_user_scram_credentials(
            [UserScramCredentialDeletion(agency, ScramMechanism.SCRAM_SHA_512)]
        )
        assert result == {agency: None}
    finally:
        client.close()


def test_the_departed_agency_sorts_first() -> None:
    """The departed agency's id hashes to 0, its other ids do not: the restart below is the
    case that lost every SCRAM-SHA-512 login before the anchor user."""
    assert java_string_hash(DEPARTED) == 0
    for size in (16, 32):
        assert all(hashmap_bucket(a, size) != 0 for a in (OWNER, READER, "kho", "broker"))


def test_the_format_writes_the_anchor_user_first() -> None:
    """The storage format's first SCRAM credentials, on both mechanisms, are the anchor's, whose
    name hashes to 0, so a restarted broker visits it before any deleted user."""
    listed = subprocess.run(
        ["bash", "-c", f'source "{SASL_SH}" && kafka_scram_arguments hub-pw broker-pw'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    values = listed[1::2]
    anchor = values[0].split("name=", 1)[1].split(",", 1)[0]
    assert listed[0::2][:5] == ["--add-scram"] * 5
    assert [v.split("=", 1)[0] for v in values[:2]] == ["SCRAM-SHA-512", "SCRAM-SHA-256"]
    assert all(f"name={anchor}," in v for v in values[:2])
    assert anchor not in ("kho", "broker") and java_string_hash(anchor) == 0


def test_restart_keeps_the_hub_and_agency_logins_and_the_records(
    broker: PrivateKafka, catalogue: Path
) -> None:
    """After stop and start on the same data, kho and an agency log in again (a deleted
    agency's user notwithstanding) and read back every record written before the restart."""
    hub_records = [f"hub-{i}".encode() for i in range(5)]
    bus = open_bus(broker.url, client_id="kho-restart-test")
    try:
        for topic in (HUB_TOPIC, TOPIC):
            bus.ensure_topic(topic, partitions=1)
        bus.publish(HUB_TOPIC, [OutgoingMessage(v, v) for v in hub_records])
    finally:
        bus.close()
    passwords = {agency: create_user(agency) for agency in (OWNER, READER, DEPARTED)}
    assert "đã thêm" in kho_acl("sync")
    owner = hub_login(broker).as_user(OWNER, passwords[OWNER])
    reader = hub_login(broker).as_user(READER, passwords[READER])
    before = [f"dossier-{i}".encode() for i in range(3)]
    eventually(lambda: produce(owner, before))
    assert sorted(eventually(lambda: read(reader, f"{READER}.before", 3))) == before
    delete_scram_user(broker, DEPARTED)

    stopped = broker.run("stop")
    assert "stopped" in stopped
    assert not port_open(broker.port), "stop returned while the broker still listened"
    # start waits until the hub's account logs in with SCRAM-SHA-512 (its readiness check)
    assert "ready on" in broker.run("start")

    assert hub_values(broker) == sorted(hub_records)
    produce(owner, [b"dossier-after"])
    assert sorted(read(reader, f"{READER}.after", 4)) == [*before, b"dossier-after"]
