"""One load run from start to end: the hub's processes, the generator, the samples every
``plan.sample_every_s``, the figures and the targets (see tests/load/__init__.py)."""

from __future__ import annotations

import datetime as dt
import json
import signal
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil
from rich.console import Console

from hub.app.wiring import Hub
from hub.ingest.key_expiry import purge_interval_for
from hub.sharing.masked_records import MASKER_GROUP
from tests.load import figures
from tests.load.plan import LoadPlan, Target
from tests.load.topology import (
    DOSSIERS,
    PROCEDURE,
    Processes,
    build,
    make_topics,
    row_counts,
    run_schema,
    seed_citizens,
    settings_for,
    tokens,
    wait_healthy,
)
from tests.paths import PROJECT_ROOT
from tests.ports import free_port

PURGE_SLACK_S = 10.0
"""Beyond retention and purge interval, how long a key may outlive its expiry (a purge in
progress, a sample taken just before one)."""


@dataclass
class Outcome:
    """What ``run`` measured; ``missed`` lists the targets not met (empty: all met)."""

    run: str
    plan: LoadPlan
    paths: list[figures.PathFigures]
    errors: dict[str, int]
    growth: list[figures.Growth]
    tables: list[figures.TableRows]
    notes: list[str]
    missed: list[str]
    report_path: Path


def idempotency_bound(plan: LoadPlan) -> int:
    """How many Idempotency-Key rows may be kept at once: the keys of one retention and one
    purge interval (the API purges every quarter of the retention), plus slack, doubled for the
    two API processes purging independently (either purges every key)."""
    keys_per_s = plan.records_per_s / plan.batch + plan.sensor_per_s
    retention = dt.timedelta(seconds=plan.idempotency_retention_s)
    purge_interval = purge_interval_for(retention).total_seconds()
    window = plan.idempotency_retention_s + purge_interval + PURGE_SLACK_S
    return int(keys_per_s * window * 1.25) + 10


def run(
    plan: LoadPlan,
    *,
    kafka_url: str,
    postgres_url: str,
    folder: Path,
    console: Console,
    check_memory: bool = True,
    check_rate: bool = True,
) -> Outcome:
    plan.validate()
    run_id = uuid.uuid4().hex[:8]
    folder = folder / f"load-{run_id}"
    folder.mkdir(parents=True)
    console.print(f"load run {run_id}: {folder}")
    with run_schema(postgres_url, run_id) as schema:
        settings = settings_for(folder, kafka_url, postgres_url, schema, run_id)
        hub = build(settings)
        try:
            return _run(plan, run_id, hub, folder, console, check_memory, check_rate)
        finally:
            hub.close()


def _run(
    plan: LoadPlan,
    run_id: str,
    hub: Hub,
    folder: Path,
    console: Console,
    check_memory: bool,
    check_rate: bool,
) -> Outcome:
    started = time.monotonic()
    make_topics(hub)
    index_group = f"kho.index766.load{run_id}"
    environment = {"KHO_IDEMPOTENCY_RETENTION_S": str(plan.idempotency_retention_s)}
    processes = Processes(hub.settings, folder / "logs", environment)
    ports = [free_port() for _ in range(plan.apis)]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    samples: list[dict[str, Any]] = []
    results_path = folder / "generator.json"
    try:
        for n, port in enumerate(ports):
            processes.kho(f"api-{n}", ["serve", "--host", "127.0.0.1", "--port", str(port)])
        processes.kho(
            "masker", ["mask", "run", "--dataset", DOSSIERS, "--instance", f"load{run_id}"]
        )
        processes.kho("index", ["index", "run", "--group", index_group])
        subjects = seed_citizens(hub, plan.subjects)  # while the processes start
        producer, sensor, consumer = tokens(hub)
        console.print(f"seeded {len(subjects)} citizens in {time.monotonic() - started:.1f} s")
        wait_healthy(urls, 120)
        console.print(f"{plan.apis} kho serve healthy after {time.monotonic() - started:.1f} s")
        target = Target(
            plan=plan,
            run=run_id,
            api_urls=urls,
            producer_token=producer,
            sensor_token=sensor,
            prefill_token=consumer,
            subjects=subjects,
            dossiers=DOSSIERS,
            procedure=PROCEDURE,
            results_path=str(results_path),
        )
        target.write(folder / "target.json")
        processes.start(
            "generator", ["-m", "tests.load.generator", str(folder / "target.json")], PROJECT_ROOT
        )
        console.print(f"{len(processes.running)} processes up; loading for {plan.duration_s:.0f} s")
        generator = processes.running["generator"]
        exited_early: list[str] = []
        deadline = time.monotonic() + plan.duration_s + 300
        while generator.poll() is None:
            samples.append(_sample(processes, hub))
            exited_early = [n for n in processes.exited() if n != "generator"]
            if exited_early or time.monotonic() > deadline:
                break
            _sleep_until_sample(generator, plan.sample_every_s)
        samples.append(_sample(processes, hub))
        if exited_early:
            for name in exited_early:
                console.print(f"{name} exited early:\n{processes.log(name)}")
            raise RuntimeError(f"processes exited during the run: {exited_early}")
        if generator.poll() is None or generator.returncode != 0:
            raise RuntimeError(f"the generator failed:\n{processes.log('generator')}")
        progress = _consumers(hub, index_group)
    finally:
        stopping = time.monotonic()
        codes = processes.stop_all()
        console.print(f"processes stopped in {time.monotonic() - stopping:.1f} s")
    results = json.loads(results_path.read_text("utf-8"))
    return _outcome(
        plan, run_id, results, samples, codes, progress, folder, console, check_memory, check_rate
    )


def _sleep_until_sample(generator: Any, every_s: float) -> None:
    until = time.monotonic() + every_s
    while time.monotonic() < until and generator.poll() is None:
        time.sleep(0.2)


def _sample(processes: Processes, hub: Hub) -> dict[str, Any]:
    rss, cpu = {}, {}
    for name, process in processes.running.items():
        try:
            found = psutil.Process(process.pid)
            rss[name] = found.memory_info().rss
            times = found.cpu_times()
            cpu[name] = times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return {"at": time.time(), "rss": rss, "cpu_s": cpu, "rows": row_counts(hub.engine)}


def _consumers(hub: Hub, index_group: str) -> dict[str, int]:
    """Records on the dossier topic, masked, and indexed, when the load ends."""
    topic = hub.catalogue.entry(DOSSIERS).topic
    offsets = hub.group_offsets()
    try:
        masked = sum(offsets.committed(MASKER_GROUP, topic).values())
    finally:
        offsets.close()
    saved = hub.index_store.saved_offsets(index_group)
    return {
        "on_topic": sum(hub.bus.end_offsets(topic).values()),
        "masked": masked,
        "indexed": sum(v for k, v in saved.items() if k[0] == topic),
    }


def _outcome(
    plan: LoadPlan,
    run_id: str,
    results: dict[str, Any],
    samples: list[dict[str, Any]],
    codes: dict[str, int],
    progress: dict[str, int],
    folder: Path,
    console: Console,
    check_memory: bool,
    check_rate: bool,
) -> Outcome:
    paths = figures.path_figures(results)
    errors: dict[str, int] = dict(results["errors"])
    clean = (0, -signal.SIGTERM)  # uvicorn stops cleanly, then re-raises the SIGTERM
    for name, code in codes.items():
        if code not in clean:
            errors[f"exit:{name}:{code}"] = 1
    warm_up_ends = results["started_at"] + plan.warm_up_s
    growth = figures.memory_growth(samples, warm_up_ends)
    load_samples = [s for s in samples if s["at"] >= results["started_at"]]
    bounds: dict[str, int | None] = {
        "ingest_idempotency": idempotency_bound(plan),
        "dlq_replay_claims": 0,
        "audit_log": None,
    }
    tables = figures.table_rows(load_samples or samples, bounds)
    keys_posted = sum(len(results["latencies_ms"][p]) for p in ("ingest", "sensor"))
    cpu = figures.cpu_shares(load_samples)
    accepted_per_s = results["counts"].get("records_accepted", 0) / results["load_s"]
    notes = [
        f"{plan.producers} producers, batches of {plan.batch}, paced at {plan.records_per_s:,.0f}"
        f" records/s: {accepted_per_s:,.0f}"
        f" records/s accepted over {results['load_s']:.0f} s",
        "most behind schedule: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(results["behind_schedule_s"].items())),
        f"{plan.readers} stream readers, each expected"
        f" {results['readings_expected_per_reader']} readings; {plan.apis} kho serve",
        f"at the end of the load: {progress['on_topic']:,} dossiers on the topic,"
        f" {progress['masked']:,} masked, {progress['indexed']:,} indexed",
        f"{keys_posted:,} Idempotency-Keys posted, kept {plan.idempotency_retention_s:.0f} s",
        "sessions: a signed cookie (no server-side rows to expire)",
        "CPU over the load (100% = one core): "
        + ", ".join(f"{name} {share:.0%}" for name, share in cpu.items()),
        f"machine load average at the end: {', '.join(f'{x:.1f}' for x in psutil.getloadavg())}",
    ]
    missed = figures.missed_targets(
        paths,
        errors,
        growth,
        tables,
        check_memory=check_memory,
        accepted_per_s=accepted_per_s if check_rate else None,
        offered_per_s=plan.records_per_s if check_rate else None,
    )
    report_path = folder / "report.json"
    report = {
        "run": run_id,
        "plan": asdict(plan),
        "python": sys.version.split()[0],
        "cpus": psutil.cpu_count(),
        "paths": [asdict(p) for p in paths],
        "errors": errors,
        "memory": [{**asdict(g), "growth": g.growth, "target": g.covered} for g in growth],
        "tables": [asdict(t) for t in tables],
        "consumers_at_end": progress,
        "cpu_share": cpu,
        "samples": samples,
        "notes": notes,
        "missed": missed,
    }
    report_path.write_text(json.dumps(report, indent=2), "utf-8")
    outcome = Outcome(run_id, plan, paths, errors, growth, tables, notes, missed, report_path)
    title = (
        f"Load {run_id}: {results['load_s']:.0f} s, warm-up {plan.warm_up_s:.0f} s,"
        f" {psutil.cpu_count()} CPUs"
    )
    figures.print_report(console, title, paths, errors, growth, tables, notes)
    console.print(f"report: {report_path}")
    return outcome
