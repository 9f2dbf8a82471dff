"""Fields bound for the logs written while some work is in hand (structlog contextvars): they
are added to every line, structlog's and the stdlib's alike, and removed afterwards."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import structlog


@contextmanager
def record_context(topic: str, partition: int, offset: int) -> Iterator[None]:
    """The trace of the record the code is about to log about."""
    with structlog.contextvars.bound_contextvars(topic=topic, partition=partition, offset=offset):
        yield


@contextmanager
def letter_context(dataset: str, source: Mapping[str, Any]) -> Iterator[None]:
    """The dataset and trace of a dead letter a worker made: its source names the record as
    ``topic:partition`` with the offset as position (``kind`` masker, index, evidence...)."""
    topic, _, partition = str(source.get("name", "")).rpartition(":")
    fields: dict[str, Any] = {"dataset": dataset}
    if topic and partition.isdigit():
        fields.update(topic=topic, partition=int(partition), offset=source.get("position"))
    with structlog.contextvars.bound_contextvars(**fields):
        yield
