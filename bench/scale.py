"""Scaling out: throughput with 1 and with 2 instances of each process, in one run.

On the real Kafka (SASL) and PostgreSQL, in a database of its own (``kho_bench_scale``, made on
first use), N synthetic dossiers (connectors/samples, seeded):

- **index**: produced once onto a topic of this run with 4 partitions, encoded by the hub's
  writer; for 1 and then 2 instances, the index's tables are made anew and that many
  ``kho index run`` start in a consumer group of their own; the bench polls the offsets the
  index saved with its states until they cover every record.
- **mask**: for 1 and then 2 instances, the dossiers are produced onto a topic of their own (4
  partitions) and that many ``kho mask run`` (each its own transactional id) mask it into
  ``.masked``; the bench polls the masking group's committed offsets.
- **api**: 1 and then 2 ``kho serve`` processes; 4 producers post the dossiers over HTTP in
  batches of 500 with Idempotency-Keys, alternating between the processes.

Workers are stopped with SIGTERM (each must exit 0). Printed per run: the wall time from
starting the processes (interpreter start and group join included) and, for the workers, from
the first record handled, each as records/s; and the ratio 2/1. On 2 cores shared with the
broker and the database, the gain may be small: the figures say what it is.

    python bench/scale.py [--dossiers 20000] [--batch 500] [--only index,mask,api]
        [--kafka kafka://kho:kho@127.0.0.1:19092]
        [--database-url postgresql://kho:kho@127.0.0.1:15432/kho_bench_scale]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from harness import (
    PG_PORT,
    bench_folder,
    catalogue_copy,
    ensure_database,
    fresh_index_tables,
    record_result,
)
from rich.console import Console

from connectors.samples.dossiers import dossier_documents
from hub.app.wiring import Hub, build_hub
from hub.auth.tokens import Role
from hub.settings import KhoSettings
from hub.sharing.masked_records import MASKER_GROUP

PARTITIONS = 4
DATASET = "tthc.dossiers"
HTTP_BATCH = 500
HTTP_PRODUCERS = 4
KINDS = ("index", "mask", "api")
console = Console(soft_wrap=True)


@dataclass(frozen=True)
class Measured:
    kind: str
    instances: int
    records: int
    wall_s: float
    working_s: float | None
    working_from: str = "the first record handled"

    def line(self) -> str:
        text = (
            f"{self.kind}, {self.instances} instance(s): {self.records} records in"
            f" {self.wall_s:.1f} s wall ({self.records / self.wall_s:,.0f}/s)"
        )
        if self.working_s is not None:
            text += (
                f", {self.working_s:.1f} s from {self.working_from}"
                f" ({self.records / self.working_s:,.0f}/s)"
            )
        return text


def ratio_line(one: Measured, two: Measured) -> str:
    text = f"{one.kind}: 2 instances / 1: {one.wall_s / two.wall_s:.2f}x wall"
    if one.working_s and two.working_s:
        text += f", {one.working_s / two.working_s:.2f}x from {one.working_from}"
    return text


def record(one: Measured, two: Measured) -> None:
    """2 instances against 1 for the report (no aim: the figure says what the gain is). The
    cost of the work is 1 instance's time from its first record (or /healthz), without the
    process start-up that does not grow with the work."""
    figures: dict[str, float | int | str] = {"wall_1_s": one.wall_s, "wall_2_s": two.wall_s}
    if one.working_s and two.working_s:
        figures |= {"working_1_s": one.working_s, "working_2_s": two.working_s}
    record_result(
        "scale",
        f"scale {one.kind} 2 instances / 1",
        value=one.wall_s / two.wall_s,
        aim=None,
        size=one.records,
        size_unit="dossier",
        cost=one.working_s or one.wall_s,
        figures=figures,
    )


def hub_on(settings: KhoSettings, catalogue: Path) -> Hub:
    return build_hub(settings.model_copy(update={"catalogue_path": catalogue}))


def produce(hub: Hub, count: int) -> None:
    """The dossiers onto the dataset's topic (4 partitions), encoded by the hub's writer."""
    hub.bus.ensure_topic(hub.catalogue.entry(DATASET).topic, PARTITIONS)
    writer = hub.writer(DATASET)
    documents = dossier_documents(count, seed=53)
    for start in range(0, count, 5000):
        chunk = documents[start : start + 5000]
        writer.publish([writer.message(writer.json_reader.read(d)) for d in chunk])


def environment(settings: KhoSettings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    env.update(
        KHO_DATA_DIR=str(settings.data_dir),
        KHO_BUS_URL=settings.bus_url,
        KHO_DATABASE_URL=settings.database_url,
        KHO_PORTAL_URL=settings.portal_url,
        KHO_CATALOGUE_PATH=str(settings.catalogue_path),
    )
    return env


def start(settings: KhoSettings, args: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "hub.app", *args],
        env=environment(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(processes: list[subprocess.Popen[bytes]], kind: str) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    codes = [p.wait(timeout=60) for p in processes]
    # uvicorn (kho serve) shuts down cleanly, then re-raises the SIGTERM it caught
    clean = (0, -signal.SIGTERM) if kind == "api" else (0,)
    if any(code not in clean for code in codes):
        raise SystemExit(f"a {kind} process did not stop cleanly on SIGTERM: {codes}")


def until_done(
    kind: str,
    instances: int,
    records: int,
    progress: Callable[[], int],
    workers: list[subprocess.Popen[bytes]],
) -> Measured:
    """Poll ``progress`` until it covers every record; the workers are stopped afterwards."""
    started = time.monotonic()
    first: float | None = None
    try:
        while True:
            handled = progress()
            now = time.monotonic()
            if handled and first is None:
                first = now
            if handled >= records:
                break
            if any(w.poll() is not None for w in workers):
                raise SystemExit(f"a {kind} worker exited early ({instances} instances)")
            if now - started > 1800:
                raise SystemExit(f"{kind}: {handled} of {records} after 30 minutes")
            time.sleep(0.1)
        done = time.monotonic()
    finally:
        stop(workers, kind)
    return Measured(kind, instances, records, done - started, done - (first or started))


def measure_index(hub: Hub, instances: int, records: int, batch: int, run: str) -> Measured:
    fresh_index_tables(hub.settings.database_url)
    group = f"bench.scale.{run}.x{instances}"
    args = ["index", "run", "--group", group, "--batch", str(batch)]
    workers = [start(hub.settings, args) for _ in range(instances)]

    def applied() -> int:
        return sum(hub.index_store.saved_offsets(group).values())

    return until_done("index", instances, records, applied, workers)


def measure_mask(
    settings: KhoSettings, folder: Path, instances: int, records: int, batch: int, run: str
) -> Measured:
    catalogue_folder = folder / f"mask-x{instances}"
    catalogue_folder.mkdir(parents=True, exist_ok=True)
    topic = f"bench.scale.{run}.mask{instances}.dossiers"
    catalogue = catalogue_copy(catalogue_folder, DATASET, topic, others="drop")
    hub = hub_on(settings, catalogue)
    try:
        produce(hub, records)
        args = ["mask", "run", "--dataset", DATASET, "--batch", str(batch)]
        workers = [
            start(hub.settings, [*args, "--instance", f"bench-{run}-{instances}-{n}"])
            for n in range(instances)
        ]

        def masked() -> int:
            offsets = hub.group_offsets()
            try:
                return sum(offsets.committed(MASKER_GROUP, topic).values())
            finally:
                offsets.close()

        return until_done("mask", instances, records, masked, workers)
    finally:
        hub.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def measure_api(hub: Hub, instances: int, records: int, run: str) -> Measured:
    """``instances`` API processes; 4 producers post every dossier over HTTP, alternating."""
    ports = [free_port() for _ in range(instances)]
    servers = [
        start(hub.settings, ["serve", "--host", "127.0.0.1", "--port", str(port)]) for port in ports
    ]
    token = hub.tokens.create(hub.catalogue.entry(DATASET).owner, frozenset({Role.PRODUCER}))
    documents = dossier_documents(records, seed=54)
    bodies = [
        json.dumps(documents[s : s + HTTP_BATCH]).encode() for s in range(0, records, HTTP_BATCH)
    ]
    errors: list[str] = []

    def post(producer: int) -> None:
        url = f"/api/v1/datasets/{DATASET}/records"
        headers: dict[str, Any] = {"Authorization": f"Bearer {token.plaintext}"}
        with httpx.Client(timeout=120) as client:
            for number in range(producer, len(bodies), HTTP_PRODUCERS):
                port = ports[number % len(ports)]
                key = {"Idempotency-Key": f"bench-{run}-x{instances}-{number}"}
                answer = client.post(
                    f"http://127.0.0.1:{port}{url}",
                    content=bodies[number],
                    headers={**headers, **key, "Content-Type": "application/json"},
                )
                if answer.status_code != 200:
                    errors.append(f"{answer.status_code}: {answer.text[:200]}")
                    return

    started = time.monotonic()
    try:
        for port in ports:
            deadline = time.monotonic() + 120
            while not _healthy(port):
                if time.monotonic() > deadline:
                    raise SystemExit(f"kho serve on port {port} not healthy after 120 s")
                time.sleep(0.2)
        ready = time.monotonic()
        producers = [threading.Thread(target=post, args=(p,)) for p in range(HTTP_PRODUCERS)]
        for thread in producers:
            thread.start()
        for thread in producers:
            thread.join()
        done = time.monotonic()
    finally:
        stop(servers, "api")
    if errors:
        raise SystemExit(f"api: a batch was refused: {errors[0]}")
    return Measured("api", instances, records, done - started, done - ready, "/healthz answered")


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).is_success
    except httpx.TransportError:
        return False


def kinds(text: str) -> list[str]:
    chosen = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in chosen if k not in KINDS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"one or more of {','.join(KINDS)}, not {text!r}")
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument(
        "--only", type=kinds, default=list(KINDS), help="index,mask,api (default: all three)"
    )
    parser.add_argument("--kafka", default="kafka://kho:kho@127.0.0.1:19092")
    parser.add_argument(
        "--database-url", default=f"postgresql://kho:kho@127.0.0.1:{PG_PORT}/kho_bench_scale"
    )
    args = parser.parse_args()
    ensure_database(args.database_url, console)
    run = uuid.uuid4().hex[:8]
    folder = bench_folder("scale")
    folder.mkdir(parents=True, exist_ok=True)
    topic = f"bench.scale.{run}.dossiers"
    settings = KhoSettings(
        data_dir=folder,
        bus_url=args.kafka,
        database_url=args.database_url,
        portal_url=f"folder:{folder / 'opendata'}",
        catalogue_path=catalogue_copy(folder, DATASET, topic, others="rename"),
    )
    hub = build_hub(settings)
    lines: list[str] = []
    try:
        for kind in args.only:
            runs: list[Measured] = []
            if kind == "index":
                console.print(f"producing {args.dossiers} dossiers onto {topic} ({PARTITIONS} p.)")
                produce(hub, args.dossiers)
            for instances in (1, 2):
                if kind == "index":
                    measured = measure_index(hub, instances, args.dossiers, args.batch, run)
                elif kind == "mask":
                    measured = measure_mask(
                        settings, folder, instances, args.dossiers, args.batch, run
                    )
                else:
                    measured = measure_api(hub, instances, args.dossiers, run)
                console.print(measured.line())
                runs.append(measured)
            lines.append(ratio_line(*runs))
            console.print(lines[-1])
            record(*runs)
        console.print(f"({os.cpu_count()} CPUs shared with the broker and the database)")
        for line in lines:
            console.print(line)
    finally:
        hub.close()


if __name__ == "__main__":
    main()
