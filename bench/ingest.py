"""Ingest throughput and latency against one Kafka broker, with a raw-client reference.

In one run, on the same records (synthetic dossiers, ~600 bytes of Avro each):

  (a) raw      kafka-python producer sending pre-encoded records (the hub's producer settings)
  (b) hub      the hub's in-process ingest: authorise the token, JSON → record, Avro types,
               contract rules, encode, produce
  (c) http     HTTP batch ingest through uvicorn, Idempotency-Key-free, in as many API processes
               as docker-compose.yml deploys (``scale: 2``; ``--api-processes`` to change it), two
               client connections per process

It prints records/s of each and the ratios b/a and c/a, then p50/p99 latency from the moment a
batch is posted to the moment a consumer receives each record, at a steady 1,000 records/s.
With ``--repeat N`` the rounds (a), (b), (c) run N times in turn; the ratios of each round, their
median and spread (min..max) are printed, and the medians recorded.

    python bench/ingest.py [--records 50000] [--kafka kafka://kho:kho@127.0.0.1:19092] [--repeat N]
                           [--api-processes 2]

The raw client logs in with the same URL's credentials (hub.bus.kafka_url) as the hub.

Machines are noisy: compare the ratios, not the absolute figures.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import fastavro
import httpx
import kafka
from harness import UvicornServer, catalogue_copy, record_result
from rich.console import Console
from rich.table import Table

from connectors.samples.dossiers import dossier_documents
from hub.app.wiring import Hub, build_hub
from hub.auth.policy import write_refusal
from hub.auth.tokens import Role
from hub.avro.json_codec import record_from_json
from hub.avro.wire import split_wire
from hub.bus.kafka_url import KafkaConnection, parse_kafka_url
from hub.catalogue.models import DatasetEntry
from hub.ingest.batch import IngestMode, ingest_batch
from hub.settings import KhoSettings

DATASET = "tthc.dossiers"
AIM_IN_PROCESS = 0.7  # b/a
AIM_HTTP = 0.5  # c/a (issue 24)
API_PROCESSES = 2  # the API's replicas in docker-compose.yml (``scale: 2``)
console = Console()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=1000, help="records per ingest batch")
    parser.add_argument(
        "--kafka",
        default=f"kafka://kho:kho@127.0.0.1:{os.environ.get('KHO_SVC_KAFKA_PORT', 19092)}",
        help="the bus URL (KHO_BUS_URL form)",
    )
    parser.add_argument("--rate", type=int, default=1000, help="records/s in the latency run")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the latency run")
    parser.add_argument(
        "--repeat", type=int, default=1, help="run (a), (b), (c) in turn this many times"
    )
    parser.add_argument(
        "--api-processes",
        type=int,
        default=API_PROCESSES,
        help="uvicorn worker processes serving (c); docker-compose.yml runs the API in 2",
    )
    parser.add_argument(
        "--plain-server",
        action="store_true",
        help="serve (c) on asyncio's loop and h11 instead of uvloop and httptools, to compare",
    )
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.api_processes < 1:
        parser.error("--api-processes must be at least 1")

    run = uuid.uuid4().hex[:8]
    workdir = Path(tempfile.mkdtemp(prefix="kho-bench-"))
    settings = KhoSettings(
        data_dir=workdir,
        bus_url=args.kafka,
        database_url=f"sqlite:///{workdir / 'kho.sqlite3'}",
        catalogue_path=catalogue_copy(workdir, DATASET, f"bench.{run}.dossiers", others="rename"),
    )
    hub = build_hub(settings)
    try:
        token = hub.tokens.create("vp-ubnd", frozenset({Role.PRODUCER})).plaintext
        documents = dossier_documents(args.records, seed=766)
        broker = parse_kafka_url(args.kafka)
        console.print(f"{args.records} dossiers, batches of {args.batch}, broker {broker}")
        rounds: list[tuple[float, float, float]] = []
        server_cpu: list[float] = []
        server = UvicornServer(settings, workers=args.api_processes, plain=args.plain_server)
        with server as base_url:
            for number in range(args.repeat):
                if args.repeat > 1:
                    console.print(f"round {number + 1} of {args.repeat}")
                raw = _raw_producer(hub, broker, documents, f"bench.{run}.raw")
                in_process = _in_process(hub, token, documents, args.batch)
                cpu = server.cpu_seconds()
                http = _http(base_url, token, documents, args.batch, 2 * args.api_processes)
                # ms a 1,000 records
                server_cpu.append((server.cpu_seconds() - cpu) / len(documents) * 1e6)
                console.print(f"  (c) the server's CPU: {server_cpu[-1]:.0f} ms a 1,000 records")
                rounds.append((raw, in_process, http))
            latencies = _latency(hub, base_url, token, args)
        stages = _stages(hub, documents)
    finally:
        hub.close()
    _report(args.records, rounds, latencies, server_cpu, args.api_processes)
    _report_stages(stages, statistics.median(a for a, _, _ in rounds), args.records)


def _timed(label: str, count: int, action: Callable[[], None]) -> float:
    started, cpu = time.perf_counter(), time.process_time()
    action()
    elapsed = time.perf_counter() - started
    # this process's CPU (all its threads: the producer's sender too), steadier than the clock
    # on a busy machine; (c)'s work is mostly in the server's process, not counted here
    cpu_us = (time.process_time() - cpu) / count * 1e6
    console.print(
        f"  {label}: {count / elapsed:,.0f} records/s ({elapsed:.2f} s;"
        f" this process's CPU {cpu_us:.1f} µs a record)"
    )
    return count / elapsed


def _raw_producer(
    hub: Hub, broker: KafkaConnection, documents: list[dict[str, Any]], topic: str
) -> float:
    """(a) kafka-python alone, records encoded beforehand, same producer settings as the hub."""
    writer = hub.writer(DATASET)
    messages = [writer.message(record_from_json(writer.schema.parsed, d)) for d in documents]
    hub.bus.ensure_topic(topic)
    producer = kafka.KafkaProducer(
        **broker.client_options(),
        acks="all",
        enable_idempotence=True,
        linger_ms=20,
        batch_size=256 * 1024,
    )

    def send_all() -> None:
        futures = [producer.send(topic, key=m.key, value=m.value) for m in messages]
        producer.flush()
        for future in futures:
            future.get(timeout=30)

    try:
        producer.send(topic, key=b"warm-up", value=b"warm-up").get(timeout=30)
        return _timed("(a) raw kafka-python", len(messages), send_all)
    finally:
        producer.close()


def _in_process(hub: Hub, token: str, documents: list[dict[str, Any]], batch: int) -> float:
    """(b) the hub's ingest path without HTTP."""
    writer = hub.writer(DATASET)
    entry: DatasetEntry = writer.entry
    # warm, as a running server is: the producer connected, the checks' code lists loaded
    # (the API loads them at start; hub.app.api.app)
    ingest_batch(writer, documents[:1], mode=IngestMode.ATOMIC, source_name="bench-warm-up")

    def ingest_all() -> None:
        for start in range(0, len(documents), batch):
            credential = hub.tokens.authenticate(token)
            if write_refusal(credential, entry) is not None:
                raise SystemExit("bench token may not write the dataset")
            result = ingest_batch(
                writer,
                documents[start : start + batch],
                mode=IngestMode.ATOMIC,
                source_name=credential.agency,
            )
            if result.rejected:
                raise SystemExit(f"bench records refused: {result.rejected[0]}")

    return _timed("(b) hub in-process", len(documents), ingest_all)


def _stages(hub: Hub, documents: list[dict[str, Any]]) -> dict[str, float]:
    """(b)'s work before the producer, stage by stage, in µs a record, on one thread without
    Kafka: JSON → record, the Avro types and the contract's rules, encoding."""
    writer = hub.writer(DATASET)
    started = time.perf_counter()
    records = [writer.json_reader.read(document) for document in documents]
    read = time.perf_counter()
    for record in records:
        writer.violations(record)
    checked = time.perf_counter()
    for record in records:
        writer.message(record)
    encoded = time.perf_counter()
    per_record = 1e6 / len(documents)
    return {
        "read": (read - started) * per_record,
        "check": (checked - read) * per_record,
        "encode": (encoded - checked) * per_record,
    }


def _report_stages(stages: dict[str, float], raw_per_s: float, count: int) -> None:
    """The stages, and the b/a that (b) could reach at most if the producer cost what (a) costs
    and nothing else ran: once with encoding alone (any path that writes Avro pays it), once
    with every stage."""
    send_us = 1e6 / raw_per_s
    with_encoding = send_us / (send_us + stages["encode"])
    with_all = send_us / (send_us + sum(stages.values()))
    console.print(
        "(b) before the producer, µs a record: "
        + ", ".join(f"{name} {us:.1f}" for name, us in stages.items())
        + f"; (a) sends one in {send_us:.1f} µs"
    )
    console.print(
        f"b/a at most: {with_encoding:.2f} with encoding alone, {with_all:.2f} with every stage"
        " (one process: the stages and the producer share one interpreter lock)"
    )
    record_result(
        "ingest",
        "ingest b/a ceiling (every stage, one process)",
        value=with_all,
        aim=None,
        size=count,
        size_unit="record",
        cost=sum(stages.values()),
        cost_unit="µs",
        per="record",
        figures={
            **{f"{name}_us": us for name, us in stages.items()},
            "send_us": send_us,
            "ceiling_encoding_alone": with_encoding,
        },
    )


def _post(client: httpx.Client, url: str, token: str, body: bytes) -> dict[str, Any]:
    answer = client.post(
        url,
        content=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=60,
    )
    if answer.status_code != 200:
        raise SystemExit(f"HTTP ingest answered {answer.status_code}: {answer.text[:300]}")
    result: dict[str, Any] = answer.json()
    return result


def _http(
    base_url: str, token: str, documents: list[dict[str, Any]], batch: int, connections: int
) -> float:
    """(c) HTTP batches through uvicorn, over ``connections`` client connections (two for each
    server process) so that no server process is ever idle."""
    url = f"{base_url}/api/v1/datasets/{DATASET}/records"
    bodies = [
        json.dumps(documents[start : start + batch], ensure_ascii=False).encode("utf-8")
        for start in range(0, len(documents), batch)
    ]
    clients = [httpx.Client() for _ in range(connections)]
    # warm-up, a small batch over every connection at once, so that each server process has
    # registered the schema and opened Kafka before the clock starts (the kernel spreads the
    # connections over the processes)
    warm_up = json.dumps(documents[:10], ensure_ascii=False).encode("utf-8")
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        for _ in range(2):
            list(pool.map(lambda client: _post(client, url, token, warm_up), clients))

    def post_all() -> None:
        with ThreadPoolExecutor(max_workers=len(clients)) as pool:
            futures = [
                pool.submit(_post, clients[i % len(clients)], url, token, body)
                for i, body in enumerate(bodies)
            ]
            for future in futures:
                future.result()

    try:
        return _timed("(c) HTTP through uvicorn", len(documents), post_all)
    finally:
        for client in clients:
            client.close()


def _latency(hub: Hub, base_url: str, token: str, args: argparse.Namespace) -> list[float]:
    """Post small batches at a steady rate; a consumer notes when each record arrives."""
    writer = hub.writer(DATASET)
    topic = writer.entry.topic
    parsed = writer.schema.parsed
    per_batch = max(1, args.rate // 20)
    batches = int(args.seconds * 20)
    documents = dossier_documents(per_batch * batches, seed=1022, start=10_000_000)
    sent_at: dict[str, float] = {}
    received_at: dict[str, float] = {}
    consumer = kafka.KafkaConsumer(
        **parse_kafka_url(args.kafka).client_options(),
        enable_auto_commit=False,
        fetch_max_wait_ms=5,
    )
    partitions = [kafka.TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
    consumer.assign(partitions)
    consumer.seek_to_end()
    for tp in partitions:
        consumer.position(tp)
    done = threading.Event()

    def consume() -> None:
        while not done.is_set() or len(received_at) < len(documents):
            for records in consumer.poll(timeout_ms=50).values():
                now = time.perf_counter()
                for record in records:
                    _, body = split_wire(record.value)
                    value = fastavro.schemaless_reader(io.BytesIO(body), parsed, parsed)
                    received_at.setdefault(value["dossier_id"], now)
            if done.is_set() and time.perf_counter() - finished > 10:
                break

    finished = float("inf")
    reader = threading.Thread(target=consume)
    reader.start()
    url = f"{base_url}/api/v1/datasets/{DATASET}/records"
    with httpx.Client() as client:
        started = time.perf_counter()
        for i in range(batches):
            batch = documents[i * per_batch : (i + 1) * per_batch]
            pause = started + i / 20 - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            moment = time.perf_counter()
            for document in batch:
                sent_at[document["dossier_id"]] = moment
            _post(client, url, token, json.dumps(batch, ensure_ascii=False).encode("utf-8"))
    finished = time.perf_counter()
    done.set()
    reader.join()
    consumer.close()
    missing = len(sent_at) - len(received_at)
    if missing:
        console.print(f"  [red]{missing} records not received within 10 s[/red]")
    return sorted((received_at[k] - sent_at[k]) * 1000 for k in received_at if k in sent_at)


def _report(
    count: int,
    rounds: list[tuple[float, float, float]],
    latencies: list[float],
    server_cpu: list[float],
    api_processes: int,
) -> None:
    table = Table(title=f"Ingest, {count} records, one broker")
    for column in ("round", "(a) raw records/s", "(b) hub", "b/a", "(c) HTTP", "c/a"):
        table.add_column(column, justify="right")
    for number, (raw, in_process, http) in enumerate(rounds, 1):
        table.add_row(
            str(number),
            f"{raw:,.0f}",
            f"{in_process:,.0f}",
            f"{in_process / raw:.2f}",
            f"{http:,.0f}",
            f"{http / raw:.2f}",
        )
    console.print(table)
    b_ratios = [b / a for a, b, _ in rounds]
    c_ratios = [c / a for a, _, c in rounds]
    console.print(
        f"b/a = {statistics.median(b_ratios):.2f} ({min(b_ratios):.2f}..{max(b_ratios):.2f},"
        f" aim ≥ {AIM_IN_PROCESS}); c/a = {statistics.median(c_ratios):.2f}"
        f" ({min(c_ratios):.2f}..{max(c_ratios):.2f}, aim ≥ {AIM_HTTP})"
        + (f"; median of {len(rounds)} rounds" if len(rounds) > 1 else "")
    )
    cpu_ms = statistics.median(server_cpu)
    console.print(
        f"(c) the server's CPU a 1,000 records: {cpu_ms:.0f} ms"
        f" ({min(server_cpu):.0f}..{max(server_cpu):.0f})"
    )
    raw = statistics.median(a for a, _, _ in rounds)
    figures: dict[str, float | int | str] = {
        "raw_records_per_s": raw,
        "in_process_records_per_s": statistics.median(b for _, b, _ in rounds),
        "http_records_per_s": statistics.median(c for _, _, c in rounds),
        "rounds": len(rounds),
        "b_over_a_min": min(b_ratios),
        "b_over_a_max": max(b_ratios),
        "c_over_a_min": min(c_ratios),
        "c_over_a_max": max(c_ratios),
        "http_server_cpu_ms_per_1000_records": cpu_ms,
        "api_processes": api_processes,
    }
    if latencies:
        p50 = statistics.quantiles(latencies, n=100)[49]
        p99 = statistics.quantiles(latencies, n=100)[98]
        console.print(
            f"latency post → consumer at steady rate, {len(latencies)} records: "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms"
        )
        figures |= {"latency_p50_ms": p50, "latency_p99_ms": p99}
    for name, ratios, aim in (
        ("ingest b/a (hub in-process)", b_ratios, AIM_IN_PROCESS),
        (f"ingest c/a (HTTP, {api_processes} API processes)", c_ratios, AIM_HTTP),
    ):
        ratio = statistics.median(ratios)
        record_result(
            "ingest",
            name,
            value=ratio,
            aim=(">=", aim),
            size=count,
            size_unit="record",
            cost=count / (ratio * raw),
            figures=figures,
        )


if __name__ == "__main__":
    main()
