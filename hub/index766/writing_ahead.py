"""One batch written to the database while the next is read and decoded.

A batch of the index worker passes two steps: reading and decoding (the bus client and the
interpreter's CPU), then writing (mostly waiting for the database, which works in a process of
its own). ``WritingAhead`` runs each batch's writing in one background thread, in order, while
its caller prepares the next batch, so that the waits on the database overlap the decoding.

A batch's writing starts only once the previous one has committed, and what follows each
write (``then``: the run's counts) runs in the caller's thread, in order. A failed write is
raised to the caller at its next call or when the block ends: nothing submitted after it is
written.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")


class WritingAhead(Generic[T]):
    """At most one write in flight, in a thread of its own; used as a ``with`` block."""

    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._pending: tuple[Future[T], Callable[[T], None]] | None = None

    def submit(self, write: Callable[[], T], then: Callable[[T], None]) -> None:
        """Wait for the write in flight (its ``then`` runs here), then start ``write``."""
        self.wait()
        self._pending = (self._executor.submit(write), then)

    def wait(self) -> None:
        """Wait for the write in flight and run its ``then``; its failure is raised here."""
        pending, self._pending = self._pending, None
        if pending is not None:
            future, then = pending
            then(future.result())

    def __enter__(self) -> WritingAhead[T]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if error is None:
                self.wait()
            elif self._pending is not None:
                self._pending[0].exception()  # let it finish; the caller's error is raised
                self._pending = None
        finally:
            self._executor.shutdown(wait=True)
