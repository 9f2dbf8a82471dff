"""A closed hub leaves no socket open to Kafka.

The suite turns a ``ResourceWarning`` into an error, but an unclosed socket is only reported
when the garbage collector frees it, in whichever test runs then, and kafka-python 3.0.12
can drop a connected socket of its own (a connection whose set-up is cut short). So
pyproject.toml ignores unclosed sockets to the test broker's ports, and this test checks the
hub's own part deterministically: every Kafka client it opened is closed by ``Hub.close()``,
counted from the process's open TCP connections, not from the collector's timing.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import psutil

from hub.app.wiring import build_hub
from hub.audit import actions
from hub.bus.port import OutgoingMessage
from hub.settings import KhoSettings
from tests.audit_tampering import ACTOR
from tests.integration.conftest import KAFKA_URL, POSTGRES_URL
from tests.paths import CATALOGUE_DIR

KAFKA_PORT = int(KAFKA_URL.rsplit(":", 1)[1])


def kafka_sockets() -> set[tuple[str, int]]:
    """This process's TCP connections to the broker, by local address."""
    return {
        (c.laddr.ip, c.laddr.port)
        for c in psutil.Process().net_connections(kind="tcp")
        if c.raddr and c.raddr.port == KAFKA_PORT and c.status != psutil.CONN_CLOSE_WAIT
    }


def test_a_closed_hub_leaves_no_socket_to_kafka(tmp_path: Path) -> None:
    before = kafka_sockets()
    run = uuid.uuid4().hex[:8]
    topic = f"kho.it.sockets.{run}"
    settings = KhoSettings(
        data_dir=tmp_path / "kho",
        bus_url=KAFKA_URL,
        database_url=POSTGRES_URL,
        catalogue_path=CATALOGUE_DIR / "datasets.yaml",
        audit_anchors_url=KAFKA_URL,
        audit_anchor_topic=f"kho.audit.anchors.it-{run}",
        audit_anchor_every=1,
    )
    with build_hub(settings) as hub:
        hub.bus.ensure_topic(topic, 2)
        hub.bus.publish(topic, [OutgoingMessage(key=b"k", value=b"v")])
        assert [r.value for r in hub.bus.fetch(topic, 0, 0, 10) + hub.bus.fetch(topic, 1, 0, 10)]
        assert sum(hub.bus.end_offsets(topic).values()) == 1
        member = hub.bus.consumer(f"kho-it-sockets-{run}", [topic])
        deadline = time.monotonic() + 30
        while not member.poll(timeout_s=1.0) and time.monotonic() < deadline:
            pass
        member.commit()
        member.close()
        offsets = hub.group_offsets()
        assert sum(offsets.committed(f"kho-it-sockets-{run}", topic).values()) == 1
        offsets.close()
        hub.audit.append(actions.RECORDS_WRITE, actor=ACTOR, dataset="tthc.dossiers", details={})
        assert hub.audit.verify().anchored is not None
        opened = kafka_sockets() - before
        assert opened, "the hub never reached Kafka: nothing was measured"

    deadline = time.monotonic() + 10
    while (left := kafka_sockets() & opened) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"{len(left)} socket(s) to Kafka still open after Hub.close(): {left}"
