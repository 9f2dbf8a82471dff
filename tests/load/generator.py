"""The load generator: producers, stream readers, a salinity station and prefills, on one
event loop in a process of its own, for ``plan.duration_s``; what it saw goes to a JSON file.

    python -m tests.load.generator <target.json>

Every failure is counted by kind (``ingest:503:unavailable``, ``sse:ReadTimeout``...) and none is
retried: the run's target is no failure at all. Latencies are measured from the moment a
request is sent (``sse``: from the reading's ``measured_at``, set when the station posts it, to
the event's arrival at the reader).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from connectors.samples.dossiers import dossier_documents
from tests.load.plan import LoadPlan, Target

SALINITY = "salinity.readings"
POOL_BATCHES = 10
"""Each producer cycles through this many generated batches, with fresh dossier ids."""
MAX_PREFILLS_IN_FLIGHT = 200
KEEP_ALIVE_S = 2.0
"""How long a client keeps an idle connection: under uvicorn's 5 s, so that a request is never
sent on a connection the server is closing at that moment (a ReadError that is no fault of
either)."""
DRAIN_S = 15.0
"""How long the readers may take, after the end, to receive the last readings."""


@dataclass
class Seen:
    latencies_ms: dict[str, list[float]] = field(
        default_factory=lambda: {p: [] for p in ("ingest", "sensor", "prefill", "sse")}
    )
    errors: Counter[str] = field(default_factory=Counter)
    counts: Counter[str] = field(default_factory=Counter)
    behind_s: dict[str, float] = field(default_factory=dict)
    """How far behind its schedule each paced sender fell, at most."""

    def failed(self, path: str, answer: httpx.Response | None, exc: Exception | None) -> None:
        if exc is not None:
            self.errors[f"{path}:{type(exc).__name__}"] += 1
            return
        assert answer is not None
        try:
            code = answer.json()["error"]["code"]
        except (ValueError, KeyError, TypeError):
            code = answer.text[:60]
        self.errors[f"{path}:{answer.status_code}:{code}"] += 1

    def behind(self, who: str, scheduled: float) -> None:
        late = time.monotonic() - scheduled
        self.behind_s[who] = max(self.behind_s.get(who, 0.0), late)


def _limits(connections: int = 10) -> httpx.Limits:
    return httpx.Limits(max_connections=connections, keepalive_expiry=KEEP_ALIVE_S)


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


async def _paced(start: float, interval: float, end: float) -> Any:
    """Yield the tick numbers 0, 1, 2... each at ``start + n * interval``; a late tick at once,
    none after ``end`` (a sender that fell behind sends less: the achieved rate says so)."""
    n = 0
    while (at := start + n * interval) < end and time.monotonic() < end:
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        yield n, at
        n += 1


class Generator:
    def __init__(self, target: Target) -> None:
        self.target = target
        self.plan: LoadPlan = target.plan
        self.seen = Seen()
        self.readings_accepted = 0
        self.readers_done = asyncio.Event()

    async def run(self) -> dict[str, Any]:
        plan = self.plan
        await self._prime()
        limits = httpx.Limits(max_connections=plan.readers + 10, max_keepalive_connections=0)
        async with httpx.AsyncClient(timeout=httpx.Timeout(60, read=45), limits=limits) as sse:
            connected = [asyncio.Event() for _ in range(plan.readers)]
            received = [0] * plan.readers
            readers = [
                asyncio.create_task(self._reader(sse, n, connected[n], received))
                for n in range(plan.readers)
            ]
            await asyncio.wait_for(asyncio.gather(*(c.wait() for c in connected)), 120)
            started_wall, start = time.time(), time.monotonic()
            end = start + plan.duration_s
            senders = [self._producer(p, start, end) for p in range(plan.producers)]
            senders += [self._sensor(start, end), self._prefills(start, end)]
            await asyncio.gather(*senders)
            ended_wall = time.time()
            drain_until = time.monotonic() + DRAIN_S
            while min(received, default=self.readings_accepted) < self.readings_accepted and (
                time.monotonic() < drain_until
            ):
                await asyncio.sleep(0.2)
            for reader in readers:
                reader.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
        for count in received:
            if count < self.readings_accepted:
                self.seen.errors["sse:missing_event"] += self.readings_accepted - count
            elif count > self.readings_accepted:
                self.seen.errors["sse:extra_event"] += count - self.readings_accepted
            self.seen.counts["sse_events"] += count
        return {
            "run": self.target.run,
            "started_at": started_wall,
            "ended_at": ended_wall,
            "load_s": ended_wall - started_wall,
            "latencies_ms": self.seen.latencies_ms,
            "errors": dict(self.seen.errors),
            "counts": dict(self.seen.counts),
            "behind_schedule_s": self.seen.behind_s,
            "readings_expected_per_reader": self.readings_accepted,
        }

    def _api(self, n: int) -> str:
        return self.target.api_urls[n % len(self.target.api_urls)]

    async def _prime(self) -> None:
        """One post of each kind and one prefill on every API before the readers connect and
        the clock starts: a process's first request opens its Kafka producer and connections
        (seconds on a busy machine), which no steady-state figure should carry."""
        target = self.target
        pool = dossier_documents(1, seed=6999)
        reading = self._reading(0)
        async with httpx.AsyncClient(timeout=120) as client:
            for n, api in enumerate(target.api_urls):
                dossier = {**pool[0], "dossier_id": f"LD-{target.run}-prime-{n}"}
                posts = (
                    (target.dossiers, target.producer_token, [dossier]),
                    (SALINITY, target.sensor_token, [reading]),
                )
                for dataset, token, body in posts:
                    answer = await client.post(
                        f"{api}/api/v1/datasets/{dataset}/records",
                        content=json.dumps(body).encode(),
                        headers={
                            "Authorization": f"Bearer {token}",
                            "Content-Type": "application/json",
                            "Idempotency-Key": f"load-{target.run}-prime-{dataset}-{n}",
                        },
                    )
                    answer.raise_for_status()
                answer = await client.get(
                    f"{api}/api/v1/subjects/{target.subjects[0]}/prefill",
                    params={"procedure": target.procedure},
                    headers={"Authorization": f"Bearer {target.prefill_token}"},
                )
                answer.raise_for_status()

    @staticmethod
    def _reading(n: int) -> dict[str, Any]:
        """A salinity reading measured now, at the Vàm Kênh station of the samples."""
        return {
            "station_id": "TG-VK",
            "station_name": "Trạm Vàm Kênh",
            "river_mouth": "cửa Tiểu",
            "commune_code": "28747",
            "latitude": 10.2804,
            "longitude": 106.7418,
            "salinity_g_per_l": 14.0 + (n % 20) / 10,
            "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        }

    # -- ingest ---------------------------------------------------------------------------

    async def _producer(self, producer: int, start: float, end: float) -> None:
        plan, target = self.plan, self.target
        pool = dossier_documents(plan.batch * POOL_BATCHES, seed=7000 + producer)
        interval = plan.batch * plan.producers / plan.records_per_s
        offset = interval * producer / plan.producers  # the producers' posts interleave
        url = "{}/api/v1/datasets/" + target.dossiers + "/records"
        headers = {
            "Authorization": f"Bearer {target.producer_token}",
            "Content-Type": "application/json",
        }
        async with httpx.AsyncClient(timeout=60, limits=_limits()) as client:
            async for n, at in _paced(start + offset, interval, end):
                self.seen.behind(f"producer-{producer}", at)
                first = (n % POOL_BATCHES) * plan.batch
                batch = [
                    {**doc, "dossier_id": f"LD-{target.run}-{producer}-{n:07d}-{i:03d}"}
                    for i, doc in enumerate(pool[first : first + plan.batch])
                ]
                key = {"Idempotency-Key": f"load-{target.run}-{producer}-{n}"}
                sent = time.perf_counter()
                try:
                    answer = await client.post(
                        url.format(self._api(n + producer)),
                        content=json.dumps(batch).encode(),
                        headers={**headers, **key},
                    )
                except httpx.HTTPError as exc:
                    self.seen.failed("ingest", None, exc)
                    continue
                if answer.status_code != 200:
                    self.seen.failed("ingest", answer, None)
                    continue
                self.seen.latencies_ms["ingest"].append(_elapsed_ms(sent))
                accepted = answer.json()["accepted_count"]
                self.seen.counts["records_accepted"] += accepted
                if accepted != plan.batch:
                    self.seen.errors["ingest:records_rejected"] += plan.batch - accepted

    # -- the salinity station and the stream readers ----------------------------------------

    async def _sensor(self, start: float, end: float) -> None:
        target = self.target
        url = "{}/api/v1/datasets/" + SALINITY + "/records"
        headers = {
            "Authorization": f"Bearer {target.sensor_token}",
            "Content-Type": "application/json",
        }
        async with httpx.AsyncClient(timeout=60, limits=_limits()) as client:
            async for n, at in _paced(start, 1 / self.plan.sensor_per_s, end):
                self.seen.behind("sensor", at)
                reading = self._reading(n)
                sent = time.perf_counter()
                try:
                    answer = await client.post(
                        url.format(self._api(n)),
                        content=json.dumps([reading]).encode(),
                        headers={**headers, "Idempotency-Key": f"load-{target.run}-sensor-{n}"},
                    )
                except httpx.HTTPError as exc:
                    self.seen.failed("sensor", None, exc)
                    continue
                if answer.status_code != 200 or answer.json()["accepted_count"] != 1:
                    self.seen.failed("sensor", answer, None)
                    continue
                self.seen.latencies_ms["sensor"].append(_elapsed_ms(sent))
                self.readings_accepted += 1

    async def _reader(
        self, client: httpx.AsyncClient, n: int, connected: asyncio.Event, received: list[int]
    ) -> None:
        """Hold the stream open; on a drop, count it and resume from the last event's id."""
        url = f"{self._api(n)}/api/v1/datasets/{SALINITY}/stream"
        last_id = ""
        while True:
            headers = {"Last-Event-ID": last_id} if last_id else {}
            try:
                async with client.stream("GET", url, headers=headers) as answer:
                    if answer.status_code != 200:
                        await answer.aread()
                        self.seen.failed("sse", answer, None)
                        await asyncio.sleep(1)
                        continue
                    connected.set()
                    async for line in answer.aiter_lines():
                        if line.startswith("id:"):
                            last_id = line[3:].strip()
                        elif line.startswith("data:"):
                            value = json.loads(line[5:])["value"]
                            measured = dt.datetime.fromisoformat(value["measured_at"])
                            delay = time.time() - measured.timestamp()
                            self.seen.latencies_ms["sse"].append(delay * 1000)
                            received[n] += 1
                    self.seen.errors["sse:stream_ended"] += 1
            except httpx.HTTPError as exc:
                self.seen.failed("sse", None, exc)
                await asyncio.sleep(1)

    # -- prefills ---------------------------------------------------------------------------

    async def _prefills(self, start: float, end: float) -> None:
        target = self.target
        headers = {"Authorization": f"Bearer {target.prefill_token}"}
        in_flight: set[asyncio.Task[None]] = set()
        limits = _limits(MAX_PREFILLS_IN_FLIGHT)
        async with httpx.AsyncClient(timeout=60, limits=limits, headers=headers) as client:

            async def prefill(n: int) -> None:
                subject = target.subjects[n % len(target.subjects)]
                url = f"{self._api(n)}/api/v1/subjects/{subject}/prefill"
                sent = time.perf_counter()
                try:
                    answer = await client.get(url, params={"procedure": target.procedure})
                except httpx.HTTPError as exc:
                    self.seen.failed("prefill", None, exc)
                    return
                if answer.status_code != 200 or not answer.json()["evidence"]:
                    self.seen.failed("prefill", answer, None)
                    return
                self.seen.latencies_ms["prefill"].append(_elapsed_ms(sent))
                self.seen.counts["prefills_answered"] += 1

            async for n, at in _paced(start, 1 / self.plan.prefills_per_s, end):
                self.seen.behind("prefills", at)
                if len(in_flight) >= MAX_PREFILLS_IN_FLIGHT:
                    self.seen.errors["prefill:over_200_in_flight"] += 1
                    continue
                task = asyncio.create_task(prefill(n))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
            if in_flight:
                await asyncio.gather(*in_flight)


def main() -> None:
    target = Target.read(Path(sys.argv[1]))
    results = asyncio.run(Generator(target).run())
    Path(target.results_path).write_text(json.dumps(results), "utf-8")


if __name__ == "__main__":
    main()
