"""A 1,000,000-row CSV export to Kafka through the connector, with a plain-loop reference.

The file is the sample iGate dossier export (connectors/samples/dossiers.py, seeded; about 6 % of
its rows are flawed on purpose). A run writes it and removes it at the end; with ``--keep-file``
it stays, and later runs asking for the same number of rows reuse it (``--csv`` says where). In
one run, over the same file, each path on a Kafka topic of its own made for the run:

  (a) reference  a plain loop: csv.DictReader over the file; each row made into the schema's
                 record by the shortest direct code (strings as they are, the two choice
                 columns looked up in the connector's maps, dd/mm/yyyy HH:MM cut into a
                 datetime, "Có" → True, "20.000" → 20000); fastavro.schemaless_writer into a
                 BytesIO after the 5-byte Confluent header; KafkaProducer.send keyed by the
                 dossier id; one flush at the end. Its producer has the hub's settings, read
                 from the bus adapter (hub/bus/kafka.py: acks=all, idempotence, linger 20 ms,
                 256 KiB batches, no compression). It does NOT: normalise or strip cells, check
                 the Avro types or the data contract, send a flawed row to the DLQ (a row whose
                 date does not exist is counted and dropped; the other flawed rows are sent as
                 they are), attach headers, keep the original row, checkpoint, or wait for an
                 acknowledgement before the end.
  (b) connector  connectors.runner.run_batch over a FileSource, as ``kho connector run`` does
                 (without its progress bar and audit entry): the file's digest (the stream's
                 identity), CSV rows with their original text, the connector's mapping and
                 converters, the Avro type check and the contract, Avro encoding, publishing
                 in batches of ``--batch-size`` with the three provenance headers (each batch
                 sent before the previous one's acknowledgements are awaited), the flawed
                 rows to <topic>.dlq with their reasons, and the checkpoint saved in the hub's
                 database (PostgreSQL) after the bus acknowledged each batch.

Both rates count every row of the file. With ``--repeat N`` the pair is run N times, (a) then
(b), over the same file and topics (each (b) as a connector of its own, so it starts from no
checkpoint): the machine's load drifts, and alternating puts each (b) next to its own (a). It
prints rows, seconds and rows/s of each run, the ratio b/a of each pair, their median and
spread (min..max) and the issue's aim (≥ 0.6 in every run), where (b)'s time goes (handing
batches to the producer, waiting for the acknowledgements, checkpoint saves, the rest), and
with ``--profile`` the 15 functions each path spends most time in, by own and by cumulative
time (the profiler slows both: quote the ratio of a run without it). After each pair it checks
the topics gained what each path says it sent; at the end it deletes the run's topics
(``--keep-topics`` keeps them) and checkpoints.

    python bench/connector_batch.py [--rows 1000000] [--batch-size N] [--csv PATH] [--keep-file]
        [--kafka kafka://kho:kho@127.0.0.1:19092]
        [--database-url postgresql://kho:kho@127.0.0.1:15432/kho] [--repeat N] [--profile]
        [--keep-topics] [--worker-process config|on|off]

Kafka and PostgreSQL must be running: ``bash scripts/services.sh start kafka postgres`` (or run
scripts/bench.sh, which starts and stops them).

Machines are noisy: compare the ratios, not the absolute figures. On a machine other work keeps
busy, wall-clock ratios swing from run to run; the ratio of CPU seconds (each path's process,
its producer's sender thread and (b)'s worker process included, the broker not) is printed
beside them and moves less. ``--worker-process on`` (or ``off``) overrides the connector's
``worker_process``: (b)'s rows prepared in a second process (connectors.worker) or not.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import datetime as dt
import io
import os
import pstats
import resource
import shutil
import statistics
import struct
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fastavro
import kafka
import sqlalchemy as sa
from harness import DOSSIER_CONNECTOR, bench_folder, catalogue_copy, record_result
from rich.console import Console
from rich.table import Table

from connectors.checkpoints import CheckpointStore, checkpoint_table
from connectors.config import ConnectorConfig, load_connector_config
from connectors.runner import RunSummary, run_batch
from connectors.samples.dossiers import write_dossier_export
from connectors.sources.files import FileSource
from hub.app.cli.connector import checkpoint_store
from hub.app.wiring import Hub, build_hub
from hub.avro.wire import MAGIC_BYTE
from hub.bus.kafka import KafkaBus, KafkaSending
from hub.bus.port import OutgoingMessage
from hub.ingest.writer import DatasetWriter
from hub.settings import KhoSettings
from hub.vietnam_time import VIETNAM_TZ

SEED = 766
AIM = 0.6
WORKDIR = bench_folder("connectors")
console = Console(width=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="data rows in the CSV")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="records per published batch (default: the settings' publish_batch_size)",
    )
    parser.add_argument(
        "--csv",
        type=Path,
        default=None,
        help="the export: reused when it holds --rows rows, else written there"
        " (default .kho/bench-connectors/dossiers-<rows>.csv)",
    )
    parser.add_argument(
        "--keep-file", action="store_true", help="keep a CSV this run wrote, for the next run"
    )
    parser.add_argument(
        "--kafka",
        default=f"kafka://kho:kho@127.0.0.1:{os.environ.get('KHO_SVC_KAFKA_PORT', 19092)}",
        help="the bus URL (KHO_BUS_URL form)",
    )
    parser.add_argument(
        "--database-url",
        default=f"postgresql://kho:kho@127.0.0.1:{os.environ.get('KHO_SVC_PG_PORT', 15432)}/kho",
        help="the hub's database: the checkpoints and the schema registry",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="run (a) then (b) this many times; median, spread"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile top-15 of each path")
    parser.add_argument(
        "--worker-process",
        choices=("config", "on", "off"),
        default="config",
        help="(b) prepares the rows in a second process: as the connector's configuration"
        " says (worker_process), or on, or off",
    )
    parser.add_argument("--keep-topics", action="store_true", help="leave the run's topics")
    args = parser.parse_args()
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    config = load_connector_config(DOSSIER_CONNECTOR)
    if args.worker_process != "config":
        config = config.model_copy(update={"worker_process": args.worker_process == "on"})
    run = uuid.uuid4().hex[:8]
    csv_path = args.csv or WORKDIR / f"dossiers-{args.rows}.csv"
    wrote_file = _export(csv_path, args.rows)
    workdir = Path(tempfile.mkdtemp(prefix="kho-bench-connectors-"))
    topic = f"bench.connectors.{run}.dossiers"
    settings = KhoSettings(
        data_dir=workdir,
        bus_url=args.kafka,
        database_url=args.database_url,
        catalogue_path=catalogue_copy(workdir, config.dataset, topic, others="drop"),
        **({"publish_batch_size": args.batch_size} if args.batch_size else {}),
    )
    hub = build_hub(settings)
    try:
        if not isinstance(hub.bus, KafkaBus):
            raise SystemExit(f"--kafka must be a kafka:// URL, not {args.kafka!r}")
        writer = hub.writer(config.dataset)
        store = checkpoint_store(hub)
        topics = Topics(writer.entry.topic, writer.entry.dlq_topic, f"bench.connectors.{run}.raw")
        console.print(
            f"{args.rows:,} rows of {csv_path} ({csv_path.stat().st_size / 1e6:,.0f} MB),"
            f" {hub.bus.description}, batches of {settings.publish_batch_size:,},"
            f" rows prepared {'in a second process' if config.worker_process else 'in-process'}\n"
            f"checkpoints in {hub.engine.url.render_as_string(hide_password=True)}"
        )
        pairs: list[tuple[Result, Result]] = []
        # Each (b) is a connector of its own: it starts from no checkpoint.
        names = [f"bench-connectors-{run}-{i + 1}" for i in range(args.repeat)]
        warm_up = f"bench-connectors-{run}-warm-up"
        try:
            _warm_up(hub, writer, store, config.model_copy(update={"name": warm_up}), csv_path)
            for name in names:
                if args.repeat > 1:
                    console.print(f"run {len(pairs) + 1} of {args.repeat}")
                held = _held(hub.bus, topics)
                reference = _reference(hub.bus, writer, config, csv_path, topics, args.profile)
                connector = config.model_copy(update={"name": name})
                ours = _connector(hub, writer, store, connector, csv_path, topics, args.profile)
                _check(hub.bus, topics, held, reference, ours)
                pairs.append((reference, ours))
        finally:
            _clean_up(hub, [warm_up, *names], topics, keep_topics=args.keep_topics)
    finally:
        hub.close()
        shutil.rmtree(workdir, ignore_errors=True)
        if wrote_file and not args.keep_file:
            csv_path.unlink(missing_ok=True)
    _report(args.rows, settings.publish_batch_size, pairs, profiled=args.profile)


# --- the file and the hub -----------------------------------------------------------------


def _export(path: Path, rows: int) -> bool:
    """The sample export at ``path`` with ``rows`` data rows: reused if there, else written.
    True when this run wrote it."""
    if path.exists():
        with path.open("rb") as handle:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
        if lines - 1 == rows:
            console.print(f"reusing {path}")
            return False
        console.print(f"{path} holds {lines - 1:,} rows, not {rows:,}: writing it again")
    started = time.perf_counter()
    export = write_dossier_export(path, rows=rows, seed=SEED)
    console.print(
        f"wrote {path}: {rows:,} rows, {len(export.invalid_rows):,} flawed on purpose"
        f" ({time.perf_counter() - started:.1f} s, not measured)"
    )
    return True


@dataclass(frozen=True)
class Topics:
    ours: str
    dlq: str
    reference: str


@dataclass
class Result:
    label: str
    seconds: float
    cpu_seconds: float  # the process's CPU time (sender thread, worker process included)
    sent: int  # onto the topic
    other: int  # (a) rows dropped, (b) rows dead-lettered
    stages: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    profile: str = ""


def _timed_run(
    label: str, action: Callable[[], Any], profile: bool
) -> tuple[Any, float, float, str]:
    """What ``action`` returned, its seconds, its CPU seconds (the process's, all threads)
    and, when asked, its profile's top 15."""
    profiler = cProfile.Profile() if profile else None
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    if profiler is not None:
        profiler.enable()
    try:
        value = action()
    finally:
        if profiler is not None:
            profiler.disable()
    seconds = time.perf_counter() - started
    cpu_seconds = _cpu_seconds() - cpu_started
    top = ""
    if profiler is not None:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        for order in ("tottime", "cumulative"):  # own time; then with what they call
            stats.sort_stats(order).print_stats(15)
        top = out.getvalue()
    console.print(f"  {label}: {seconds:.2f} s, CPU {cpu_seconds:.2f} s")
    return value, seconds, cpu_seconds, top


def _cpu_seconds() -> float:
    """This process's CPU seconds (all threads) and those of its ended children (the
    connector's worker process, when it has one)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


# --- (a) the reference --------------------------------------------------------------------


def _reference(
    bus: KafkaBus,
    writer: DatasetWriter,
    config: ConnectorConfig,
    path: Path,
    topics: Topics,
    profile: bool,
) -> Result:
    """(a) csv.DictReader, direct conversion, fastavro, kafka-python; see the docstring."""
    bus.ensure_topic(topics.reference)
    # The adapter's own connection and producer options, so the two producers cannot differ.
    producer = kafka.KafkaProducer(**bus.client_options, **bus.producer_options)
    parsed = writer.schema.parsed
    header = struct.pack(">bI", MAGIC_BYTE, writer.schema_id)
    channels = config.fields["channel"].choices
    statuses = config.fields["status"].choices

    def vn_time(text: str) -> dt.datetime:
        return dt.datetime(
            int(text[6:10]),
            int(text[3:5]),
            int(text[0:2]),
            int(text[11:13]),
            int(text[14:16]),
            tzinfo=VIETNAM_TZ,
        )

    def send_all() -> tuple[int, int]:
        sent = dropped = 0
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                dossier_id, finished = row["Mã hồ sơ"], row["Ngày trả kết quả"]
                try:
                    record = {
                        "dossier_id": dossier_id,
                        "procedure_code": row["Mã thủ tục"],
                        "procedure_name": row["Tên thủ tục"],
                        "receiving_agency_code": row["Mã cơ quan tiếp nhận"],
                        "applicant_id_number": row["Số CCCD người nộp"],
                        "applicant_name": row["Họ và tên người nộp"],
                        "commune_code": row["Mã xã/phường"],
                        "channel": channels[row["Kênh nộp"]],
                        "received_at": vn_time(row["Ngày tiếp nhận"]),
                        "due_at": vn_time(row["Hạn xử lý"]),
                        "finished_at": vn_time(finished) if finished else None,
                        "status": statuses[row["Trạng thái"]],
                        "paid_online": row["Thanh toán trực tuyến"] == "Có",
                        "fee_vnd": int(row["Lệ phí (đồng)"].replace(".", "")),
                    }
                except (ValueError, KeyError):
                    dropped += 1  # a date that does not exist
                    continue
                buffer = io.BytesIO()
                buffer.write(header)
                fastavro.schemaless_writer(buffer, parsed, record)
                producer.send(
                    topics.reference,
                    key=dossier_id.encode("utf-8"),
                    value=buffer.getvalue(),
                )
                sent += 1
        producer.flush()
        return sent, dropped

    try:
        producer.send(topics.reference, key=b"warm-up", value=b"warm-up").get(timeout=30)
        (sent, dropped), seconds, cpu, top = _timed_run("(a) plain loop", send_all, profile)
    finally:
        producer.close()
    return Result("(a) plain loop", seconds, cpu, sent, dropped, profile=top)


# --- (b) the connector --------------------------------------------------------------------


class _StageClock:
    """Seconds spent in a few per-batch calls of the connector path, by wrapping them."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def wrap(self, owner: object, method: str, stage: str) -> None:
        inner = getattr(owner, method)
        self.seconds[stage], self.calls[stage] = 0.0, 0

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.seconds[stage] += time.perf_counter() - started
                self.calls[stage] += 1

        setattr(owner, method, timed)


def _connector(
    hub: Hub,
    writer: DatasetWriter,
    store: CheckpointStore,
    config: ConnectorConfig,
    path: Path,
    topics: Topics,
    profile: bool,
) -> Result:
    """(b) run_batch over the file, as ``kho connector run`` does."""
    for topic in (topics.ours, topics.dlq):
        hub.bus.ensure_topic(topic)  # made beforehand, as (a)'s topic is
    # The producer connects before the clock starts, as (a)'s does: one record on (a)'s topic.
    hub.bus.publish(topics.reference, [OutgoingMessage(key=b"warm-up", value=b"warm-up")])
    clock = _StageClock()
    clock.wrap(hub.bus, "send", "handing batches to the producer (topic and DLQ)")
    acknowledged = KafkaSending.acknowledged
    clock.wrap(KafkaSending, "acknowledged", "waiting for acknowledgements")
    clock.wrap(store, "save", "checkpoint saves")

    def run() -> RunSummary:
        source = FileSource(config, path)
        return run_batch(config, source, writer, hub.bus, store)

    try:
        summary, seconds, cpu, top = _timed_run("(b) connector", run, profile)
    finally:
        delattr(hub.bus, "send")  # the hub's bus is shared: back to the class's method
        KafkaSending.acknowledged = acknowledged  # type: ignore[method-assign]
    report = summary.report
    if report.rejected_by_rule:
        rules = ", ".join(f"{rule} {n:,}" for rule, n in report.rejected_by_rule.most_common())
        console.print(f"    dead-lettered by rule: {rules}")
    return Result(
        "(b) connector",
        seconds,
        cpu,
        report.accepted,
        report.rejected,
        stages=clock.seconds,
        calls=clock.calls,
        profile=top,
    )


def _warm_up(
    hub: Hub, writer: DatasetWriter, store: CheckpointStore, config: ConnectorConfig, path: Path
) -> None:
    """The connector once over the file's first 100 rows, not measured: what a process loads
    on its first run (the commune table, the contract's functions) is loaded before the first
    (b), as (a)'s producer connects before its clock starts."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        head = "".join(line for _, line in zip(range(101), handle, strict=False))
    sample = WORKDIR / f"warm-up-{config.name}.csv"
    sample.write_text(head, encoding="utf-8")
    try:
        run_batch(config, FileSource(config, sample), writer, hub.bus, store)
    finally:
        sample.unlink(missing_ok=True)


# --- checking and cleaning up -------------------------------------------------------------


def _held(bus: KafkaBus, topics: Topics) -> dict[str, int]:
    """How many messages each of the run's topics holds."""
    return {
        t: sum(bus.end_offsets(t).values()) for t in (topics.reference, topics.ours, topics.dlq)
    }


def _check(
    bus: KafkaBus, topics: Topics, before: dict[str, int], reference: Result, ours: Result
) -> None:
    """The topics gained what each path says it sent since ``before`` ((a)'s gained the two
    warm-up records too)."""
    gained = {t: n - before[t] for t, n in _held(bus, topics).items()}
    expected = {
        topics.reference: reference.sent + 2,
        topics.ours: ours.sent,
        topics.dlq: ours.other,
    }
    if gained != expected:
        raise SystemExit(f"the topics gained {gained}, not {expected}")
    console.print(f"  checked: the topics gained {gained}")


def _clean_up(hub: Hub, connectors: list[str], topics: Topics, *, keep_topics: bool) -> None:
    with hub.engine.begin() as conn:
        conn.execute(
            sa.delete(checkpoint_table).where(checkpoint_table.c.connector.in_(connectors))
        )
    if keep_topics:
        console.print(f"  kept topics {topics.ours}, {topics.dlq}, {topics.reference}")
        return
    bus = hub.bus
    assert isinstance(bus, KafkaBus)  # noqa: S101 (checked in main)
    admin = kafka.KafkaAdminClient(**bus.client_options)
    try:
        admin.delete_topics([topics.ours, topics.dlq, topics.reference])
    finally:
        admin.close()


# --- the report -----------------------------------------------------------------------------


def _report(
    rows: int, batch_size: int, pairs: list[tuple[Result, Result]], *, profiled: bool
) -> None:
    table = Table(title=f"CSV → Kafka, {rows:,} rows, one broker, batches of {batch_size:,}")
    columns = ("run", "path", "onto the topic", "seconds", "rows/s", "ratio to (a)", "CPU s")
    for column in (*columns, "CPU ratio to (a)"):
        table.add_column(column, justify="right")
    for run, (reference, ours) in enumerate(pairs, start=1):
        for result in (reference, ours):
            table.add_row(
                str(run),
                result.label,
                f"{result.sent:,}",
                f"{result.seconds:.2f}",
                f"{rows / result.seconds:,.0f}",
                f"{reference.seconds / result.seconds:.2f}",
                f"{result.cpu_seconds:.2f}",
                f"{reference.cpu_seconds / result.cpu_seconds:.2f}",
            )
    console.print(table)
    reference, ours = pairs[-1]
    console.print(
        f"(a) dropped {reference.other:,} rows it could not convert; (b) dead-lettered"
        f" {ours.other:,} with their reasons"
    )
    stages = Table(title="Where (b)'s time goes" + (" (the median run)" if len(pairs) > 1 else ""))
    ratios = [a.seconds / b.seconds for a, b in pairs]
    ours = pairs[sorted(range(len(pairs)), key=lambda i: ratios[i])[len(pairs) // 2]][1]
    for column in ("stage", "calls", "seconds", "share"):
        stages.add_column(column, justify="right")
    for stage, seconds in ours.stages.items():
        stages.add_row(
            stage, f"{ours.calls[stage]:,}", f"{seconds:.2f}", f"{seconds / ours.seconds:.0%}"
        )
    rest = ours.seconds - sum(ours.stages.values())
    stages.add_row(
        "the rest: digest, read, map, validate, encode, dead letters",
        "",
        f"{rest:.2f}",
        f"{rest / ours.seconds:.0%}",
    )
    console.print(stages)
    if profiled:
        for result in pairs[-1]:
            console.print(f"[bold]{result.label}: top 15 by own time, then by cumulative[/bold]")
            console.print(result.profile, markup=False, highlight=False)
    median, low, high = statistics.median(ratios), min(ratios), max(ratios)
    met = low >= AIM
    cpu_ratios = [a.cpu_seconds / b.cpu_seconds for a, b in pairs]
    console.print(
        f"by CPU time (steadier on a busy machine): b/a = {statistics.median(cpu_ratios):.2f}"
        + (f", {min(cpu_ratios):.2f}..{max(cpu_ratios):.2f}" if len(pairs) > 1 else "")
    )
    console.print(
        f"b/a = {median:.2f}"
        + (f", {low:.2f}..{high:.2f} over {len(pairs)} runs" if len(pairs) > 1 else "")
        + f" (aim ≥ {AIM} in every run): {'met' if met else 'NOT met'}"
        + (" (profiled: slower than without, run again without --profile)" if profiled else "")
    )
    if not profiled:
        record_result(
            "connector_batch",
            "connector b/a (CSV → Kafka), lowest of the runs",
            value=low,  # the aim holds in every run: judged by the lowest
            aim=(">=", AIM),
            size=rows,
            size_unit="row",
            cost=sum(b.seconds for _, b in pairs),
            figures={
                "runs": len(pairs),
                "ratio_median": median,
                "ratio_min": low,
                "ratio_max": high,
                "ratios": " ".join(f"{r:.3f}" for r in ratios),
                "cpu_ratio_median": statistics.median(cpu_ratios),
                "cpu_ratios": " ".join(f"{r:.3f}" for r in cpu_ratios),
                "reference_s_median": statistics.median(a.seconds for a, _ in pairs),
                "connector_s_median": statistics.median(b.seconds for _, b in pairs),
                "onto_topic": ours.sent,
                "dead_lettered": ours.other,
                "batch_size": batch_size,
            },
        )


if __name__ == "__main__":
    main()
