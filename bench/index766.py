"""The Decision 766 index: backfill from Kafka, API latency and freshness, each with a reference.

On the real Kafka (SASL) and PostgreSQL, in a database of its own (``kho_bench_index766``, made
on first use) so that emptying the index never touches another run's tables:

  (a) backfill  N synthetic dossiers (connectors/samples, seeded) are produced once onto
                ``bench.index766.n<N>.dossiers`` with the raw kafka-python producer, encoded by
                the hub's writer (Confluent wire format, schema registered in the hub's
                registry); a later run reuses the topic when it holds N records. Then
                  reference  a raw KafkaConsumer assigned every partition from the beginning,
                             each value split from its 5-byte header and decoded by
                             fastavro.schemaless_reader, nothing stored;
                  index      the hub's index worker (``Hub.index_worker``, as ``kho index run
                             --rebuild --once`` runs it) in a consumer group of its own: the
                             store emptied, then every record decoded with its writer's schema,
                             made a state and written with its offsets, one transaction per batch.
                records/s of each and the ratio index/reference (aim ≥ 0.5).
  (c) API       with the N dossiers stored, ``--requests`` GETs each of a province-month, an
                agency ranking and a province trend over the dossiers' five months, one client,
                through uvicorn (a process of its own), after a first answer timed alone (a
                closed month's ranking is kept while the index does not change, so the first
                answer is the one computed); the reference is bare SQL on the same
                table and month (count of the month's rows, its on-time count), ``--requests``
                times each. A question stops after ``--budget`` seconds (at least 5 GETs): at
                full size one answer can take seconds. p50/p99 of each (aim: API p99 < 50 ms).
  (b) freshness the worker running in a thread; updates of dossiers the index holds, each
                moving its dossier into a month no other dossier has (one per run), are posted
                through the HTTP ingest API at ``--rate`` dossiers/s for ``--seconds``, in 20
                batches a second; one client polls that month for the province and notes when
                its dossier count first covers each batch. p50/p99 from the batch's acceptance
                (the 200 answer) to that moment (aim p99 < 2 s).

    python bench/index766.py [--dossiers 1000000] [--requests 200] [--budget 60] [--rate 200]
        [--seconds 10] [--batch 2000] [--skip-backfill] [--kafka kafka://kho:kho@127.0.0.1:19092]
        [--database-url postgresql://kho:kho@127.0.0.1:15432/kho_bench_index766] [--skip-freshness]

Machines are noisy: compare the ratios, not the absolute figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import fastavro
import httpx
import kafka
import sqlalchemy as sa
from harness import (
    PG_PORT,
    UvicornServer,
    bench_folder,
    catalogue_copy,
    ensure_database,
    fresh_index_tables,
    libpq_url,
    record_result,
)
from rich.console import Console

from connectors.samples.dossiers import dossier_documents
from hub.app.wiring import Hub, build_hub
from hub.auth.tokens import Role
from hub.avro.json_codec import record_from_json
from hub.avro.wire import split_wire
from hub.bus.kafka_url import parse_kafka_url
from hub.index766.periods import parse_period
from hub.index766.tables import index_dossiers_table, index_offsets_table
from hub.settings import KhoSettings

DATASET = "tthc.dossiers"
MONTH, FIRST, LAST = "2025-08", "2025-07", "2025-11"
"""The sample dossiers are received from July to November 2025 (connectors/samples)."""

console = Console(soft_wrap=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="GETs of each API question")
    parser.add_argument(
        "--budget", type=float, default=60.0, help="seconds at most per API question (≥ 5 GETs)"
    )
    parser.add_argument("--rate", type=int, default=200, help="dossiers/s in the freshness run")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the freshness run")
    parser.add_argument(
        "--batch",
        type=int,
        default=2000,
        help="the worker's records per batch (kho index run --batch's default)",
    )
    parser.add_argument(
        "--kafka",
        default=f"kafka://kho:kho@127.0.0.1:{os.environ.get('KHO_SVC_KAFKA_PORT', 19092)}",
    )
    parser.add_argument(
        "--database-url",
        default=f"postgresql://kho:kho@127.0.0.1:{PG_PORT}/kho_bench_index766",
    )
    parser.add_argument("--skip-freshness", action="store_true")
    parser.add_argument(
        "--skip-backfill",
        action="store_true",
        help="keep the index an earlier run of the same size built; measure (c) and (b) only",
    )
    args = parser.parse_args()

    ensure_database(libpq_url(args.database_url), console)
    if not args.skip_backfill:
        fresh_index_tables(args.database_url)
    folder = bench_folder(f"index766-n{args.dossiers}")  # runs of other sizes may overlap
    folder.mkdir(parents=True, exist_ok=True)
    topic = f"bench.index766.n{args.dossiers}.dossiers"
    settings = KhoSettings(
        data_dir=folder,
        bus_url=args.kafka,
        database_url=args.database_url,
        catalogue_path=catalogue_copy(folder, DATASET, topic, others="rename"),
    )
    hub = build_hub(settings)
    group = f"bench.index766.{uuid.uuid4().hex[:8]}"
    if args.skip_backfill:
        group = _backfill_group(hub)
    try:
        held = _produce_once(hub, args.kafka, topic, args.dossiers)
        if not args.skip_backfill:
            reference = _timed(
                "(a) reference kafka-python + fastavro",
                held,
                lambda: _raw_read(hub, args.kafka, topic, held),
            )
            index = _timed(
                "(a) index worker backfill", held, lambda: _backfill(hub, group, args.batch, held)
            )
            ratio = index / reference
            console.print(f"(a) backfill ratio index/reference = {ratio:.2f} (aim ≥ 0.5)")
            _record(
                "index766 backfill index/reference",
                args.dossiers,
                ratio,
                (">=", 0.5),
                held / index,
                "all",
                {"reference_records_per_s": reference, "index_records_per_s": index},
            )
        server = UvicornServer(settings)
        with server as base_url:
            server.wait_until_settled()
            api = _api_latency(hub, base_url, args.requests, args.budget)
            for label, (p50, p99) in api.items():
                figures = {"p50_ms": p50, "p99_ms": p99}
                name = f"index766 API p99 {label}"
                _record(name, args.dossiers, p99, ("<", 50), p99, "request", figures)
            shown = None if args.skip_freshness else _freshness(hub, base_url, group, args)
            if shown is not None:
                figures = {"p50_ms": shown[0], "p99_ms": shown[1], "rate": args.rate}
                name = "index766 freshness p99"
                _record(name, args.dossiers, shown[1], ("<", 2000), shown[1], "batch", figures)
    finally:
        hub.close()


def _record(
    name: str,
    dossiers: int,
    value: float,
    aim: tuple[str, float],
    cost: float,
    per: str,
    figures: dict[str, float | int | str],
) -> None:
    """A result for the report: the backfill's ratio with the seconds of all its dossiers
    (``per`` "all"), or the milliseconds of one request or batch."""
    ratio = per == "all"
    record_result(
        "index766",
        name,
        value=value,
        aim=aim,
        unit="ratio" if ratio else "ms",
        size=dossiers,
        size_unit="dossier",
        cost=cost,
        cost_unit="s" if ratio else "ms",
        per=per,
        figures=figures,
    )


def _backfill_group(hub: Hub) -> str:
    """The consumer group of the backfill that built the index (its saved offsets)."""
    with hub.engine.connect() as conn:
        groups = list(conn.scalars(sa.select(index_offsets_table.c.group_id).distinct()))
    if len(groups) != 1:
        raise SystemExit(f"--skip-backfill needs the index of one backfill, found {groups}")
    return groups[0]


def _timed(label: str, count: int, action: Callable[[], None]) -> float:
    started = time.perf_counter()
    action()
    elapsed = time.perf_counter() - started
    console.print(f"  {label}: {count / elapsed:,.0f} records/s ({elapsed:.1f} s)")
    return count / elapsed


def _produce_once(hub: Hub, bus_url: str, topic: str, count: int) -> int:
    """The N dossiers on the bench topic, produced unless it holds them already (plus the
    dossiers earlier freshness runs posted to it); the number of records it holds."""
    hub.bus.ensure_topic(topic)
    held = sum(hub.bus.end_offsets(topic).values())
    if held >= count:
        console.print(f"reusing {topic} ({held:,} dossiers)")
        return held
    if held:
        raise SystemExit(f"{topic} holds {held:,} records, fewer than {count:,}: delete it")
    writer = hub.writer(DATASET)
    producer = kafka.KafkaProducer(
        **parse_kafka_url(bus_url).client_options(),
        acks="all",
        linger_ms=20,
        batch_size=256 * 1024,
    )
    started = time.perf_counter()
    try:
        for start in range(0, count, 50_000):
            documents = dossier_documents(min(50_000, count - start), seed=766, start=start)
            for d in documents:
                message = writer.message(record_from_json(writer.schema.parsed, d))
                producer.send(topic, key=message.key, value=message.value)
            producer.flush()
    finally:
        producer.close()
    console.print(
        f"produced {count:,} dossiers onto {topic} in {time.perf_counter() - started:.0f} s"
    )
    return count


def _raw_read(hub: Hub, bus_url: str, topic: str, count: int) -> None:
    """(a) reference: the raw consumer and fastavro, every record decoded, nothing kept."""
    parsed = hub.writer(DATASET).schema.parsed
    consumer = kafka.KafkaConsumer(
        **parse_kafka_url(bus_url).client_options(),
        enable_auto_commit=False,
        max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    partitions = [kafka.TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
    consumer.assign(partitions)
    consumer.seek_to_beginning()
    seen = 0
    try:
        while seen < count:
            for records in consumer.poll(timeout_ms=1000, max_records=5000).values():
                for record in records:
                    _, body = split_wire(record.value)
                    fastavro.schemaless_reader(io.BytesIO(body), parsed, parsed)
                seen += len(records)
    finally:
        consumer.close()


def _backfill(hub: Hub, group: str, batch: int, count: int) -> None:
    """(a) the index worker, store emptied first (``kho index run --rebuild --once``)."""
    worker = hub.index_worker(group=group, batch_size=batch)
    worker.rebuild()
    run = worker.drain(idle_timeout_s=60)
    if run.dossiers + run.skipped != count or not run.drained:
        raise SystemExit(f"index worker applied {run.summary()}, expected {count:,} dossiers")


def _percentiles(label: str, millis: list[float], aim: str = "") -> tuple[float, float]:
    """p50 and p99 of ``millis``, printed."""
    cuts = statistics.quantiles(millis, n=100)
    console.print(f"  {label}: p50 {cuts[49]:.1f} ms, p99 {cuts[98]:.1f} ms {aim}".rstrip())
    return cuts[49], cuts[98]


def _api_latency(
    hub: Hub, base_url: str, requests: int, budget: float
) -> dict[str, tuple[float, float]]:
    """(c) three API questions through uvicorn, one client; bare SQL on the month as reference.
    Each question's p50 and p99."""
    questions = {
        "province-month": f"/api/v1/index766?unit=province&period={MONTH}",
        "agency ranking": f"/api/v1/index766/ranking?period={MONTH}&level=agency",
        "province trend": f"/api/v1/index766/trend?unit=province&from={FIRST}&to={LAST}",
    }
    console.print(f"(c) API latency, {requests} GETs each, one client")
    cuts: dict[str, tuple[float, float]] = {}
    with httpx.Client(base_url=base_url, timeout=120) as client:
        for label, path in questions.items():
            started = time.perf_counter()
            answer = client.get(path)  # the first answer: nothing kept yet
            first = (time.perf_counter() - started) * 1000
            if answer.status_code != 200:
                raise SystemExit(f"{path} answered {answer.status_code}: {answer.text[:300]}")
            console.print(f"  API {label}: first answer {first:.1f} ms")
            millis: list[float] = []
            until = time.perf_counter() + budget
            while len(millis) < requests and (len(millis) < 5 or time.perf_counter() < until):
                started = time.perf_counter()
                client.get(path).raise_for_status()
                millis.append((time.perf_counter() - started) * 1000)
            cuts[label] = _percentiles(
                f"API {label} ({len(millis)} GETs)", millis, "(aim p99 < 50 ms)"
            )
    period, t = parse_period(MONTH), index_dossiers_table
    in_month = (t.c.received_at >= period.start) & (t.c.received_at < period.end)
    on_time = sa.func.count().filter(
        sa.or_(
            t.c.finished_at <= t.c.due_at, t.c.finished_at.is_(None) & (t.c.due_at >= period.end)
        )
    )
    query = sa.select(sa.func.count(), on_time).where(in_month)
    with hub.engine.connect() as conn:
        rows, timely = conn.execute(query).one()
        millis = []
        for _ in range(requests):
            started = time.perf_counter()
            conn.execute(query).one()
            millis.append((time.perf_counter() - started) * 1000)
    _percentiles(f"reference SQL count of {MONTH} ({rows:,} rows, {timely:,} on time)", millis)
    return cuts


def _updates(ids: list[str], month: str) -> list[dict[str, Any]]:
    """Later records of the dossiers ``ids``, received in ``month`` (times shifted together)."""
    target = dt.datetime.fromisoformat(f"{month}-10T08:00:00+07:00")
    documents = dossier_documents(len(ids), seed=1022, start=20_000_000)
    for dossier_id, d in zip(ids, documents, strict=True):
        shift = target - dt.datetime.fromisoformat(d["received_at"])
        for name in ("received_at", "due_at", "finished_at"):
            if d[name] is not None:
                d[name] = (dt.datetime.fromisoformat(d[name]) + shift).isoformat()
        d["dossier_id"] = dossier_id
    return documents


def _held_ids(hub: Hub, count: int) -> list[str]:
    """``count`` dossiers the index holds, picked at random."""
    t = index_dossiers_table
    query = sa.select(t.c.dossier_id).order_by(sa.func.random()).limit(count)
    with hub.engine.connect() as conn:
        ids = list(conn.scalars(query))
    if len(ids) < count:
        raise SystemExit(f"the index holds {len(ids):,} dossiers, fewer than {count:,}")
    return ids


def _freshness(
    hub: Hub, base_url: str, group: str, args: argparse.Namespace
) -> tuple[float, float] | None:
    """(b) steady ingest through the API while the worker runs; when the index shows each batch.
    p50 and p99 of acceptance → shown, when at least two batches were shown."""
    run = uuid.uuid4().int
    month = f"{2000 + run % 20}-{run // 20 % 12 + 1:02d}"  # no dossier is received there yet
    per_batch = max(1, args.rate // 20)
    batches = int(args.seconds * 20)
    documents = _updates(_held_ids(hub, per_batch * batches), month)
    token = hub.tokens.create("vp-ubnd", frozenset({Role.PRODUCER})).plaintext
    figures = f"/api/v1/index766?unit=province&period={month}"
    worker = hub.index_worker(group=group, batch_size=args.batch)  # the backfill's: caught up
    stop, done = threading.Event(), threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), kwargs={"report_every_s": 3600})
    thread.start()
    accepted: list[tuple[int, float]] = []  # (dossiers counted once this batch shows, when)
    seen: list[tuple[int, float]] = []

    def count(client: httpx.Client) -> int:
        answer = client.get(figures)
        if answer.status_code == 404:
            return 0
        groups = answer.raise_for_status().json()["groups"]
        return next(
            int(i["denominator"])
            for g in groups
            for i in g["indicators"]
            if i["id"] == "progress.on_time"
        )

    def poll() -> None:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            base = count(client)
            accepted.append((base, time.perf_counter()))
            deadline = float("inf")
            while not seen or seen[-1][0] < base + len(documents):
                n = count(client)
                if not seen or n > seen[-1][0]:
                    seen.append((n, time.perf_counter()))
                if done.is_set():
                    deadline = min(deadline, time.perf_counter() + 15)
                if time.perf_counter() > deadline:
                    break
                time.sleep(0.005)

    poller = threading.Thread(target=poll)
    poller.start()
    while not accepted:
        time.sleep(0.01)
    base = accepted.pop()[0]
    url = f"/api/v1/datasets/{DATASET}/records"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        started = time.perf_counter()
        for i in range(batches):
            pause = started + i / 20 - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            body = json.dumps(documents[i * per_batch : (i + 1) * per_batch], ensure_ascii=False)
            answer = client.post(url, content=body.encode("utf-8"), headers=headers)
            if answer.status_code != 200:
                raise SystemExit(f"ingest answered {answer.status_code}: {answer.text[:300]}")
            accepted.append((base + (i + 1) * per_batch, time.perf_counter()))
    sent_for = time.perf_counter() - started
    done.set()
    poller.join()
    stop.set()
    thread.join()
    millis = []
    for wanted, moment in accepted:
        shown = next((when for n, when in seen if n >= wanted), None)
        if shown is not None:
            millis.append(max(0.0, shown - moment) * 1000)
    console.print(
        f"(b) freshness: {len(documents):,} dossier updates at {len(documents) / sent_for:,.0f}/s"
        f" in batches of {per_batch}; {len(millis)}/{len(accepted)} batches shown"
    )
    if len(millis) < 2:
        return None
    return _percentiles("acceptance → API shows the batch", millis, "(aim p99 < 2000 ms)")


if __name__ == "__main__":
    main()
