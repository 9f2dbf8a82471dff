"""Revoke something while requests that depend on it run in a loop, and sort the outcomes by
whether each request started after the revocation returned or ended before it began."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

OutcomeT = TypeVar("OutcomeT")


@dataclass(frozen=True)
class RaceOutcomes(Generic[OutcomeT]):
    before: list[OutcomeT]
    """Requests that ended before the revocation began."""
    after: list[OutcomeT]
    """Requests that started after the revocation returned."""


def race_revocation(
    attempt: Callable[[], OutcomeT],
    revoke: Callable[[], object],
    *,
    threads: int = 4,
    each_side: int = 40,
) -> RaceOutcomes[OutcomeT]:
    """Run ``attempt`` in a loop on ``threads`` threads; after ``each_side`` outcomes, ``revoke``;
    stop once ``each_side`` attempts started after the revocation returned. ``attempt`` runs
    in the thread that owns it, so it may hold a per-thread client."""
    results: list[tuple[dt.datetime, dt.datetime, OutcomeT]] = []
    stop = threading.Event()

    def until_stopped() -> None:
        while not stop.is_set():
            started = dt.datetime.now(dt.UTC)
            outcome = attempt()
            results.append((started, dt.datetime.now(dt.UTC), outcome))

    with ThreadPoolExecutor(threads) as pool:
        runners = [pool.submit(until_stopped) for _ in range(threads)]
        while len(results) < each_side:
            stop.wait(0.01)
        revoke_started = dt.datetime.now(dt.UTC)
        revoke()
        revoked_at = dt.datetime.now(dt.UTC)
        while sum(1 for started, _, _ in results if started > revoked_at) < each_side:
            stop.wait(0.01)
        stop.set()
        for runner in runners:
            runner.result()
    return RaceOutcomes(
        before=[outcome for _, ended, outcome in results if ended < revoke_started],
        after=[outcome for started, _, outcome in results if started > revoked_at],
    )
