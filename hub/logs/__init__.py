"""Structured logs: one configuration per process (``configure_logging``), JSON lines or a
console format, the stdlib ``logging`` calls of the code and its libraries rendered the same
way, and secrets masked before anything is written (``hub.logs.secrets``).

Shared fields: ``time``, ``level``, ``logger``, ``process`` (the command), ``pid``, and what
the code binds with ``structlog.contextvars``: ``request_id`` (the API), ``dataset``,
``agency``, and a record's ``topic``, ``partition`` and ``offset`` (``record_context``).

Its names are imported on first use (``lazy_loader.attach``): configuring the logs does not import
structlog until a line is written (hub/logs/configure.py), so ``from hub.logs import
configure_logging`` must not import it through ``hub.logs.context`` either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader

if TYPE_CHECKING:
    from hub.logs.configure import LogSettings, configure_logging
    from hub.logs.context import letter_context, record_context
    from hub.logs.secrets import mask_secrets

__all__ = ["LogSettings", "configure_logging", "letter_context", "mask_secrets", "record_context"]

__getattr__, __dir__, _ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "configure": ["LogSettings", "configure_logging"],
        "context": ["letter_context", "record_context"],
        "secrets": ["mask_secrets"],
    },
)
