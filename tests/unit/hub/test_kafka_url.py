"""KHO_BUS_URL for Kafka: servers, SASL/SCRAM login, and a password that never shows."""

from __future__ import annotations

import pytest

from hub.bus import open_bus
from hub.bus.kafka import KafkaBus
from hub.bus.kafka_url import KafkaConnection, parse_kafka_url
from hub.errors import ConfigurationError


def test_without_user_info_is_plaintext() -> None:
    """No user info: PLAINTEXT, no SASL options at all (other clusters keep working)."""
    connection = parse_kafka_url("kafka://10.0.0.5:9092,10.0.0.6:9092/")
    assert connection.servers == ("10.0.0.5:9092", "10.0.0.6:9092")
    assert not connection.authenticated
    assert connection.client_options() == {
        "bootstrap_servers": ["10.0.0.5:9092", "10.0.0.6:9092"],
        "security_protocol": "PLAINTEXT",
    }


def test_user_info_logs_in_with_scram_sha_512() -> None:
    """user:password@ means SASL_PLAINTEXT with SCRAM-SHA-512, percent-decoded."""
    connection = parse_kafka_url("kafka://so%2Dyt:p%40ss%3Aw%2Fd@kafka.local:19092")
    assert connection.client_options() == {
        "bootstrap_servers": ["kafka.local:19092"],
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "so-yt",
        "sasl_plain_password": "p@ss:w/d",
    }


def test_mechanism_can_be_scram_sha_256() -> None:
    """?mechanism=SCRAM-SHA-256 (any case) picks the other SCRAM mechanism."""
    connection = parse_kafka_url("kafka://kho:kho@127.0.0.1:19092?mechanism=scram-sha-256")
    assert connection.mechanism == "SCRAM-SHA-256"
    assert connection.client_options()["sasl_mechanism"] == "SCRAM-SHA-256"


def test_a_raw_at_sign_in_the_password_still_parses() -> None:
    """The last @ separates the login from the servers."""
    assert parse_kafka_url("kafka://kho:a@b@h:1").password == "a@b"


def test_ipv6_server() -> None:
    """A bracketed IPv6 address with its port is a server."""
    assert parse_kafka_url("kafka://[::1]:9092").servers == ("[::1]:9092",)


def test_password_never_in_repr_or_str() -> None:
    """repr, str and f-strings of the connection hide the password."""
    connection = parse_kafka_url("kafka://kho:s3cret-Pa55@127.0.0.1:19092")
    for shown in (repr(connection), str(connection), f"{connection}", f"{connection!r}"):
        assert "s3cret-Pa55" not in shown
        assert "kho" in shown
    assert str(connection) == "kafka://kho:***@127.0.0.1:19092"
    assert "s3cret-Pa55" not in repr({"bus": connection})


def test_as_user_keeps_the_servers_and_mechanism() -> None:
    """An agency's connection: same brokers and mechanism, another login."""
    hub = parse_kafka_url("kafka://kho:kho@h:1,h:2?mechanism=SCRAM-SHA-256")
    agency = hub.as_user("so-yt", "pw")
    assert agency == KafkaConnection(("h:1", "h:2"), "so-yt", "pw", "SCRAM-SHA-256")


@pytest.mark.parametrize(
    "url",
    [
        "kafka://",
        "kafka://host",
        "kafka://host:port",
        "kafka://host:0",
        "kafka://host:70000",
        "kafka://host:9092,",
        "kafka://host:9092/path",
        "kafka://host:9092#frag",
        "kafka://kho@host:9092",
        "kafka://kho:@host:9092",
        "kafka://:pw@host:9092",
        "kafka://kho:pw@host:9092?mechanism=PLAIN",
        "kafka://kho:pw@host:9092?tls=1",
        "kafka://host:9092?mechanism=SCRAM-SHA-256",
        "kafka://bad host:9092",
        "http://host:9092",
    ],
)
def test_malformed_urls_name_the_setting(url: str) -> None:
    """Each malformed URL is a ConfigurationError that names KHO_BUS_URL."""
    with pytest.raises(ConfigurationError, match="KHO_BUS_URL"):
        parse_kafka_url(url)


def test_errors_never_show_the_password() -> None:
    """A bad URL with a password: the message names the setting, not the password."""
    with pytest.raises(ConfigurationError) as refused:
        parse_kafka_url("kafka://kho:TopSecret99@host:notaport")
    assert "TopSecret99" not in str(refused.value)
    with pytest.raises(ConfigurationError) as unknown:
        open_bus("kafkaa://kho:TopSecret99@host:9092")
    assert "TopSecret99" not in str(unknown.value)


def test_open_bus_uses_the_login() -> None:
    """open_bus builds a Kafka bus (no network call) that carries the parsed connection."""
    bus = open_bus("kafka://kho:kho@127.0.0.1:1")
    try:
        assert isinstance(bus, KafkaBus)
        assert bus.description == "Kafka 127.0.0.1:1"
        assert bus.connection.username == "kho"
    finally:
        bus.close()
