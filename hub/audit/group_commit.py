"""Group commit: appends arriving together from many threads share one transaction.

An audit append is serialised (one writer at a time, so the chain never forks) and ends with a
commit that waits for the disk. Alone, each append would hold the write lock across its own
flush, and the log could take no more appends per second than the disk takes flushes. Here
the first caller to arrive writes, as the *leader*, every append queued so far in one
transaction; callers arriving meanwhile queue up, and when the leader's group has committed
the first of them leads the next group. No thread of its own: a group is written by one of
the callers waiting for it, and each caller returns once its own entry has committed (or
raises the error that stopped its group).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")


class _Waiter(Generic[ItemT, ResultT]):
    __slots__ = ("done", "error", "item", "lead", "result")

    def __init__(self, item: ItemT) -> None:
        self.item = item
        self.done = threading.Event()
        self.lead = False
        self.result: ResultT | None = None
        self.error: BaseException | None = None


class GroupCommit(Generic[ItemT, ResultT]):
    """Calls ``write_group`` with the items queued together (at most ``max_group``); it returns
    one result per item, in order, after its transaction committed."""

    def __init__(
        self, write_group: Callable[[Sequence[ItemT]], list[ResultT]], *, max_group: int = 500
    ) -> None:
        self._write_group = write_group
        self._max_group = max_group
        self._mutex = threading.Lock()
        self._queue: list[_Waiter[ItemT, ResultT]] = []
        self._leading = False

    def submit(self, item: ItemT) -> ResultT:
        """Write ``item`` with whatever else is queued; blocks until its group committed."""
        waiter: _Waiter[ItemT, ResultT] = _Waiter(item)
        with self._mutex:
            self._queue.append(waiter)
            waiter.lead = not self._leading
            self._leading = True
        if not waiter.lead:
            waiter.done.wait()
        if waiter.lead:  # first in line, or handed the lead by the previous group's leader
            self._lead()
        if waiter.error is not None:
            raise waiter.error
        return waiter.result  # type: ignore[return-value]  # set with done, as ResultT

    def _lead(self) -> None:
        with self._mutex:
            group = self._queue[: self._max_group]
            del self._queue[: self._max_group]
        try:
            results = self._write_group([waiter.item for waiter in group])
        except BaseException as exc:  # every caller in the group hears why it failed
            for waiter in group:
                waiter.error = exc
        else:
            for waiter, result in zip(group, results, strict=True):
                waiter.result = result
        with self._mutex:
            successor = self._queue[0] if self._queue else None
            if successor is None:
                self._leading = False
            else:
                successor.lead = True
        for waiter in group:
            waiter.lead = False
            waiter.done.set()
        if successor is not None:
            successor.done.set()


class AsyncGroupCommit(Generic[ItemT, ResultT]):
    """``GroupCommit`` for coroutines on one event loop: items submitted while a group is being
    written make the next group, written by a task started for the burst."""

    def __init__(
        self,
        write_group: Callable[[Sequence[ItemT]], Awaitable[list[ResultT]]],
        *,
        max_group: int = 500,
    ) -> None:
        self._write_group = write_group
        self._max_group = max_group
        self._queue: list[tuple[ItemT, asyncio.Future[ResultT]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: ItemT) -> ResultT:
        """Write ``item`` with whatever else is queued; returns once its group committed."""
        committed: asyncio.Future[ResultT] = asyncio.get_running_loop().create_future()
        self._queue.append((item, committed))
        writer = self._writer
        if writer is None or writer.done() or writer.get_loop() is not committed.get_loop():
            self._writer = asyncio.create_task(self._write_queued())
        return await committed

    async def _write_queued(self) -> None:
        while self._queue:
            group = self._queue[: self._max_group]
            del self._queue[: self._max_group]
            try:
                results = await self._write_group([item for item, _ in group])
            except Exception as exc:  # every caller in the group hears why it failed
                for _, committed in group:
                    if not committed.done():
                        committed.set_exception(exc)
            else:
                for (_, committed), result in zip(group, results, strict=True):
                    if not committed.done():
                        committed.set_result(result)
