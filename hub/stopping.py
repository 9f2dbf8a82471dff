"""Long-running commands that stop cleanly on Ctrl-C or SIGTERM: the work gets an event, set
when the signal arrives, and finishes its batch before it returns."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import TypeVar

T = TypeVar("T")


def run_until_signalled(work: Callable[[threading.Event], T]) -> T:
    """Run ``work(stop)``; SIGINT and SIGTERM set ``stop`` instead of interrupting it."""
    stop = threading.Event()

    def on_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGTERM, on_stop)
    return work(stop)
