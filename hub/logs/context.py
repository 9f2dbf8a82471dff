"""Fields bound for the logs written while some work is in hand (structlog contextvars): they
are added to every line, structlog's and the stdlib's alike, and removed afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import structlog


@contextmanager
def record_context(topic: str, partition: int, offset: int) -> Iterator[None]:
    """The trace of the record the code is about to log about."""
    with structlog.contextvars.bound_contextvars(topic=topic, partition=partition, offset=offset):
        yield
