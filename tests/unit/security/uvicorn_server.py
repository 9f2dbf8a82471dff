"""The hub's app under a real uvicorn in a background thread, configured as ``kho serve``
configures it (the hub's logging, uvicorn's proxy headers), with the choices a test needs."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


@contextmanager
def uvicorn_serving(
    app: Any, *, access_log: bool = False, forwarded_allow_ips: str | None = None
) -> Iterator[str]:
    """Yield the base URL while uvicorn serves ``app``. ``log_config=None`` leaves logging to
    hub.logs, as ``kho serve`` does; ``forwarded_allow_ips`` None is uvicorn's default
    (``FORWARDED_ALLOW_IPS``, else 127.0.0.1)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            app,
            log_config=None,
            log_level="debug",
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
