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

import hashlib
import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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
from tests.conftest import SERVICES_DIR
from tests.paths import CATALOGUE_DIR, PROJECT_ROOT

KAFKA_SH = PROJECT_ROOT / "scripts" / "services" / "kafka.sh"
POM = PROJECT_ROOT / "services" / "kafka" / "pom.xml"
SASL_SH = PROJECT_ROOT / "services" / "kafka" / "sasl.sh"
# An agency id whose Java String.hashCode() is 0: HashMap bucket 0, whatever the table size.
# The other ids' buckets are not 0 while the user map has 16 or 32 buckets, so DEPARTED is the
# first user a restarted broker visits (after the anchor, which is also in bucket 0, but first).
DEPARTED = "co-quan-giai-the-fwnuris"
OWNER, READER = "so-khoi-dong-lai", "so-doc-lai"
TOPIC = "restart.dossiers"
HUB_TOPIC = "restart.hub"
START_TIMEOUT_S = 300  # Maven (only when the shared jars are missing) + 90 s of readiness
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


@dataclass(frozen=True)
class Broker:
    """The second broker: its script's environment and the hub's login on it."""

    env: dict[str, str]
    hub: KafkaConnection

    @property
    def url(self) -> str:
        return f"kafka://kho:kho@{self.hub.bootstrap}"

    def script(self, action: str) -> str:
        """Run ``kafka.sh ACTION`` for this broker; fail the test with its output if it fails."""
        done = subprocess.run(
            ["bash", str(KAFKA_SH), action],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
            check=False,
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"kafka.sh {action} failed:\n{output[-4000:]}"
        return output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _shared_jars() -> dict[str, str]:
    """Reuse the usual broker's jars when they match the pom (kafka.sh then leaves them alone);
    otherwise the second broker resolves its own."""
    lib = SERVICES_DIR / "kafka" / "lib"
    stamp = lib / ".pom.sha256"
    want = hashlib.sha256(POM.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text().strip() == want:
        return {"KHO_SVC_KAFKA_LIB": str(lib)}
    return {}


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    port, controller_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "KHO_SERVICES_DIR": str(tmp_path / "services"),
        "KHO_SVC_KAFKA_PORT": str(port),
        "KHO_SVC_KAFKA_CONTROLLER_PORT": str(controller_port),
        "KHO_SVC_KAFKA_TLS_PORT": str(_free_port()),  # the usual broker's may be port + 2
        "KHO_SVC_KAFKA_HEAP": "-Xms128m -Xmx512m",  # a guest beside the usual broker
    }
    env.pop("KHO_SVC_KAFKA_LIB", None)
    env.update(_shared_jars())
    started = Broker(env, parse_kafka_url(f"kafka://kho:kho@127.0.0.1:{port}"))
    try:
        started.script("start")
        yield started
    finally:
        subprocess.run(["bash", str(KAFKA_SH), "stop"], env=env, timeout=120, check=False)


@pytest.fixture
def catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broker: Broker) -> Path:
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


def hub_values(broker: Broker) -> list[bytes]:
    bus = open_bus(broker.url, client_id="kho-restart-test")
    try:
        return sorted(r.value for r in read_all(bus, HUB_TOPIC) if r.value is not None)
    finally:
        bus.close()


def delete_scram_user(broker: Broker, agency: str) -> None:
    """Remove a departed agency's credential, as an operator does (kafka-python directly)."""
    client = kafka.KafkaAdminClient(**broker.hub.client_options())
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
    broker: Broker, catalogue: Path
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
    owner = broker.hub.as_user(OWNER, passwords[OWNER])
    reader = broker.hub.as_user(READER, passwords[READER])
    before = [f"dossier-{i}".encode() for i in range(3)]
    eventually(lambda: produce(owner, before))
    assert sorted(eventually(lambda: read(reader, f"{READER}.before", 3))) == before
    delete_scram_user(broker, DEPARTED)

    stopped = broker.script("stop")
    assert "stopped" in stopped
    port = int(broker.env["KHO_SVC_KAFKA_PORT"])
    assert not _port_open(port), "stop returned while the broker still listened"
    # start waits until the hub's account logs in with SCRAM-SHA-512 (its readiness check)
    assert "ready on" in broker.script("start")

    assert hub_values(broker) == sorted(hub_records)
    produce(owner, [b"dossier-after"])
    assert sorted(read(reader, f"{READER}.after", 4)) == [*before, b"dossier-after"]
