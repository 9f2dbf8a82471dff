"""The Kafka node's server.properties (services/kafka/sasl.sh): the SASL_SSL listener appears
beside SASL_PLAINTEXT only when a TLS port is given (scripts/services/kafka.sh gives one; the
compose start script does not), with the same SCRAM mechanisms and a PEM keystore."""

from __future__ import annotations

import subprocess

from tests.paths import PROJECT_ROOT

SASL_SH = PROJECT_ROOT / "services" / "kafka" / "sasl.sh"


def _properties(*arguments: str) -> dict[str, str]:
    """kafka_server_properties ARGUMENTS..., parsed into key → value."""
    quoted = " ".join(f"'{a}'" for a in arguments)
    printed = subprocess.run(
        ["bash", "-c", f'source "{SASL_SH}" && kafka_server_properties {quoted}'],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    pairs = (line.split("=", 1) for line in printed.splitlines() if "=" in line)
    return {key: value for key, value in pairs}


def test_a_tls_port_adds_a_sasl_ssl_listener_with_the_same_logins() -> None:
    """Listeners CLIENT (19092) and TLS (19094), both advertised; TLS speaks SASL_SSL with the
    SCRAM mechanisms of CLIENT and the keystore given; the controller is unchanged."""
    props = _properties(
        "127.0.0.1", "127.0.0.1", "19092", "19093", "/d", "pw", "19094", "/t/keystore.pem"
    )
    assert props["listeners"] == (
        "CLIENT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093,TLS://127.0.0.1:19094"
    )
    assert props["advertised.listeners"] == "CLIENT://127.0.0.1:19092,TLS://127.0.0.1:19094"
    assert props["listener.security.protocol.map"] == (
        "CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT,TLS:SASL_SSL"
    )
    assert props["inter.broker.listener.name"] == "CLIENT"
    assert (
        props["listener.name.tls.sasl.enabled.mechanisms"]
        == props["listener.name.client.sasl.enabled.mechanisms"]
    )
    assert props["listener.name.tls.ssl.keystore.type"] == "PEM"
    assert props["listener.name.tls.ssl.keystore.location"] == "/t/keystore.pem"


def test_without_a_tls_port_nothing_of_tls_is_written() -> None:
    """The compose start script's six arguments: the listeners of before, no TLS setting."""
    props = _properties("0.0.0.0", "kafka", "9092", "9093", "/d", "pw")
    assert props["listeners"] == "CLIENT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093"
    assert props["listener.security.protocol.map"] == (
        "CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT"
    )
    assert not [key for key in props if key.startswith("listener.name.tls.")]
