"""The public pages: server-side render time against the API calls that serve the same data.

On PostgreSQL (a database per size, ``kho_bench_pages_n<N>``, made on first use) with the
embedded bus in the bench's folder: N synthetic dossiers (connectors/samples, seeded) are put
on the dossier topic once (a later run of the same size reuses them) and indexed by the hub's
index worker into tables made anew; the salinity sample goes through its connector, so the
home page has readings and a month of shares in the audit log. Then, through uvicorn (a process
of its own), one client GETs each page ``--requests`` times (at most ``--budget`` seconds, at
least 5 GETs) and, as its reference, the API calls that answer the same figures:

  home          /                                   API: the province's figures and trend
  unit page     /chi-so-766/co-quan/<best>?period=  API: the agency's figures and trend
  ranking       /chi-so-766?period=&level=agency    API: the agency ranking, the province's
                                                    figures and trend (the page shows them)
  dataset page  /du-lieu/tthc.dossiers              API: the dataset's description

p50/p99 of each (aim: page p99 < 150 ms), and each page's weight without cache: its HTML and
the stylesheets and scripts it links (aim < 300 KB).

    python bench/pages.py [--dossiers 1000000] [--requests 200] [--budget 60]
        [--database-url postgresql://kho:kho@127.0.0.1:15432/kho_bench_pages_n<N>]

Machines are noisy: compare page with API, not the absolute figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import time

import httpx
import sqlalchemy as sa
from harness import (
    PG_PORT,
    UvicornServer,
    bench_folder,
    ensure_database,
    fresh_index_tables,
    libpq_url,
    record_result,
)
from rich.console import Console

from connectors.checkpoints import CheckpointStore
from connectors.config import load_connector_config
from connectors.runner import run_batch
from connectors.samples.dossiers import dossier_documents
from connectors.samples.registry import write_sample
from connectors.sources.files import FileSource
from hub.app.wiring import Hub, build_hub
from hub.audit.entry import CLI
from hub.audit.trail import record_write
from hub.avro.json_codec import record_from_json
from hub.db import create_tables, metadata
from hub.index766 import store as _index_store  # noqa: F401 - its tables join the metadata
from hub.index766.periods import parse_period
from hub.settings import KhoSettings

DATASET = "tthc.dossiers"
MONTH, FIRST, LAST = "2025-08", "2024-12", "2025-11"
"""The sample dossiers are received from July to November 2025; the pages' trend spans the
twelve months to the latest."""
SALINITY_CONFIG = "salinity-readings.yaml"
ASSET = re.compile(r'(?:href|src)="(/static/[^"?]+)')
console = Console(soft_wrap=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="GETs of each page and API")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds at most per question")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    database_url = args.database_url or (
        f"postgresql://kho:kho@127.0.0.1:{PG_PORT}/kho_bench_pages_n{args.dossiers}"
    )
    ensure_database(libpq_url(database_url), console)
    fresh_index_tables(database_url)
    folder = bench_folder(f"pages-n{args.dossiers}")
    folder.mkdir(parents=True, exist_ok=True)
    settings = KhoSettings(
        data_dir=folder,
        bus_url=f"embedded:{folder / 'bus.sqlite3'}",
        database_url=database_url,
    )
    hub = build_hub(settings)
    try:
        _dossiers_once(hub, args.dossiers)
        _salinity_once(hub)
        _index(hub)
        agency = _best_agency(hub)
    finally:
        hub.close()
    server = UvicornServer(settings)
    with server as base_url, httpx.Client(base_url=base_url, timeout=120) as client:
        server.wait_until_settled()
        console.print(f"pages against the API, {args.dossiers:,} dossiers indexed, one client")
        pairs: list[tuple[str, list[str], list[str]]] = [
            (
                "home",
                ["/"],
                [
                    f"/api/v1/index766?unit=province&period={LAST}",
                    f"/api/v1/index766/trend?unit=province&from={FIRST}&to={LAST}",
                ],
            ),
            (
                "unit page",
                [f"/chi-so-766/co-quan/{agency}?period={MONTH}"],
                [
                    f"/api/v1/index766?unit=agency:{agency}&period={MONTH}",
                    f"/api/v1/index766/trend?unit=agency:{agency}&from=2024-09&to={MONTH}",
                ],
            ),
            (
                "ranking",
                [f"/chi-so-766?period={MONTH}&level=agency"],
                [
                    f"/api/v1/index766/ranking?period={MONTH}&level=agency",
                    f"/api/v1/index766?unit=province&period={MONTH}",
                    f"/api/v1/index766/trend?unit=province&from=2024-09&to={MONTH}",
                ],
            ),
            ("dataset page", [f"/du-lieu/{DATASET}"], [f"/api/v1/datasets/{DATASET}"]),
        ]
        for label, page, api in pairs:
            page_ms = _latency(client, page, args.requests, args.budget)
            api_ms = _latency(client, api, args.requests, args.budget)
            weight = _weight(client, page[0])
            console.print(  # the API's time is the sum of its calls, one after the other
                f"  {label}: page p50 {_cut(page_ms, 49):.1f} ms, p99 {_cut(page_ms, 98):.1f} ms"
                f" ({len(page_ms)} GETs, {weight / 1024:.0f} KB without cache);"
                f" API p50 {_cut(api_ms, 49):.1f} ms, p99 {_cut(api_ms, 98):.1f} ms"
                f" ({len(api)} call{'s' if len(api) > 1 else ''}) (aim page p99 < 150 ms,"
                " < 300 KB)"
            )
            figures: dict[str, float | int | str] = {
                "page_p50_ms": _cut(page_ms, 49),
                "page_p99_ms": _cut(page_ms, 98),
                "api_p50_ms": _cut(api_ms, 49),
                "api_p99_ms": _cut(api_ms, 98),
                "api_calls": len(api),
                "weight_kb": weight / 1024,
            }
            for name, value, aim, unit in (
                (f"pages {label} p99", _cut(page_ms, 98), 150.0, "ms"),
                (f"pages {label} weight", weight / 1024, 300.0, "KB"),
            ):
                record_result(
                    "pages",
                    name,
                    value=value,
                    aim=("<", aim),
                    unit=unit,
                    size=args.dossiers,
                    size_unit="dossier",
                    cost=value,
                    cost_unit=unit,
                    per="page",
                    figures=figures,
                )


def _dossiers_once(hub: Hub, count: int) -> None:
    """N dossiers on the embedded bus's dossier topic, unless it holds them already."""
    writer = hub.writer(DATASET)
    topic = writer.entry.topic
    hub.bus.ensure_topic(topic)
    held = sum(hub.bus.end_offsets(topic).values())
    if held >= count:
        console.print(f"reusing {held:,} dossiers on {topic}")
        return
    if held:
        raise SystemExit(f"{topic} holds {held:,} records, fewer than {count:,}: delete {hub}")
    started = time.perf_counter()
    for start in range(0, count, 20_000):
        documents = dossier_documents(min(20_000, count - start), seed=766, start=start)
        writer.publish(
            [writer.message(record_from_json(writer.schema.parsed, d)) for d in documents]
        )
    console.print(f"put {count:,} dossiers on {topic} in {time.perf_counter() - started:.0f} s")


def _salinity_once(hub: Hub) -> None:
    """The salinity sample through its connector (from its checkpoint: once), audited."""
    create_tables(hub.engine)
    config = load_connector_config(hub.settings.connectors_dir / SALINITY_CONFIG)
    export = write_sample(SALINITY_CONFIG, hub.settings.data_dir, 2025)
    checkpoints = CheckpointStore(hub.engine, save_every_s=hub.settings.checkpoint_interval_s)
    run = run_batch(
        config, FileSource(config, export.path), hub.writer(config.dataset), hub.bus, checkpoints
    )
    record_write(hub.audit, CLI, config.dataset, run.report.audit_details(export.path.name))


def _index(hub: Hub) -> None:
    """The index worker over every dossier (its tables were made anew; the worker analyses
    them when it is done), then the tables vacuumed: a running server's tables have been,
    while freshly bulk-written ones would get it from autovacuum within a minute, in the
    middle of the measurements."""
    started = time.perf_counter()
    run = hub.index_worker().drain(idle_timeout_s=30)
    console.print(f"index worker: {run.summary()} in {time.perf_counter() - started:.0f} s")
    tables = [name for name in metadata.tables if name.startswith("index766_")]
    with hub.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f"VACUUM {', '.join(tables)}"))


def _best_agency(hub: Hub) -> str:
    ranked = hub.index_reader.ranking(parse_period(MONTH), "agency", dt.datetime.now(dt.UTC))
    if not ranked or ranked[0].unit.code is None:
        raise SystemExit(f"no agency received dossiers in {MONTH}")
    return ranked[0].unit.code


def _latency(client: httpx.Client, paths: list[str], requests: int, budget: float) -> list[float]:
    """Milliseconds of each round of GETs of ``paths`` (one after the other), after a warm-up."""
    for path in paths:
        answer = client.get(path)
        if answer.status_code != 200:
            raise SystemExit(f"{path} answered {answer.status_code}: {answer.text[:300]}")
    millis: list[float] = []
    until = time.perf_counter() + budget
    while len(millis) < requests and (len(millis) < 5 or time.perf_counter() < until):
        started = time.perf_counter()
        for path in paths:
            client.get(path).raise_for_status()
        millis.append((time.perf_counter() - started) * 1000)
    return millis


def _weight(client: httpx.Client, path: str) -> int:
    """Bytes of the page and of every stylesheet and script it links, fetched once each."""
    html = client.get(path)
    assets = sorted(set(ASSET.findall(html.text)))
    return len(html.content) + sum(len(client.get(asset).content) for asset in assets)


def _cut(millis: list[float], index: int) -> float:
    """The percentile ``index + 1`` of the times (49: p50, 98: p99)."""
    return statistics.quantiles(millis, n=100)[index]


if __name__ == "__main__":
    main()
