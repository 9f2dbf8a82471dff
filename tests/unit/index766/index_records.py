"""Dossiers and feedback as a department's system would post them, with the fields the 766
index reads set by the test; published encoded as the dataset's writer would (no contract
check, so a test can send what the index must refuse); and the index's tables read whole, to
compare two runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from hub.app.wiring import Hub
from hub.bus import OutgoingMessage
from hub.index766.tables import index_dossiers_table, index_feedback_table
from hub.index766.worker import IndexPorts, IndexWorker
from hub.vietnam_time import VIETNAM_TZ
from tests.bus_ports import embedded_group_offsets

DOSSIERS = "tthc.dossiers"
FEEDBACK = "feedback.citizen_feedback"


def vn(text: str) -> dt.datetime:
    """A Vietnam-time moment from ``2025-08-04 09:00``."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=VIETNAM_TZ)


def dossier(
    dossier_id: str,
    *,
    agency: str = "so-tp",
    commune: str = "30001",
    received: str = "2025-08-04 09:00",
    due: str = "2025-08-11 17:00",
    finished: str | None = None,
    procedure: str = "1.001193",
    **fields: Any,
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "dossier_id": dossier_id,
        "procedure_code": procedure,
        "procedure_name": "Đăng ký khai sinh",
        "receiving_agency_code": agency,
        "applicant_id_number": "082095001234",
        "applicant_name": "Nguyễn Văn An",
        "commune_code": commune,
        "channel": "online",
        "received_at": vn(received).isoformat(),
        "due_at": vn(due).isoformat(),
        "finished_at": vn(finished).isoformat() if finished else None,
        "status": "finished" if finished else "processing",
        "paid_online": False,
        "fee_vnd": 0,
    }
    document.update(fields)
    return document


def feedback(
    feedback_id: str,
    *,
    commune: str = "30001",
    received: str = "2025-08-05 10:00",
    resolved: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "feedback_id": feedback_id,
        "channel": "phone",
        "category": "hành chính",
        "commune_code": commune,
        "text": "Hồ sơ chậm trả kết quả",
        "reporter_phone": None,
        "status": "resolved" if resolved else "received",
        "received_at": vn(received).isoformat(),
        "resolved_at": vn(resolved).isoformat() if resolved else None,
    }
    document.update(fields)
    return document


def publish(hub: Hub, dataset: str, documents: list[dict[str, Any]]) -> None:
    writer = hub.writer(dataset)
    writer.publish([writer.message(writer.json_reader.read(d)) for d in documents])


def publish_bytes(hub: Hub, dataset: str, payloads: list[bytes]) -> None:
    topic = hub.catalogue.entry(dataset).topic
    hub.bus.ensure_topic(topic)
    hub.bus.publish(topic, [OutgoingMessage(key=None, value=p) for p in payloads])


def index_tables(hub: Hub) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every dossier and feedback row of the index, sorted: what two runs must agree on."""
    with hub.engine.connect() as conn:
        dossiers = conn.execute(
            sa.select(index_dossiers_table).order_by(index_dossiers_table.c.dossier_id)
        ).all()
        feedback = conn.execute(
            sa.select(index_feedback_table).order_by(index_feedback_table.c.feedback_id)
        ).all()
    return [tuple(r) for r in dossiers], [tuple(r) for r in feedback]


def worker(
    hub: Hub,
    *,
    batch_size: int = 500,
    after_states: Callable[[], None] | None = None,
) -> IndexWorker:
    """The worker on the test's embedded adapters, passed in (a fault injected when asked)."""
    ports = IndexPorts(
        bus=hub.bus,
        group_offsets=embedded_group_offsets(hub.bus),
        decoder=hub.decoder,
        store=hub.index_store,
        dlq_writer=hub.writer,
    )
    return IndexWorker(
        hub.catalogue.entry(DOSSIERS),
        hub.catalogue.entry(FEEDBACK),
        ports,
        batch_size=batch_size,
        after_states=after_states,
    )
