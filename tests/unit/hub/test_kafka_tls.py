"""Why a ``kafka+ssl://`` connection is refused, found by a real TLS handshake: a TLS server
on 127.0.0.1 (Python's ssl module, a certificate from scripts/test-ca.sh) stands in for the
broker's listener, since only the handshake is probed."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub.bus.kafka_tls import tls_refusal
from hub.bus.kafka_url import parse_kafka_url
from tests.paths import PROJECT_ROOT


@dataclass(frozen=True)
class TlsListener:
    port: int
    ca: Path
    other_ca: Path


def _test_ca(folder: Path) -> None:
    script = PROJECT_ROOT / "scripts" / "test-ca.sh"
    subprocess.run(["bash", str(script), str(folder)], check=True, timeout=60)


@pytest.fixture(scope="module")
def listener(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsListener]:
    home = tmp_path_factory.mktemp("kafka-tls")
    _test_ca(home / "certs")
    _test_ca(home / "other")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(home / "certs" / "server.pem", home / "certs" / "server.key")
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                raw, _ = server.accept()
            except TimeoutError:
                continue
            try:
                with context.wrap_socket(raw, server_side=True):
                    pass
            except (OSError, ssl.SSLError):
                raw.close()  # the client refused our certificate

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield TlsListener(server.getsockname()[1], home / "certs" / "ca.pem", home / "other" / "ca.pem")
    stop.set()
    thread.join(timeout=5)
    server.close()


def _url(port: int, query: str = "") -> str:
    return f"kafka+ssl://kho:secret-pw@127.0.0.1:{port}{query}"


def test_the_right_ca_finds_nothing_to_blame(listener: TlsListener) -> None:
    """The handshake with the CA that signed the certificate succeeds: no TLS reason."""
    assert tls_refusal(parse_kafka_url(_url(listener.port, f"?cafile={listener.ca}"))) is None


def test_another_ca_is_named_with_the_broker(listener: TlsListener) -> None:
    """A CA that did not sign the broker's certificate: the reason names the CA file and the
    broker, and not the password."""
    connection = parse_kafka_url(_url(listener.port, f"?cafile={listener.other_ca}"))
    reason = tls_refusal(connection)
    assert reason is not None
    assert str(listener.other_ca) in reason and f"127.0.0.1:{listener.port}" in reason
    assert "secret-pw" not in reason and "\n" not in reason


def test_without_cafile_the_system_authorities_are_named(listener: TlsListener) -> None:
    """No cafile: the test CA is no system authority, and the reason says whose check failed."""
    reason = tls_refusal(parse_kafka_url(_url(listener.port)))
    assert reason is not None and "CA tin cậy của hệ thống" in reason


def test_a_missing_or_unreadable_ca_file_is_named(tmp_path: Path) -> None:
    """A cafile that does not exist, or holds no certificate, is named before any connection."""
    missing = tmp_path / "nope.pem"
    reason = tls_refusal(parse_kafka_url(_url(9, f"?cafile={missing}")))
    assert reason is not None and str(missing) in reason and "cafile" in reason
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n", encoding="utf-8")
    reason = tls_refusal(parse_kafka_url(_url(9, f"?cafile={garbage}")))
    assert reason is not None and str(garbage) in reason


def test_no_tls_or_no_answer_blames_nothing() -> None:
    """kafka:// has no TLS to blame; a port nobody listens on is not a TLS problem."""
    assert tls_refusal(parse_kafka_url("kafka://kho:pw@127.0.0.1:9")) is None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    assert tls_refusal(parse_kafka_url(_url(closed))) is None
