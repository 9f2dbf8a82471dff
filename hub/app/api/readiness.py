"""``/readyz``: can this process serve? The database, the bus and the schema registry each get
one cheap call, all at once, each with a short deadline. A check still running from an earlier
probe is not started again: the service it waits on counts as down."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import anyio
import sqlalchemy as sa
from starlette.requests import Request

from hub.app.api.answers import Closed
from hub.app.api.endpoint import Reply
from hub.app.wiring import Hub
from hub.logs.secrets import mask_text
from hub.registry.embedded import DatabaseSchemaRegistry
from hub.registry.http import ConfluentRegistryClient

CHECK_TIMEOUT_S = 2.0
READINESS_TOPIC = "kho.readiness"
"""Asked for its partition count: a metadata call that needs the bus and creates nothing."""


class Readiness(Closed):
    """Trạng thái sẵn sàng và từng dịch vụ | Whether the process is ready, service by service."""

    status: Literal["ready", "not_ready"]
    checks: dict[str, str]
    """``ok``, or why the service is down."""
    down: list[str]
    message: str


@dataclass
class ReadinessChecks:
    """The three checks of one hub, with the flags of the checks still running."""

    hub: Hub
    timeout_s: float = CHECK_TIMEOUT_S
    _running: dict[str, threading.Event] = field(default_factory=dict)

    def probes(self) -> dict[str, Callable[[], None]]:
        return {"database": self._database, "bus": self._bus, "registry": self._registry}

    def _database(self) -> None:
        with self.hub.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    def _bus(self) -> None:
        self.hub.bus.partition_count(READINESS_TOPIC)

    def _registry(self) -> None:
        registry = self.hub.registry
        if isinstance(registry, DatabaseSchemaRegistry):
            registry.subjects()
        elif isinstance(registry, ConfluentRegistryClient):
            registry.ping()

    async def check(self, name: str, probe: Callable[[], None]) -> str:
        running = self._running.get(name)
        if running is not None and not running.is_set():
            return "lần kiểm tra trước vẫn chưa xong"
        done = threading.Event()
        self._running[name] = done

        def call() -> None:
            try:
                probe()
            finally:
                done.set()

        try:
            with anyio.fail_after(self.timeout_s):
                await anyio.to_thread.run_sync(call, abandon_on_cancel=True)
        except TimeoutError:
            return f"không trả lời sau {self.timeout_s:g} giây"
        except Exception as exc:  # any failure of the call is the service being down
            return mask_text(f"{type(exc).__name__}: {exc}")[:300]
        return "ok"

    async def run(self) -> Readiness:
        results: dict[str, str] = {}

        async def one(name: str, probe: Callable[[], None]) -> None:
            results[name] = await self.check(name, probe)

        async with anyio.create_task_group() as group:
            for name, probe in self.probes().items():
                group.start_soon(one, name, probe)
        checks = {name: results[name] for name in self.probes()}
        down = [name for name, result in checks.items() if result != "ok"]
        if down:
            return Readiness(
                status="not_ready",
                checks=checks,
                down=down,
                message=f"Chưa sẵn sàng: không kết nối được {', '.join(_NAMES[d] for d in down)}",
            )
        return Readiness(status="ready", checks=checks, down=[], message="Sẵn sàng")


_NAMES = {"database": "cơ sở dữ liệu", "bus": "bus sự kiện", "registry": "sổ đăng ký lược đồ"}


async def readiness(request: Request) -> Readiness | Reply:
    state = request.app.state
    if getattr(state, "readiness", None) is None:
        state.readiness = ReadinessChecks(state.hub)
    answer = await state.readiness.run()
    return answer if answer.status == "ready" else Reply(answer, status_code=503)
