"""Writing ahead: one write in flight in a thread of its own, in order; what follows each write
runs in the caller's thread; a failed write stops everything submitted after it."""

from __future__ import annotations

import threading

import pytest

from hub.index766.writing_ahead import WritingAhead


def test_writes_run_in_order_off_the_callers_thread_and_their_results_return_to_it() -> None:
    written: list[tuple[int, str]] = []
    followed: list[tuple[int, str]] = []
    caller = threading.current_thread().name

    def write(n: int) -> int:
        written.append((n, threading.current_thread().name))
        return n * 10

    with WritingAhead[int]("test-write") as ahead:
        for n in range(5):
            ahead.submit(
                lambda n=n: write(n),  # type: ignore[misc]
                lambda result: followed.append((result, threading.current_thread().name)),
            )

    assert [n for n, _ in written] == [0, 1, 2, 3, 4]
    assert all(name.startswith("test-write") for _, name in written)
    assert followed == [(n * 10, caller) for n in range(5)]


def test_a_failed_write_is_raised_at_the_next_submit_and_what_follows_is_not_written() -> None:
    written: list[int] = []

    def write(n: int) -> int:
        if n == 1:
            raise RuntimeError("database gone")
        written.append(n)
        return n

    with pytest.raises(RuntimeError, match="database gone"):
        with WritingAhead[int]("test-write") as ahead:
            for n in range(4):
                ahead.submit(lambda n=n: write(n), lambda _: None)  # type: ignore[misc]

    assert written == [0]


def test_the_last_write_is_waited_for_when_the_block_ends() -> None:
    release = threading.Event()
    done: list[int] = []

    def slow() -> int:
        release.wait(5)
        return 7

    with WritingAhead[int]("test-write") as ahead:
        ahead.submit(slow, done.append)
        release.set()
        assert done == []

    assert done == [7]
