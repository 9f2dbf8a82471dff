"""Producers that post ingest batches and retry each with its Idempotency-Key until it is
accepted, counting what the hub answered: for the fault tests, where a server goes away while
they post."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

RETRY_CAP_S = 1.0  # clients wait Retry-After, at most this long, in a test
CLIENT_DEADLINE_S = 240.0


@dataclass
class Tally:
    """What the clients saw, across threads."""

    statuses: Counter[int] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    missing_retry_after: int = 0
    recoveries: list[float] = field(default_factory=list)
    answered: int = 0
    longest_s: float = 0.0  # from a batch's first post to its acceptance
    lock: threading.Lock = field(default_factory=threading.Lock)


def post_until_accepted(
    http: httpx.Client, url: str, key: str, body: bytes, token: str, tally: Tally
) -> None:
    """Post one batch, retrying with the same Idempotency-Key until it is accepted."""
    headers = {
        "Authorization": f"Bearer {token}",
        "Idempotency-Key": key,
        "Content-Type": "application/json",
    }
    first_failure: float | None = None
    began = time.monotonic()
    deadline = time.monotonic() + CLIENT_DEADLINE_S
    while time.monotonic() < deadline:
        try:
            answer = http.post(url, params={"mode": "atomic"}, content=body, headers=headers)
        except httpx.TransportError as exc:  # the API itself never goes away here
            with tally.lock:
                tally.unexpected.append(f"{key}: {exc!r}")
            return
        with tally.lock:
            tally.statuses[answer.status_code] += 1
        if answer.status_code == 200:
            with tally.lock:
                tally.answered += 1
                tally.longest_s = max(tally.longest_s, time.monotonic() - began)
                if first_failure is not None:
                    tally.recoveries.append(time.monotonic() - first_failure)
            return
        first_failure = first_failure or time.monotonic()
        if answer.status_code not in (503, 409):
            with tally.lock:
                tally.unexpected.append(f"{key}: {answer.status_code} {answer.text[:300]}")
        retry_after = answer.headers.get("Retry-After")
        if retry_after is None:
            with tally.lock:
                tally.missing_retry_after += 1
        time.sleep(min(float(retry_after or 1), RETRY_CAP_S))
    with tally.lock:
        tally.unexpected.append(f"{key}: not accepted within {CLIENT_DEADLINE_S} s")
