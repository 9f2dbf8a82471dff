"""Publishing dossiers from the bus to CKAN, with a bare ckanapi upload of the same files.

1,000,000 dossiers (``--rows``) are loaded once onto a topic of their own (Kafka by default;
later runs find them there and skip the load). Two publications are then published by the
hub's publisher (``Publisher.run``, as ``kho publish`` does), each into a fresh CKAN package
(the bench packages are purged first):

  tthc.dossiers.bench_history          every record (kind history), the 12 non-personal columns
  tthc.dossiers.bench_monthly_by_commune
                                       the province's monthly aggregation per commune, copied
                                       from hub/defaults/catalogue/publications.yaml (over
                                       each dossier's latest record, small groups suppressed)

The history publication has no ``quasi_identifiers``: it measures speed, and a k-anonymity
check of every (commune, procedure) pair would refuse the synthetic data's rare pairs and so
stop the run. The province's own spec (``tthc.dossiers``, a snapshot) keeps them. The
publications live in a bench-only YAML (``publications_path``) and are approved by vp-ubnd
before the run, as a steward would.

In one run, on the same topic and the same file bytes:

  (a) read + decode   every record of the topic, Avro-decoded: once, both publications are
                      materialised from the same pass
  (b) materialise     latest record per key, rows, aggregation, temporal/spatial coverage
      files           CSV, JSON, Parquet and the data dictionary of each publication
  (c) ours → CKAN     the publisher's portal step: package_create, then one package_revise
                      with an upload per file
  (d) reference       bare ckanapi: package_create, then resource_create(upload=...) per file,
                      the same bytes as (b) wrote, into separate packages
  (e) re-run          the publisher again on unchanged data: it compares the topic's end
                      offsets, the specs and the catalogue entry with its last publish and
                      reads no record (opendata.publish_inputs); the issue's aim is < 2 s at
                      1,000,000 rows, a cost that does not grow with the topic
  (e') re-run by CLI  `kho publish` on the same hub as a process of its own, unchanged: the
                      issue's "finishes in under 2 s" as a user sees it, start-up included;
                      printed beside `kho --help`, the CLI's start-up (imports) alone;
                      each the median of three runs
  (f) floor           the raw kafka-python consumer reading the same topic and fastavro
                      decoding every record, with no hub code: what any topic → CKAN path
                      pays before it has a file to upload

It prints each stage, our end-to-end time (topic → files → CKAN), and three ratios: end-to-end
over (d), the issue's aim (≤ 1.5); end-to-end over (f) + (d), the same journey done with the
bare clients' floor; and (c) over (d), the CKAN step alone. The stage times come from wrappers
around the publisher's module functions that only time them.

CKAN refuses files over ``ckan.max_resource_size`` (read from the dev CKAN's ckan.ini, or
``--max-resource-mb``); the publisher is told the same limit. When a file is larger, the bench
prints the limit, every file's size and the largest ``--rows`` that fits, and exits 2.

    python bench/publish.py [--rows 1000000] [--skip-load] [--bus kafka|embedded]
        [--kafka kafka://kho:kho@127.0.0.1:19092] [--ckan http://127.0.0.1:15000]
        [--max-resource-mb N]

Services that are down (PostgreSQL, Redis, Solr, CKAN, and Kafka for ``--bus kafka``) are
started through scripts/services.sh and stopped again at the end. The loaded records, the
schema registry that decodes them and the hub's database stay in .kho/bench-publish/.

Machines are noisy: compare the ratios, not the absolute figures.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import ckanapi
import fastavro
import kafka
import sqlalchemy as sa
import yaml
from harness import (
    CATALOGUE_DIR,
    SERVICES_DIR,
    bench_folder,
    catalogue_copy,
    record_result,
    services,
)
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

import opendata.changed
import opendata.materialise
import opendata.portal.port
import opendata.portal_dataset
from connectors.samples.dossiers import dossier_documents
from hub.app.wiring import Hub, build_hub
from hub.audit.entry import Actor
from hub.bus.kafka import KafkaBus
from hub.bus.kafka_url import KafkaConnection
from hub.bus.port import OutgoingMessage
from hub.bus.reading import read_all
from hub.settings import KhoSettings
from opendata.portal.port import PortalResource
from opendata.publisher import Publisher, PublishResult, portal_name
from opendata.state import publications_state_table

DATASET = "tthc.dossiers"
HISTORY = "tthc.dossiers.bench_history"
MONTHLY = "tthc.dossiers.bench_monthly_by_commune"
PUBLICATIONS = (HISTORY, MONTHLY)
ACTOR = Actor("token:bench", agency="vp-ubnd")
SEED = 1022
LOAD_CHUNK = 20_000
LAYOUT = 1  # bump when the loaded records change shape: older loads are then redone
WORKDIR = bench_folder("publish")
FILE_KINDS = ("csv", "json", "parquet", "dictionary")
SHARED = "shared"  # the clock's name for the stages both publications share
CLI_RUNS = 3  # (e'): runs of each `kho` process, the median recorded
console = Console(width=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="dossiers on the topic")
    parser.add_argument(
        "--skip-load", action="store_true", help="never load: the topic must hold the rows"
    )
    parser.add_argument("--bus", choices=("kafka", "embedded"), default="kafka")
    parser.add_argument(
        "--kafka",
        default=f"kafka://kho:kho@127.0.0.1:{os.environ.get('KHO_SVC_KAFKA_PORT', 19092)}",
        help="the bus URL for --bus kafka (KHO_BUS_URL form)",
    )
    parser.add_argument(
        "--ckan", default=f"http://127.0.0.1:{os.environ.get('KHO_SVC_CKAN_PORT', 15000)}"
    )
    parser.add_argument(
        "--max-resource-mb",
        type=int,
        default=None,
        help="CKAN's upload limit (default: ckan.max_resource_size of the dev CKAN's ckan.ini)",
    )
    args = parser.parse_args()
    if args.rows < 1:
        parser.error("--rows must be at least 1")

    needed = ["postgres", "redis", *(["kafka"] if args.bus == "kafka" else []), "solr", "ckan"]
    with services(needed, console):
        limit_mb = args.max_resource_mb or _ckan_limit_mb()
        token = (SERVICES_DIR / "ckan" / "sysadmin.token").read_text("utf-8").strip()
        bus_url = args.kafka if args.bus == "kafka" else f"embedded:{WORKDIR / 'bus.sqlite3'}"
        hub, loaded = _loaded_hub(args, bus_url, args.ckan, token, limit_mb)
        try:
            run = _measure(hub, args.ckan, token, loaded, limit_mb)
        finally:
            hub.close()
    _report(run, args.rows, limit_mb)
    if run.too_large:
        raise SystemExit(2)


# --- services and settings ---------------------------------------------------------------


def _ckan_limit_mb() -> int:
    """ckan.max_resource_size of the dev CKAN (scripts/services/ckan.sh); CKAN's default 10."""
    ini = SERVICES_DIR / "ckan" / "ckan.ini"
    for line in ini.read_text("utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() == "ckan.max_resource_size":
            return int(value.strip())
    return 10


def _settings(bus_url: str, topic: str, ckan_url: str, token: str, limit_mb: int) -> KhoSettings:
    WORKDIR.mkdir(parents=True, exist_ok=True)
    catalogue = catalogue_copy(WORKDIR, DATASET, topic)
    return KhoSettings(
        data_dir=WORKDIR,
        bus_url=bus_url,
        database_url=f"sqlite:///{WORKDIR / 'kho.sqlite3'}",
        catalogue_path=catalogue,
        publications_path=_publications(WORKDIR),
        portal_url=f"ckan+{ckan_url}",
        ckan_api_token=SecretStr(token),
        portal_max_resource_mb=limit_mb,
        publish_retries=0,
    )


def _publications(workdir: Path) -> Path:
    """The bench's publications: a history without quasi-identifiers (see the docstring) and
    the province's monthly aggregation under a bench id."""
    declared = yaml.safe_load((CATALOGUE_DIR / "publications.yaml").read_text("utf-8"))[
        "publications"
    ]
    snapshot = next(p for p in declared if p["id"] == DATASET)
    monthly = next(p for p in declared if p["id"] == "tthc.dossiers.monthly_by_commune")
    history = {
        "id": HISTORY,
        "dataset": DATASET,
        "kind": "history",
        "title": {
            "vi": "Hồ sơ thủ tục hành chính, toàn bộ lịch sử (đo tốc độ)",
            "en": "Administrative procedure dossiers, full history (benchmark)",
        },
        "columns": snapshot["columns"],
        "time_field": "received_at",
        "commune_field": "commune_code",
        "themes": ["GOVE"],
    }
    path = workdir / "publications.yaml"
    publications = [history, {**monthly, "id": MONTHLY}]
    path.write_text(yaml.safe_dump({"publications": publications}, allow_unicode=True), "utf-8")
    return path


# --- loading the topic (once) ------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    bus: str
    topic: str
    rows: int
    seconds: float  # what the load took when it was done
    cached: bool


def _loaded_hub(
    args: argparse.Namespace, bus_url: str, ckan_url: str, token: str, limit_mb: int
) -> tuple[Hub, Loaded]:
    """A hub whose dossier topic holds ``--rows`` records: the ones loaded by an earlier run
    when the topic still holds exactly them, else a new topic loaded now."""
    marker_path = WORKDIR / f"loaded-{args.bus}-{args.rows}.json"
    marker = json.loads(marker_path.read_text("utf-8")) if marker_path.exists() else None
    if marker is not None and marker.get("layout") == LAYOUT:
        hub = build_hub(_settings(bus_url, marker["topic"], ckan_url, token, limit_mb))
        held = sum(hub.bus.end_offsets(marker["topic"]).values())
        if held == args.rows and marker["schema_id"] == hub.writer(DATASET).schema_id:
            return hub, Loaded(hub.bus.description, marker["topic"], held, marker["seconds"], True)
        hub.close()
        console.print(f"topic {marker['topic']} holds {held:,} records, not {args.rows:,}")
    if args.skip_load:
        raise SystemExit(f"--skip-load: no topic holds {args.rows:,} bench dossiers; run without")
    topic = f"bench.publish.{args.rows}.{uuid.uuid4().hex[:6]}.dossiers"
    hub = build_hub(_settings(bus_url, topic, ckan_url, token, limit_mb))
    seconds = _load(hub, args.rows)
    marker_path.write_text(
        json.dumps(
            {
                "layout": LAYOUT,
                "topic": topic,
                "rows": args.rows,
                "schema_id": hub.writer(DATASET).schema_id,
                "seconds": seconds,
            }
        ),
        "utf-8",
    )
    return hub, Loaded(hub.bus.description, topic, args.rows, seconds, False)


def _load(hub: Hub, rows: int) -> float:
    """Synthetic dossiers (unique ids: each chunk starts where the last ended), encoded by the
    hub's writer (JSON → Avro datum → wire format, keyed as the writer keys them), in chunks.
    They are valid by construction, so the contract check is left out, as bench/ingest.py's
    (a) does. On Kafka the raw kafka-python producer sends them (acks=1, large batches, no
    wait per chunk): loading is the bench's cost, not the publisher's, and at 1,000,000 rows
    the hub's acks=all producer waiting on every chunk would take several times longer."""
    writer = hub.writer(DATASET)
    reader = writer.json_reader
    console.print(f"loading {rows:,} dossiers onto {writer.entry.topic} ({hub.bus.description})")
    started = time.perf_counter()
    with _sender(hub, writer) as send:
        _load_chunks(writer, reader, rows, send, started)
    seconds = time.perf_counter() - started
    console.print(f"loaded in {seconds:.1f} s (not measured)")
    return seconds


@contextlib.contextmanager
def _sender(hub: Hub, writer: Any) -> Iterator[Callable[[list[OutgoingMessage]], None]]:
    """A function that sends a chunk of messages to the dataset's topic: the raw producer on
    Kafka (failures raised at the next chunk and at the end), the hub's writer otherwise."""
    if not isinstance(hub.bus, KafkaBus):
        yield writer.publish
        return
    topic = writer.entry.topic
    hub.bus.ensure_topic(topic)
    producer = kafka.KafkaProducer(
        **hub.bus.client_options,
        acks=1,
        linger_ms=50,
        batch_size=1 << 20,
        max_block_ms=60_000,
    )
    pending: list[Any] = []

    def send(messages: list[OutgoingMessage]) -> None:
        for future in pending:
            future.get(timeout=120)  # the previous chunk is acknowledged
        pending[:] = [producer.send(topic, key=m.key, value=m.value) for m in messages]

    try:
        yield send
        producer.flush()
        for future in pending:
            future.get(timeout=120)
    finally:
        producer.close()


def _load_chunks(
    writer: Any,
    reader: Any,
    rows: int,
    send: Callable[[list[OutgoingMessage]], None],
    started: float,
) -> None:
    for start in range(0, rows, LOAD_CHUNK):
        count = min(LOAD_CHUNK, rows - start)
        documents = dossier_documents(count, seed=SEED + start // LOAD_CHUNK, start=start)
        send([writer.message(reader.read(d)) for d in documents])
        done = start + count
        if done % (rows // 10 or 1) < LOAD_CHUNK or done == rows:
            rate = done / (time.perf_counter() - started)
            console.print(f"  {done:,} loaded, {rate:,.0f} records/s")


# --- timing the publisher's stages -------------------------------------------------------


@dataclass
class Clock:
    """Seconds per (publication, stage); ``current`` is the publication being published."""

    current: str = ""
    seconds: dict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))
    hashed_bytes: int = 0
    hash_calls: int = 0
    files: dict[str, list[PortalResource]] = field(default_factory=dict)
    uploads: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def add(self, stage: str, seconds: float) -> None:
        self.seconds[(self.current, stage)] += seconds

    def get(self, publication: str, stage: str) -> float:
        return self.seconds.get((publication, stage), 0.0)

    def total(self, stage: str) -> float:
        return sum(s for (_, name), s in self.seconds.items() if name == stage)

    def timed(self, stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.add(stage, time.perf_counter() - started)

        return wrapper


@contextlib.contextmanager
def _instrumented(clock: Clock, publisher: Publisher) -> Iterator[None]:
    """Wrap the functions the publisher calls so each stage's time is noted; what they do is
    unchanged. The topic's records are pulled 5,000 at a time so the clock is read rarely."""
    original_records = opendata.materialise.topic_records

    def topic_records(*args: Any) -> Iterator[dict[str, Any]]:
        inner = original_records(*args)
        while True:
            started = time.perf_counter()
            chunk = list(islice(inner, 5000))
            clock.add("read", time.perf_counter() - started)
            if not chunk:
                return
            yield from chunk

    original_files = opendata.changed.publication_files
    publication_of = {portal_name(p): p for p in PUBLICATIONS}

    def publication_files(name: str, table: Any) -> list[PortalResource]:
        clock.current = publication_of[name]  # from here on, this publication's stages
        files: list[PortalResource] = original_files(name, table)
        clock.files[clock.current] = files
        return files

    original_hash = opendata.portal.port.sha256_hex

    def sha256_hex(content: bytes) -> str:
        clock.hashed_bytes += len(content)
        clock.hash_calls += 1
        return str(original_hash(content))

    patches: list[tuple[Any, str, Any]] = [
        (opendata.materialise, "topic_records", topic_records),
        (
            opendata.materialise,
            "materialise_together",
            clock.timed("materialise", opendata.materialise.materialise_together),
        ),
        (opendata.changed, "publication_files", publication_files),
        (
            opendata.changed,
            "content_digest",
            clock.timed("digest", opendata.changed.content_digest),
        ),
        (
            opendata.changed,
            "build_portal_dataset",
            clock.timed("dcat", opendata.changed.build_portal_dataset),
        ),
        (opendata.portal.port, "sha256_hex", clock.timed("hash", sha256_hex)),
        (opendata.portal_dataset, "sha256_hex", clock.timed("hash", sha256_hex)),
    ]
    for kind, name in zip(
        FILE_KINDS, ("table_csv", "table_json", "table_parquet", "data_dictionary"), strict=True
    ):
        patches.append(
            (
                opendata.portal_dataset,
                name,
                clock.timed(kind, getattr(opendata.portal_dataset, name)),
            )
        )
    portal = publisher.portal
    patches.append((portal, "publish", clock.timed("upload", portal.publish)))
    saved = [(target, name, getattr(target, name)) for target, name, _ in patches]
    for target, name, replacement in patches:
        setattr(target, name, replacement)
    try:
        yield
    finally:
        for target, name, previous in saved:
            setattr(target, name, previous)
        if "publish" in vars(portal):
            delattr(portal, "publish")


# --- the run -----------------------------------------------------------------------------


@dataclass
class Run:
    loaded: Loaded
    clock: Clock
    ours: float  # end-to-end seconds, both publications
    results: list[PublishResult]
    reference: dict[str, float] = field(default_factory=dict)
    floor: float = 0.0  # (f) raw read + decode of the topic
    rerun: float = 0.0
    rerun_results: list[PublishResult] = field(default_factory=list)
    rerun_read: float = 0.0  # seconds the re-run spent reading the topic (none expected)
    rerun_cli: float = 0.0  # (e') `kho publish`, unchanged, as a process
    cli_startup: float = 0.0  # `kho --help`, as a process
    sizes: dict[str, dict[str, int]] = field(default_factory=dict)  # publication → file → bytes
    too_large: bool = False


def _measure(hub: Hub, ckan_url: str, token: str, loaded: Loaded, limit_mb: int) -> Run:
    for publication in PUBLICATIONS:
        hub.approvals.grant(publication, actor=ACTOR, note="bench")
    publisher = hub.publisher()
    with hub.engine.begin() as conn:  # a fresh publication, as on a first run
        table = publications_state_table
        conn.execute(sa.delete(table).where(table.c.publication_id.in_(PUBLICATIONS)))
    ckan = ckanapi.RemoteCKAN(ckan_url, apikey=token, user_agent="kho-bench-reference/0.1")
    _purge(ckan)
    source = "cached, loaded" if loaded.cached else "loaded"
    console.print(
        f"bus: {loaded.bus}; {loaded.rows:,} dossiers on {loaded.topic} ({source} in"
        f" {loaded.seconds:.0f} s, {loaded.rows / loaded.seconds:,.0f} records/s);"
        f" CKAN {ckan_url}, upload limit {limit_mb} MB"
    )

    clock = Clock()
    ours, results = _publish_all(publisher, clock, "ours")
    run = Run(loaded, clock, ours, results)
    run.sizes = {
        p: {f.filename: len(f.content) for f in clock.files.get(p, [])} for p in clock.files
    }
    limit = limit_mb * 2**20
    run.too_large = any(size > limit for files in run.sizes.values() for size in files.values())
    failed = [r for r in results if r.status != "published"]
    if run.too_large or failed:
        for result in failed:
            console.print(f"[red]{result.publication_id}: {result.status}: {result.reason}[/red]")
        return run

    console.print("(d) reference: bare ckanapi upload of the same files")
    for publication in PUBLICATIONS:
        started = time.perf_counter()
        _bare_upload(ckan, portal_name(publication) + "-ref", clock.files[publication])
        run.reference[publication] = time.perf_counter() - started
        console.print(f"  {publication}: {run.reference[publication]:.1f} s")
    clock.files.clear()  # the bytes of the first run are not needed any more

    rerun_clock = Clock()
    run.rerun, run.rerun_results = _publish_all(publisher, rerun_clock, "(e) re-run, unchanged")
    run.rerun_read = rerun_clock.total("read")
    rerun_clock.files.clear()
    run.rerun_cli, run.cli_startup = _cli_rerun(hub.settings)

    console.print("(f) floor: the raw kafka-python consumer and fastavro, the same topic")
    run.floor = _raw_read_decode(hub, loaded.topic)
    console.print(f"  {loaded.rows:,} records read and decoded in {run.floor:.1f} s")
    return run


def _publish_all(
    publisher: Publisher, clock: Clock, label: str
) -> tuple[float, list[PublishResult]]:
    """One Publisher.run for both publications, as `kho publish` does: one pass over the
    topic feeds both."""
    console.print(f"{label}: the publisher, topic → files → CKAN")
    clock.current = SHARED
    with _instrumented(clock, publisher):
        started = time.perf_counter()
        results = publisher.run(ACTOR, only=list(PUBLICATIONS))
        seconds = time.perf_counter() - started
    for result in results:
        console.print(
            f"  {result.publication_id}: {result.status} ({result.action}), {result.rows:,} rows,"
            f" {len(result.uploads)} uploads"
        )
    console.print(f"  both: {seconds:.1f} s")
    return seconds, results


def _cli_rerun(settings: KhoSettings) -> tuple[float, float]:
    """(e') Wall seconds of an unchanged `kho publish` of the bench's publications, and of
    `kho --help`, each a process of its own on the bench hub's settings: the median of
    ``CLI_RUNS`` runs of each, alternated, as one process's start-up on a machine shared with
    other work varies by up to a second from one run to the next."""
    token = settings.ckan_api_token.get_secret_value() if settings.ckan_api_token else ""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    env.update(
        COLUMNS="200",
        KHO_DATA_DIR=str(settings.data_dir),
        KHO_BUS_URL=settings.bus_url,
        KHO_DATABASE_URL=settings.database_url,
        KHO_CATALOGUE_PATH=str(settings.catalogue_path),
        KHO_PUBLICATIONS_PATH=str(settings.publications_path),
        KHO_PORTAL_URL=settings.portal_url,
        KHO_CKAN_API_TOKEN=token,
        KHO_PORTAL_MAX_RESOURCE_MB=str(settings.portal_max_resource_mb),
        KHO_PUBLISH_RETRIES=str(settings.publish_retries),
    )
    kho = [sys.executable, "-c", "from hub.app.cli.root import main; main()"]
    only = [arg for publication in PUBLICATIONS for arg in ("--only", publication)]
    commands = (["publish", *only], ["--help"])
    seconds: list[list[float]] = [[] for _ in commands]
    for _ in range(CLI_RUNS):
        for arguments, taken in zip(commands, seconds, strict=True):
            started = time.perf_counter()
            done = subprocess.run(
                [*kho, *arguments], env=env, capture_output=True, text=True, check=False
            )
            taken.append(time.perf_counter() - started)
            if done.returncode != 0:
                raise SystemExit(f"(e') kho {arguments[0]} failed:\n{done.stdout}{done.stderr}")
    publish, startup = (statistics.median(taken) for taken in seconds)
    console.print(
        f"(e') kho publish, unchanged: {publish:.2f} s; kho --help: {startup:.2f} s"
        f" (medians of {CLI_RUNS} runs: "
        + "; ".join(
            f"{arguments[0]} " + ", ".join(f"{s:.2f}" for s in taken)
            for arguments, taken in zip(commands, seconds, strict=True)
        )
        + ")"
    )
    return publish, startup


def _raw_read_decode(hub: Hub, topic: str) -> float:
    """(f) Every record of the topic through the bare clients: kafka-python polling from the
    beginning (Kafka) or the bus's own fetch (embedded), then fastavro's schemaless reader."""
    parsed = fastavro.parse_schema(hub.catalogue.schema(DATASET).definition)
    started = time.perf_counter()
    if isinstance(hub.bus, KafkaBus):
        values = _raw_kafka_values(hub.bus.connection, topic)
    else:
        values = (record.value for record in read_all(hub.bus, topic))
    count = 0
    for value in values:
        fastavro.schemaless_reader(io.BytesIO(value[5:]), parsed, None)
        count += 1
    seconds = time.perf_counter() - started
    if count != sum(hub.bus.end_offsets(topic).values()):
        raise SystemExit(f"(f) read {count:,} records of {topic}, not all of them")
    return seconds


def _raw_kafka_values(connection: KafkaConnection, topic: str) -> Iterator[bytes]:
    consumer = kafka.KafkaConsumer(
        **connection.client_options(), group_id=None, enable_auto_commit=False
    )
    try:
        partitions = [
            kafka.TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        remaining = sum(consumer.end_offsets(partitions).values())
        while remaining > 0:
            batch = consumer.poll(timeout_ms=5000, max_records=5000)
            if not batch:
                raise SystemExit(f"(f) {topic}: no records for 5 s with {remaining:,} to go")
            for records in batch.values():
                remaining -= len(records)
                for record in records:
                    yield record.value
    finally:
        consumer.close()


def _purge(ckan: ckanapi.RemoteCKAN) -> None:
    """Remove the bench's packages, ours and the reference's, so each run starts fresh."""
    for publication in PUBLICATIONS:
        for name in (portal_name(publication), portal_name(publication) + "-ref"):
            with contextlib.suppress(ckanapi.NotFound):
                ckan.action.dataset_purge(id=name)


_REFERENCE_IDS = uuid.UUID("2b0f7d1e-54c3-4f0e-8a3b-9d6e1c7a5f42")


def _bare_upload(ckan: ckanapi.RemoteCKAN, name: str, files: list[PortalResource]) -> None:
    """(d) What a script with ckanapi would do: create the package, upload each file. Resource
    ids are fixed so that repeated runs overwrite the same files in CKAN's storage."""
    package = ckan.action.package_create(
        name=name, title=name, owner_org="vp-ubnd", license_id="cc-by"
    )
    for resource in files:
        ckan.action.resource_create(
            package_id=package["id"],
            id=str(uuid.uuid5(_REFERENCE_IDS, f"{name}/{resource.filename}")),
            name=resource.name,
            format=resource.format,
            upload=(resource.filename, io.BytesIO(resource.content)),
        )


# --- the report --------------------------------------------------------------------------


def _report(run: Run, rows: int, limit_mb: int) -> None:
    clock = run.clock
    table = Table(title=f"Publish, {rows:,} dossiers, {run.loaded.bus}")
    table.add_column("stage")
    for column in (*PUBLICATIONS, "total"):
        table.add_column(column.removeprefix("tthc.dossiers."), justify="right")

    def row(label: str, per: Callable[[str], float], style: str | None = None) -> None:
        values = [per(p) for p in PUBLICATIONS]
        cells = [f"{v:.2f}" if v else "–" for v in (*values, sum(values))]
        table.add_row(label, *cells, style=style)

    def shared(label: str, seconds: float, style: str | None = None) -> None:
        """A stage both publications share: one figure, in the total column."""
        table.add_row(label, *("–" for _ in PUBLICATIONS), f"{seconds:.2f}", style=style)

    def stage(name: str) -> Callable[[str], float]:
        return lambda p: clock.get(p, name)

    counted = ("materialise", *FILE_KINDS, "digest", "dcat", "upload")
    other = run.ours - sum(clock.total(s) for s in counted)

    shared("(a) read + decode topic, s", clock.get(SHARED, "read"))
    shared("(b) materialise, s", clock.get(SHARED, "materialise") - clock.get(SHARED, "read"))
    for kind in FILE_KINDS:
        row(f"(b) file: {kind}, s", stage(kind))
    row("    content digest + DCAT, s", lambda p: clock.get(p, "digest") + clock.get(p, "dcat"))
    row("(c) ours → CKAN, s", stage("upload"))
    shared("    other (approval, state, audit, k-anonymity), s", other)
    shared("ours end-to-end, s", run.ours, style="bold")
    if run.reference:
        row("(d) bare ckanapi upload, s", lambda p: run.reference.get(p, 0.0), style="bold")
        shared("(e) unchanged re-run, s", run.rerun)
        shared("(e') unchanged `kho publish` process, s", run.rerun_cli)
        shared("     of which CLI start-up (`kho --help`), s", run.cli_startup)
        shared("(f) floor: raw read + decode, s", run.floor)
    console.print(table)
    hashed = f"{clock.hashed_bytes / 2**20:,.0f} MB"
    console.print(
        f"SHA-256 inside those stages: {clock.total('hash'):.2f} s,"
        f" {clock.hash_calls} calls over {hashed}"
    )

    sizes = Table(title=f"Files (CKAN upload limit {limit_mb} MB)")
    for column in ("publication", "file", "MB", "bytes/row"):
        sizes.add_column(column, justify="right")
    limit = limit_mb * 2**20
    results = {r.publication_id: r for r in run.results}
    largest_per_row = 0.0
    for publication, files in run.sizes.items():
        rows_of = results[publication].rows if publication in results else 0
        count = max(run.loaded.rows if publication == HISTORY else rows_of, 1)
        for filename, size in files.items():
            over = size > limit
            sizes.add_row(
                publication.removeprefix("tthc.dossiers."),
                filename,
                f"{size / 2**20:,.1f}" + (" > limit" if over else ""),
                f"{size / count:,.0f}",
                style="red" if over else None,
            )
            if publication == HISTORY:
                largest_per_row = max(largest_per_row, size / count)
    console.print(sizes)

    if run.too_large:
        fits = math.floor(limit / largest_per_row / 1000) * 1000 if largest_per_row else 0
        console.print(
            f"[red]A file is larger than CKAN's limit of {limit_mb} MB, so CKAN would refuse it"
            " and the publisher stops before uploading: nothing to compare. Raise"
            " ckan.max_resource_size in scripts/services/ckan.sh (and pass --max-resource-mb),"
            f" or run with --rows {fits} or fewer.[/red]"
        )
        return
    if not run.reference:
        return
    ours = run.ours
    reference = sum(run.reference.values())
    upload = clock.total("upload")
    uploads = sum(len(r.uploads) for r in run.rerun_results)
    actions = ", ".join(sorted({str(r.action) for r in run.rerun_results}))
    console.print(
        f"ours end-to-end (topic → files → CKAN) {ours:.1f} s; bare ckanapi upload of the same"
        f" files {reference:.1f} s"
    )
    console.print(
        f"[bold]end-to-end / reference = {ours / reference:.2f}[/bold] (aim ≤ 1.5:"
        f" {'met' if ours / reference <= 1.5 else 'NOT met'});"
        f" end-to-end / (floor + reference) = {ours / (run.floor + reference):.2f};"
        f" CKAN stage alone (c)/(d) = {upload / reference:.2f}"
    )
    style = "" if uploads == 0 and run.rerun_read == 0 else "[red]"
    console.print(
        f"{style}(e) unchanged re-run: {run.rerun:.2f} s next to the full run's {ours:.1f} s"
        f" (aim < 2 s: {'met' if run.rerun < 2 else 'NOT met'}), {uploads} files uploaded"
        f" ({actions}){'' if uploads == 0 else '; expected none: CKAN holds these bytes already'},"
        f" topic {'not read' if run.rerun_read == 0 else f'read for {run.rerun_read:.1f} s'}"
    )
    console.print(
        f"(e') the same as a process, `kho publish`: {run.rerun_cli:.2f} s"
        f" (aim < 2 s: {'met' if run.rerun_cli < 2 else 'NOT met'}), of which"
        f" {run.cli_startup:.2f} s is the CLI's start-up alone (`kho --help`)"
    )
    figures: dict[str, float | int | str] = {
        "ours_s": ours,
        "reference_s": reference,
        "floor_s": run.floor,
        "upload_s": upload,
        "rerun_s": run.rerun,
        "rerun_cli_s": run.rerun_cli,
        "cli_startup_s": run.cli_startup,
    }
    for name, value, aim, unit, cost, per in (
        ("publish end-to-end / bare ckanapi", ours / reference, ("<=", 1.5), "ratio", ours, "all"),
        # Issue 6's aim above cannot be met by any topic → CKAN path: the reference uploads
        # files already written, and the bare clients' read of the topic alone (the floor)
        # takes several times as long. Its closing note proposed these two, which compare
        # like with like:
        (
            "publish CKAN stage / bare ckanapi",
            upload / reference,
            ("<=", 1.5),
            "ratio",
            upload,
            "all",
        ),
        (
            "publish end-to-end / (floor + bare ckanapi)",
            ours / (run.floor + reference),
            ("<=", 3.0),
            "ratio",
            ours,
            "all",
        ),
        ("publish unchanged re-run", run.rerun, ("<", 2.0), "s", run.rerun, "run"),
        ("publish unchanged `kho publish`", run.rerun_cli, ("<", 2.0), "s", run.rerun_cli, "run"),
    ):
        record_result(
            "publish",
            name,
            value=value,
            aim=aim,
            unit=unit,
            size=rows,
            size_unit="dossier",
            cost=cost,
            per=per,
            figures=figures,
        )


if __name__ == "__main__":
    main()
