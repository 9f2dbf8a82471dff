"""Serve an ASGI app with uvicorn on a free local port, in a background thread, for a test."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG


@contextmanager
def serve_app(
    app: Any,
    *,
    log_config: dict[str, Any] | None = LOGGING_CONFIG,
    log_level: str = "warning",
    access_log: bool = False,
    forwarded_allow_ips: str | None = None,
) -> Iterator[str]:
    """Yield the base URL (``http://127.0.0.1:<port>``) while the app is being served. The
    socket is bound here and handed to uvicorn, so no other process can take the port.
    ``log_config=None`` leaves logging to hub.logs, as ``kho serve`` does;
    ``forwarded_allow_ips`` None is uvicorn's default (``FORWARDED_ALLOW_IPS``, else
    127.0.0.1)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            app,
            log_config=log_config,
            log_level=log_level,
            access_log=access_log,
            lifespan="on",
            forwarded_allow_ips=forwarded_allow_ips,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)
