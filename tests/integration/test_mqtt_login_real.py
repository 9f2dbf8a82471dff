"""MQTT with a login, for real: a second, private Mosquitto started by the test (never the
shared one) refuses anonymous clients. A connector whose URL carries ``user:${VAR}`` logs in
and subscribes; the same URL with the wrong password, or none, is refused as a configuration
error naming the broker."""

from __future__ import annotations

import getpass
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.config import MqttSource
from connectors.errors import ConnectorError
from connectors.sources.mqtt import MqttSubscriber
from tests.ports import free_port

PASSWORD = "mqtt-test-Pw-3"  # noqa: S105 (a throw-away broker's password)


@pytest.fixture(scope="module")
def broker_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    folder: Path = tmp_path_factory.mktemp("mosquitto")
    passwords = folder / "passwords"
    subprocess.run(
        ["mosquitto_passwd", "-b", "-c", str(passwords), "tram", PASSWORD], check=True, timeout=30
    )
    passwords.chmod(0o600)
    port = free_port()
    conf = folder / "mosquitto.conf"
    conf.write_text(
        # `user`: stay the test's own user, who can read the password file in its folder.
        f"user {getpass.getuser()}\nlistener {port} 127.0.0.1\nallow_anonymous false\n"
        f"password_file {passwords}\n"
        "persistence false\n",
        encoding="utf-8",
    )
    broker = subprocess.Popen(
        ["/usr/sbin/mosquitto", "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or broker.poll() is not None:
                    pytest.fail("the private Mosquitto did not start")
                time.sleep(0.1)
        yield port
    finally:
        broker.terminate()
        broker.wait(timeout=15)


def _source(url: str) -> MqttSource:
    return MqttSource(kind="mqtt", url=url, topics=["salinity/+/reading"], client_id="kho-login")


def test_a_login_from_the_environment_subscribes(broker_port: int) -> None:
    """``mqtt://tram:${MQTT_PASSWORD}@...`` with the variable set: connected and subscribed."""
    url = f"mqtt://tram:${{MQTT_PASSWORD}}@127.0.0.1:{broker_port}"
    subscriber = MqttSubscriber(_source(url), environ={"MQTT_PASSWORD": PASSWORD})
    with subscriber:
        assert subscriber.get(0.1) is None  # subscribed, nothing published yet


@pytest.mark.parametrize("login", ["", "tram:not-the-password@"])
def test_anonymous_or_a_wrong_password_is_refused(broker_port: int, login: str) -> None:
    """No login, or the wrong password: a ConnectorError naming the broker, no password."""
    subscriber = MqttSubscriber(
        _source(f"mqtt://{login}127.0.0.1:{broker_port}"), connect_timeout_s=5
    )
    with pytest.raises(ConnectorError, match=f"Máy chủ MQTT 127.0.0.1:{broker_port}") as refused:
        subscriber.start()
    assert "not-the-password" not in str(refused.value)
