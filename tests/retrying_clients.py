"""Producers that post ingest batches and retry each with its Idempotency-Key until it is
accepted, counting what the hub answered: for the fault tests, where a server goes away while
they post."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

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


def batch_bodies(documents: Sequence[Mapping[str, Any]], per_batch: int) -> list[bytes]:
    """The documents, ``per_batch`` at a time, each batch the JSON body of one ingest post."""
    return [
        json.dumps(documents[i : i + per_batch], ensure_ascii=False).encode()
        for i in range(0, len(documents), per_batch)
    ]


def start_clients(
    url: str, token: str, bodies: Sequence[bytes], tally: Tally, *, clients: int, key_prefix: str
) -> list[threading.Thread]:
    """Start ``clients`` threads, each posting its own consecutive share of ``bodies`` one
    after another, every batch until accepted; batch ``i`` has the Idempotency-Key
    ``<key_prefix>-<i>``."""
    assert len(bodies) % clients == 0, "every client posts as many batches"
    batches = len(bodies) // clients

    def client(number: int) -> None:
        with httpx.Client(timeout=120) as http:
            for batch in range(batches):
                index = number * batches + batch
                post_until_accepted(http, url, f"{key_prefix}-{index}", bodies[index], token, tally)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    return threads


def wait_until_answered(threads: Sequence[threading.Thread], tally: Tally, batches: int) -> None:
    """Return once at least ``batches`` batches were accepted; fail if the clients all ended
    before that."""
    while tally.answered < batches:
        if not any(t.is_alive() for t in threads):
            raise AssertionError(f"the clients ended early: {tally.unexpected}")
        time.sleep(0.05)
