"""The connectors' structured log: one JSON line per event on the ``kho.connector`` logger,
``{"event": "connector.poll", "connector": ..., ...}``, for an operator's log collector."""

from __future__ import annotations

import json
import logging
from typing import Any

log = logging.getLogger("kho.connector")


def log_event(event: str, *, level: int = logging.INFO, **fields: Any) -> None:
    log.log(level, json.dumps({"event": event, **fields}, ensure_ascii=False, default=str))
