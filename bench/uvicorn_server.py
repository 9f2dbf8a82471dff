"""The hub's real app under uvicorn in a process of its own, as ``kho serve`` runs it, for the
benchmarks that measure the HTTP path. ``with UvicornServer(settings) as base_url:`` starts it
on a free port, waits for /healthz and stops it at the end."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx

from hub.settings import KhoSettings
from tests.paths import PROJECT_ROOT


class UvicornServer:
    def __init__(
        self, settings: KhoSettings, app: str = "hub.app.api.main:create_app", workers: int = 1
    ) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        env = {
            **os.environ,
            "KHO_BUS_URL": settings.bus_url,
            "KHO_DATABASE_URL": settings.database_url,
            "KHO_CATALOGUE_PATH": str(settings.catalogue_path),
            "KHO_DATA_DIR": str(settings.data_dir),
        }
        command = [sys.executable, "-m", "uvicorn", "--factory", app]
        command += ["--port", str(self.port), "--log-level", "warning", "--no-access-log"]
        # uvicorn closes a connection idle for 5 s; a client pool keeps many open, and a slow
        # tail at the end of a warm-up leaves most of them idle that long.
        command += ["--timeout-keep-alive", "300", "--workers", str(workers)]
        self.process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT)  # noqa: S603

    def __enter__(self) -> str:
        base_url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(base_url + "/healthz").status_code == 200:
                    return base_url
            except httpx.TransportError:
                time.sleep(0.2)
        self.process.kill()
        raise SystemExit("uvicorn did not start")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=15)
