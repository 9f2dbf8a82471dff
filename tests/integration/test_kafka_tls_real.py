"""SASL_SSL to Kafka for real: the development broker's TLS listener (scripts/services/kafka.sh,
127.0.0.1:19094, a certificate from the test CA the script made under .services/kafka/tls).

The hub writes a dataset and reads it back over ``kafka+ssl://``; another CA's certificate is
refused in one line naming that CA; and ``KHO_ENV=production`` accepts the SASL_SSL URL of a
user with a real password (who then works over TLS) but refuses the same login over the
SASL_PLAINTEXT listener."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import kafka
import pytest
from kafka.admin import ScramMechanism, UserScramCredentialDeletion
from pydantic import SecretStr

from connectors.samples.dossiers import dossier_documents
from hub.acl import AclBinding, Operation, PatternType, ResourceType
from hub.acl.kafka_admin import KafkaAclAdmin
from hub.app.wiring import Hub, build_hub
from hub.bus import BusUnavailable, OutgoingMessage, open_bus
from hub.bus.kafka_url import parse_kafka_url
from hub.bus.reading import read_all
from hub.errors import ConfigurationError
from hub.production import require_production_ready
from hub.settings import KhoSettings
from tests.conftest import SERVICES_DIR, service_port
from tests.integration.conftest import KAFKA_URL, POSTGRES_URL
from tests.paths import PROJECT_ROOT

# scripts/services/kafka.sh: KHO_SVC_KAFKA_TLS_PORT, by default KHO_SVC_KAFKA_PORT + 2 (19094)
TLS_PORT = service_port("KAFKA_TLS", service_port("KAFKA", 19092) + 2)
CA = SERVICES_DIR / "kafka" / "tls" / "ca.pem"
TLS_URL = f"kafka+ssl://kho:kho@127.0.0.1:{TLS_PORT}?cafile={CA}"


@pytest.fixture(scope="module")
def other_ca(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA of its own, which never signed the broker's certificate."""
    folder = tmp_path_factory.mktemp("other-ca")
    script = PROJECT_ROOT / "scripts" / "test-ca.sh"
    subprocess.run(["bash", str(script), str(folder)], check=True, timeout=60)
    return folder / "ca.pem"


@pytest.fixture
def tls_hub(tmp_path: Path, isolated_catalogue: tuple[Path, str]) -> Iterator[Hub]:
    """A hub on Kafka over SASL_SSL and PostgreSQL, with this run's own dossier topic."""
    if not CA.is_file():
        pytest.fail(f"no test CA at {CA}: run scripts/services.sh start kafka first")
    settings = KhoSettings(
        data_dir=tmp_path / "kho",
        bus_url=TLS_URL,
        database_url=POSTGRES_URL,
        portal_url=f"folder:{tmp_path / 'opendata'}",
        catalogue_path=isolated_catalogue[0],
    )
    hub = build_hub(settings)
    yield hub
    hub.close()


def test_the_hub_writes_and_reads_a_dataset_over_sasl_ssl(
    tls_hub: Hub, isolated_catalogue: tuple[Path, str]
) -> None:
    """Records written by the hub's writer over kafka+ssl:// are read back and decoded over
    the same TLS listener, and the plain listener sees the same records."""
    assert tls_hub.bus.connection.security_protocol == "SASL_SSL"  # type: ignore[attr-defined]
    writer = tls_hub.writer(isolated_catalogue[1])
    documents = dossier_documents(50, seed=94)
    writer.publish([writer.message(writer.json_reader.read(d)) for d in documents])
    topic = writer.entry.topic
    read = [tls_hub.decoder.decode(r.value) for r in read_all(tls_hub.bus, topic)]
    assert sorted(r["dossier_id"] for r in read) == sorted(d["dossier_id"] for d in documents)
    plain = open_bus(KAFKA_URL)
    try:
        assert plain.end_offsets(topic) == tls_hub.bus.end_offsets(topic)
    finally:
        plain.close()


def test_a_certificate_from_another_ca_is_refused_in_one_line(
    other_ca: Path, tmp_path: Path
) -> None:
    """The bus refuses the broker when the CA file did not sign its certificate: the error
    names the CA file and the broker; ``kho publish --plan`` prints that one line, exit 1."""
    url = f"kafka+ssl://kho:kho@127.0.0.1:{TLS_PORT}?cafile={other_ca}"
    bus = open_bus(url)
    try:
        with pytest.raises(BusUnavailable) as refused:
            bus.end_offsets("tthc.dossiers")
    finally:
        bus.close()
    message = str(refused.value)
    assert str(other_ca) in message and f"127.0.0.1:{TLS_PORT}" in message, message
    assert "\n" not in message

    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    env.update(COLUMNS="400", KHO_DATA_DIR=str(tmp_path / "kho"), KHO_BUS_URL=url)
    result = subprocess.run(
        [sys.executable, "-c", "from hub.app.cli.root import main; main()", "publish", "--plan"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Traceback" not in output
    named = [line for line in output.splitlines() if str(other_ca) in line]
    assert len(named) == 1, output


@pytest.fixture
def tls_user() -> Iterator[tuple[str, str, str]]:
    """A SCRAM user with a real (random) password, allowed everything on topics under its own
    prefix; made over SASL_SSL by the hub's ACL admin, and removed afterwards."""
    run = uuid.uuid4().hex[:8]
    user, password, prefix = f"tls-{run}", secrets.token_hex(16), f"tls.{run}."
    admin = KafkaAclAdmin(parse_kafka_url(TLS_URL))
    grant = AclBinding(
        f"User:{user}", ResourceType.TOPIC, prefix, PatternType.PREFIXED, Operation.ALL
    )
    admin.set_scram_password(user, password)
    admin.create([grant])
    try:
        yield user, password, prefix
    finally:
        admin.delete([grant])
        admin.close()
        client = kafka.KafkaAdminClient(**parse_kafka_url(TLS_URL).client_options())
        try:
            client.alter_user_scram_credentials(
                [UserScramCredentialDeletion(user, ScramMechanism.SCRAM_SHA_512)]
            )
        finally:
            client.close()


def _production(tmp_path: Path, bus_url: str) -> KhoSettings:
    """Production settings but for the bus under test (no connection is made by the check)."""
    return KhoSettings(
        env="production",
        data_dir=tmp_path / "kho",
        bus_url=bus_url,
        database_url="postgresql://hub:s3cret-Long@db.tinh.gov.vn/kho?sslmode=verify-full",
        pseudonym_key=SecretStr("ab" * 32),
        connectors_dir=tmp_path / "connectors",
        audit_anchors_url=bus_url,
        audit_anchor_key_file=tmp_path / "keys" / "audit-anchor.key",
    )


def test_production_accepts_sasl_ssl_and_refuses_sasl_without_tls(
    tls_user: tuple[str, str, str], tmp_path: Path
) -> None:
    """KHO_ENV=production: the SASL_SSL URL of a user with a real password passes the check and
    that user writes and reads over TLS; the same login on the SASL_PLAINTEXT listener, which
    the broker would accept, is refused in one line naming KHO_BUS_URL."""
    user, password, prefix = tls_user
    tls_url = f"kafka+ssl://{user}:{password}@127.0.0.1:{TLS_PORT}?cafile={CA}"
    settings = _production(tmp_path, tls_url)
    require_production_ready(settings, "production")
    bus = open_bus(settings.bus_url)
    topic = f"{prefix}records"
    try:
        bus.publish(topic, [OutgoingMessage(key=b"k", value=b"over TLS")])
        assert [r.value for r in read_all(bus, topic)] == [b"over TLS"]
    finally:
        bus.close()

    plain_url = f"kafka://{user}:{password}@127.0.0.1:{service_port('KAFKA', 19092)}"
    with pytest.raises(ConfigurationError) as refused:
        require_production_ready(_production(tmp_path, plain_url), "production")
    message = str(refused.value)
    assert "KHO_BUS_URL" in message and "kafka+ssl://" in message and "\n" not in message
    assert password not in message
