"""``/quan-ly/ket-noi``: each connector's state, as ``kho connector list`` and ``kho connector
status`` tell it: the configured connectors (the YAML files of ``KHO_CONNECTORS_DIR``) and every
connector that saved a checkpoint, each with how far it has read, its counts, its last error and
when, and its last run.

A steward sees the connectors that feed the datasets their agency owns; an administrator sees
every connector, and configuration files that cannot be read. At most ``CONNECTORS_PER_PAGE``
connectors a page (``?sau=``), each with its ``STREAMS_SHOWN`` latest streams.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from connectors.checkpoints import Checkpoint, CheckpointStore, checkpoint_table
from connectors.config import load_connector_config
from connectors.errors import ConnectorError
from hub.app.web.staff.guard import Staff, for_staff
from hub.app.web.staff.id_cursor import named_page
from hub.app.web.staff.tools import CONNECTORS
from hub.app.web.templating import render
from hub.app.wiring import Hub
from hub.catalogue.models import DatasetEntry
from hub.errors import ConfigurationError

CONNECTORS_PER_PAGE = 50
STREAMS_SHOWN = 10
POSITION_CHARS = 200
"""A position longer than this (a source's own JSON) is cut, with an ellipsis."""

SOURCE_KINDS = {
    "csv": "Tệp CSV",
    "xlsx": "Sổ Excel (XLSX)",
    "folder": "Thư mục nhận tệp",
    "sql": "Bảng cơ sở dữ liệu (SQL)",
    "rest": "API REST",
    "mqtt": "Trạm đo (MQTT)",
}


@dataclass(frozen=True, slots=True)
class ConnectorState:
    """One connector: where it is configured, the dataset it feeds, its latest streams."""

    name: str
    dataset: DatasetEntry
    source_kind: str
    config_file: str | None
    """None: no file of the connectors' folder configures it (it ran from another file)."""
    streams: tuple[Checkpoint, ...]
    """The latest first, at most ``STREAMS_SHOWN``."""
    more_streams: bool

    @property
    def latest(self) -> Checkpoint | None:
        return self.streams[0] if self.streams else None

    @property
    def last_error(self) -> Checkpoint | None:
        """The latest stream whose last read failed (the error stays until it reads again)."""
        return next((cp for cp in self.streams if cp.last_error), None)

    @property
    def status(self) -> str:
        """What ``kho connector status`` says of its latest stream, in a word or two."""
        return "Chưa chạy" if self.latest is None else condition(self.latest)

    @property
    def failing(self) -> bool:
        return self.latest is not None and bool(self.latest.last_error)


@dataclass(frozen=True, slots=True)
class BrokenConfig:
    """A file of the connectors' folder that does not load, and why."""

    file: str
    reason: str


def condition(checkpoint: Checkpoint) -> str:
    """The stream's condition, by the rules of ``kho connector status``."""
    if checkpoint.last_error:
        return "Lỗi khi đọc nguồn"
    silent = checkpoint.state.get("silent")
    if silent:
        return "Trạm im lặng: " + ", ".join(map(str, silent))
    return "Đã đọc hết" if checkpoint.finished else "Đang đọc / sẽ đọc tiếp"


def position_text(position: Any) -> str:
    """How far a stream was read, as the source counts it (a row, a cursor value, ...)."""
    if position is None:
        return "Chưa có bản ghi nào được bus xác nhận"
    text = position if isinstance(position, str) else json.dumps(position, ensure_ascii=False)
    return text if len(text) <= POSITION_CHARS else text[: POSITION_CHARS - 1] + "…"


def read_connectors(hub: Hub, staff: Staff) -> tuple[list[ConnectorState], list[BrokenConfig]]:
    """The connectors this person may see, and (for an administrator) the broken files."""
    store = CheckpointStore(hub.engine)
    ran = _ran(hub, store)
    configured: dict[str, tuple[str, str, str]] = {}  # name -> dataset, kind, file
    broken: list[BrokenConfig] = []
    for path in _config_files(hub.settings.connectors_dir):
        try:
            config = load_connector_config(path)
        except ConnectorError as exc:
            # the file's name only: staff pages show no path on the server's disk
            broken.append(BrokenConfig(path.name, str(exc).replace(str(path), path.name)))
            continue
        configured.setdefault(config.name, (config.dataset, config.source.kind, path.name))
    names: dict[str, tuple[str, str | None, str | None]] = {
        name: (dataset, None, None) for name, dataset in ran.items()
    }
    names.update(configured)
    states = []
    for name, (dataset_id, kind, file) in names.items():
        try:
            entry = hub.catalogue.entry(dataset_id)
        except ConfigurationError as exc:
            broken.append(BrokenConfig(file or name, str(exc)))
            continue
        if not staff.owns(entry):
            continue
        streams = store.of_connector(name, limit=STREAMS_SHOWN + 1) if name in ran else []
        states.append(
            ConnectorState(
                name=name,
                dataset=entry,
                source_kind=kind or (streams[0].source_kind if streams else ""),
                config_file=file,
                streams=tuple(streams[:STREAMS_SHOWN]),
                more_streams=len(streams) > STREAMS_SHOWN,
            )
        )
    return states, broken if staff.is_admin else []


def _ran(hub: Hub, store: CheckpointStore) -> dict[str, str]:
    """The connectors that saved a checkpoint (none before the first run made the table)."""
    if not sa.inspect(hub.engine).has_table(checkpoint_table.name):
        return {}
    return store.connectors()


def _config_files(folder: Path) -> list[Path]:
    if not os.path.isdir(folder):
        return []
    return sorted(folder.glob("*.yaml"))


@for_staff(CONNECTORS)
async def connectors_page(request: Request, staff: Staff) -> Response:
    states, broken = await run_in_threadpool(read_connectors, staff.hub, staff)
    page = named_page(request, states, lambda state: state.name, CONNECTORS_PER_PAGE)
    agencies = {a.id: a.name for a in staff.hub.catalogue.catalogue.agencies}
    context = {
        "person": staff.person,
        "staff": staff,
        "page": page,
        "broken": broken,
        "agencies": agencies,
        "source_kinds": SOURCE_KINDS,
        "position_text": position_text,
        "condition": condition,
        "streams_shown": STREAMS_SHOWN,
        "per_page": CONNECTORS_PER_PAGE,
    }
    return render(request, "staff/connectors.html", context)


ROUTES: list[BaseRoute] = [Route(CONNECTORS.path, connectors_page, name="staff_connectors")]
