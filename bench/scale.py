"""Scaling out the 766 index worker: throughput with 1 and with 2 instances in one consumer group.

On the real Kafka (SASL) and PostgreSQL, in a database of its own (``kho_bench_scale``, made on
first use): N synthetic dossiers (connectors/samples, seeded) are produced once onto a topic of
this run with 4 partitions, encoded by the hub's writer. Then, for 1 and then 2 instances,
the index's tables are made anew and that many ``kho index run`` processes are started in a
consumer group of their own; the bench polls the offsets the index saved with its states until
they cover every record, then stops the workers with SIGTERM (each must exit 0).

Printed per run: the wall time from starting the processes (interpreter start and group join
included) and from the first record applied, each as records/s, and the ratio 2/1. On 2 cores
shared with the broker and the database, the gain may be small: the figures say what it is.

    python bench/scale.py [--dossiers 20000] [--batch 500] [--kafka kafka://kho:kho@127.0.0.1:19092]
        [--database-url postgresql://kho:kho@127.0.0.1:15432/kho_bench_scale]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

from harness import PG_PORT, bench_folder, catalogue_copy, ensure_database, fresh_index_tables
from rich.console import Console

from connectors.samples.dossiers import dossier_documents
from hub.app.wiring import Hub, build_hub
from hub.settings import KhoSettings

PARTITIONS = 4
DATASET = "tthc.dossiers"
console = Console()


@dataclass(frozen=True)
class Measured:
    instances: int
    records: int
    wall_s: float
    working_s: float

    def line(self) -> str:
        return (
            f"{self.instances} instance(s): {self.records} records in {self.wall_s:.1f} s wall"
            f" ({self.records / self.wall_s:,.0f}/s), {self.working_s:.1f} s from the first"
            f" record applied ({self.records / self.working_s:,.0f}/s)"
        )


def produce(hub: Hub, topic: str, count: int) -> None:
    hub.bus.ensure_topic(topic, PARTITIONS)
    writer = hub.writer(DATASET)
    documents = dossier_documents(count, seed=53)
    for start in range(0, count, 5000):
        chunk = documents[start : start + 5000]
        writer.publish([writer.message(writer.json_reader.read(d)) for d in chunk])


def measure(hub: Hub, instances: int, records: int, batch: int, run: str) -> Measured:
    settings = hub.settings
    fresh_index_tables(settings.database_url)
    group = f"bench.scale.{run}.x{instances}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    env.update(
        KHO_DATA_DIR=str(settings.data_dir),
        KHO_BUS_URL=settings.bus_url,
        KHO_DATABASE_URL=settings.database_url,
        KHO_CATALOGUE_PATH=str(settings.catalogue_path),
    )
    command = [sys.executable, "-m", "hub.app", "index", "run", "--group", group]
    started = time.monotonic()
    workers = [
        subprocess.Popen(  # noqa: S603 - our own CLI
            [*command, "--batch", str(batch)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(instances)
    ]
    first: float | None = None
    try:
        while True:
            applied = sum(hub.index_store.saved_offsets(group).values())
            now = time.monotonic()
            if applied and first is None:
                first = now
            if applied >= records:
                break
            if any(w.poll() is not None for w in workers):
                raise SystemExit(f"an index worker exited early ({instances} instances)")
            if now - started > 1800:
                raise SystemExit(f"{applied} of {records} applied after 30 minutes")
            time.sleep(0.1)
        done = time.monotonic()
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        codes = [w.wait(timeout=60) for w in workers]
    if any(codes):
        raise SystemExit(f"a worker did not exit 0 on SIGTERM: {codes}")
    return Measured(instances, records, done - started, done - (first or started))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
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
    try:
        console.print(f"producing {args.dossiers} dossiers onto {topic} ({PARTITIONS} partitions)")
        produce(hub, topic, args.dossiers)
        one = measure(hub, 1, args.dossiers, args.batch, run)
        console.print(one.line())
        two = measure(hub, 2, args.dossiers, args.batch, run)
        console.print(two.line())
        console.print(
            f"2 instances / 1: {one.wall_s / two.wall_s:.2f}x wall,"
            f" {one.working_s / two.working_s:.2f}x from the first record"
            f" ({os.cpu_count()} CPUs shared with the broker and the database)"
        )
    finally:
        hub.close()


if __name__ == "__main__":
    main()
