"""Long-running commands that stop cleanly on Ctrl-C or SIGTERM: the work gets an event, set
when the signal arrives, and finishes its batch before it returns."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Protocol, TypeVar

import typer
from rich.console import Console

T = TypeVar("T")


def run_until_signalled(work: Callable[[threading.Event], T]) -> T:
    """Run ``work(stop)``; SIGINT and SIGTERM set ``stop`` instead of interrupting it."""
    stop = threading.Event()

    def on_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGTERM, on_stop)
    return work(stop)


class Drained(Protocol):
    drained: bool


RunT = TypeVar("RunT", bound=Drained)


def drain_once(
    drain: Callable[[], RunT], report: Callable[[RunT], None], unfinished: str, console: Console
) -> None:
    """``--once``: drain what is waiting, report it, and exit 1 with ``unfinished`` when the
    input was not read to its end (no more records came for the drain's quiet time)."""
    run = drain()
    report(run)
    if not run.drained:
        console.print(
            f"[yellow]{unfinished}: không nhận thêm bản ghi nào trong 30 giây"
            " (phân vùng đang do tiến trình khác xử lý?).[/yellow]"
        )
        raise typer.Exit(1)
