"""A seeded hub (tests.browser.hub_server) served by uvicorn in a subprocess on a free port, for
the browser tests and ``make screenshots``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.paths import PROJECT_ROOT
from tests.ports import free_port

START_TIMEOUT_S = 180


class HubDidNotStart(RuntimeError):
    """The hub stopped or did not answer in time; the message ends with its log."""


@dataclass
class ServedHub:
    base_url: str
    data_dir: Path
    log: Path

    def url(self, path: str) -> str:
        return self.base_url + path

    def api(self, path: str, **params: str) -> httpx.Response:
        """The hub's API answer, for comparing with what a page shows."""
        return httpx.get(self.url(path), params=params, timeout=30)


def find_chromium() -> str | None:
    """Debian's chromium, which scripts/browser.sh installs."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def serve_hub(
    folder: Path, *, port: int | None = None, settings: Mapping[str, str] | None = None
) -> Iterator[ServedHub]:
    """The hub on the embedded defaults in ``folder``, seeded, answering; stopped on exit.
    The KHO_* variables of the environment are left out: the embedded defaults are meant, with
    ``settings`` (KHO_* variables) on top, e.g. the sign-in's identity provider; ``port``: a
    free one unless given (Keycloak's realm knows the hub by its port)."""
    data_dir, log = folder / "kho", folder / "server.log"
    port = port or free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    environment.update(settings or {})
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "tests.browser.hub_server", str(data_dir), str(port)],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    served = ServedHub(f"http://127.0.0.1:{port}", data_dir, log)
    try:
        _wait_until_up(served, server)
        yield served
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_up(served: ServedHub, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise HubDidNotStart(f"the hub stopped while starting:\n{_tail(served.log)}")
        try:
            if httpx.get(served.url("/healthz"), timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise HubDidNotStart(f"the hub did not answer within {START_TIMEOUT_S} s:\n{_tail(served.log)}")


def _tail(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-4000:]
