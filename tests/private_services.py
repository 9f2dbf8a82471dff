"""Private instances of the real services, for fault tests that stop and start a server.

The shared services (scripts/services.sh) are never restarted by a test: other tests use them at
the same time. A fault test starts its own Kafka broker or PostgreSQL cluster with the project's
own scripts (scripts/services/kafka.sh, scripts/services/postgres.sh) on free ports, with a
services folder of its own under the test's tmp_path, and stops it afterwards.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import SERVICES_DIR
from tests.paths import PROJECT_ROOT
from tests.ports import free_port

SERVICE_SCRIPTS = PROJECT_ROOT / "scripts" / "services"
KAFKA_POM = PROJECT_ROOT / "services" / "kafka" / "pom.xml"
START_TIMEOUT_S = 300  # Maven (only when the shared jars are missing) + 90 s of readiness


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@dataclass(frozen=True)
class PrivateService:
    """One service script run with an environment of its own (ports, services folder)."""

    script: str
    env: dict[str, str]
    port: int

    def run(self, action: str) -> str:
        """``<script> ACTION``; fails the test with the script's output if it fails."""
        done = subprocess.run(
            ["bash", str(SERVICE_SCRIPTS / self.script), action],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
            check=False,
        )
        output = done.stdout + done.stderr
        if done.returncode != 0:
            raise AssertionError(f"{self.script} {action} failed:\n{output[-4000:]}")
        return output

    def start(self) -> float:
        """Start the service; the seconds until its script said it was ready."""
        began = time.monotonic()
        self.run("start")
        return time.monotonic() - began

    def stop(self) -> None:
        self.run("stop")
        if port_open(self.port):
            raise AssertionError(f"{self.script} stop returned while port {self.port} listened")


@dataclass(frozen=True)
class PrivateKafka(PrivateService):
    @property
    def url(self) -> str:
        """KHO_BUS_URL of the hub's own account on this broker."""
        return f"kafka://kho:kho@127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The broker's JVM (kafka.sh's PID file)."""
        return int((Path(self.env["KHO_SERVICES_DIR"]) / "kafka" / "kafka.pid").read_text())

    def freeze(self) -> None:
        """Stop the broker dead (SIGSTOP): gone without closing a connection, so its clients
        learn it only by a timeout. ``thaw`` continues it."""
        os.kill(self.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.pid, signal.SIGCONT)


@dataclass(frozen=True)
class PrivatePostgres(PrivateService):
    @property
    def url(self) -> str:
        """KHO_DATABASE_URL of the hub's own account on this cluster."""
        return f"postgresql://kho:kho@127.0.0.1:{self.port}/kho"


def _shared_kafka_jars() -> dict[str, str]:
    """Reuse the usual broker's jars when they match the pom (kafka.sh then leaves them alone);
    otherwise the private broker resolves its own."""
    lib = SERVICES_DIR / "kafka" / "lib"
    stamp = lib / ".pom.sha256"
    want = hashlib.sha256(KAFKA_POM.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text().strip() == want:
        return {"KHO_SVC_KAFKA_LIB": str(lib)}
    return {}


@contextmanager
def private_kafka(folder: Path, *, stop_timeout_s: int = 20) -> Iterator[PrivateKafka]:
    """A single-node broker of the test's own, its state under ``folder``; stopped afterwards.
    ``stop`` gives it ``stop_timeout_s`` of clean shutdown before SIGKILL."""
    port = free_port()
    env = {
        **os.environ,
        "KHO_SERVICES_DIR": str(folder),
        "KHO_SVC_KAFKA_PORT": str(port),
        "KHO_SVC_KAFKA_CONTROLLER_PORT": str(free_port()),
        "KHO_SVC_KAFKA_TLS_PORT": str(free_port()),  # the usual broker's may be port + 2
        "KHO_SVC_KAFKA_HEAP": "-Xms128m -Xmx512m",  # a guest beside the usual broker
        "KHO_SVC_KAFKA_STOP_TIMEOUT": str(stop_timeout_s),
    }
    env.pop("KHO_SVC_KAFKA_LIB", None)
    env.update(_shared_kafka_jars())
    broker = PrivateKafka("kafka.sh", env, port)
    try:
        broker.start()
        yield broker
    finally:
        subprocess.run(
            ["bash", str(SERVICE_SCRIPTS / "kafka.sh"), "stop"], env=env, timeout=120, check=False
        )


@pytest.fixture(scope="session")
def private_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateKafka]:
    """One private broker for the session's fault tests (its start costs 10 to 25 s); a test
    that stops it, or freezes it, leaves it running again."""
    with private_kafka(tmp_path_factory.mktemp("private-kafka")) as broker:
        yield broker


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of the test's own, with the hub's ``kho`` role and database; stopped
    and deleted afterwards. Its folder is outside pytest's tmp_path: the server runs as the
    ``postgres`` user, and every pytest that starts (other runs on the machine too) takes the
    others' access to /tmp/pytest-of-<user> away again."""
    folder = Path(tempfile.mkdtemp(prefix="kho-pg-"))
    port = free_port()
    env = {**os.environ, "KHO_SERVICES_DIR": str(folder), "KHO_SVC_PG_PORT": str(port)}
    cluster = PrivatePostgres("postgres.sh", env, port)
    try:
        cluster.start()
        yield cluster
    finally:
        script = str(SERVICE_SCRIPTS / "postgres.sh")
        subprocess.run(["bash", script, "stop"], env=env, timeout=120, check=False)
        shutil.rmtree(folder, ignore_errors=True)
