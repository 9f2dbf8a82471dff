"""What the benchmarks share: where things are, a copy of the shipped catalogue with a bench's
own topics, the real services started for a run, the hub's app under uvicorn, and
``record_result``, through which each bench hands its results to the report of ``make bench``
(bench/report.py).

Each bench is a script run as ``python bench/<name>.py`` (scripts/bench.sh runs them all).
Python puts the script's folder, bench/, first on ``sys.path``, so every module here is found
by its bare name (``from harness import ...``) and must not be named like a package the benches
import (``connectors``, ``hub``, ``opendata``, ``tests``...): tests/unit/test_bench_scripts.py
holds that rule. Nothing here imports ``tests``, which is not importable from a script.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import httpx
import psutil
import psycopg
import psycopg.conninfo
import psycopg.sql
import sqlalchemy as sa
import yaml
from rich.console import Console

from hub.db import metadata
from hub.defaults import default_path, shipped
from hub.settings import KhoSettings

try:  # run as a script, python bench/<name>.py: bench/ is first on sys.path
    from report import RECORDS_ENV, Aim, Result, append_result
except ModuleNotFoundError:  # imported as bench.harness (tests/integration, scripts/stack.sh)
    from bench.report import RECORDS_ENV, Aim, Result, append_result

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SERVICES_DIR = Path(os.environ.get("KHO_SERVICES_DIR", PROJECT_ROOT / ".services"))
PG_PORT = int(os.environ.get("KHO_SVC_PG_PORT", "15432"))
CATALOGUE_DIR = default_path("catalogue")
DOSSIER_CONNECTOR = shipped("connectors", "configs") / "tthc-dossiers.yaml"


def record_result(
    bench: str,
    name: str,
    *,
    value: float,
    aim: tuple[str, float] | None,
    size: int,
    size_unit: str,
    cost: float,
    cost_unit: str = "s",
    per: str = "all",
    unit: str = "ratio",
    figures: dict[str, float | int | str] | None = None,
) -> Result:
    """One result of a bench, for the report at the end of ``make bench`` (bench/report.py):
    ``name``'s ``value`` judged by ``aim`` (``(">=", 0.7)``), at ``size`` ``size_unit`` of
    work that cost ``cost`` ``cost_unit`` (all of it, or one ``per`` "request" against data of
    that size), with the bench's raw ``figures``. Appended as a JSON line to the file
    ``KHO_BENCH_RECORDS`` names (scripts/bench.sh sets it); a bench run alone records nothing."""
    goal = Aim.of(*aim) if aim else None
    result = Result(
        bench=bench,
        name=name,
        value=value,
        unit=unit,
        aim=goal,
        met=goal.met(value) if goal else None,
        size=size,
        size_unit=size_unit,
        cost=cost,
        cost_unit=cost_unit,
        per=per,
        figures=dict(figures or {}),
        recorded_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    target = os.environ.get(RECORDS_ENV)
    if target:
        append_result(Path(target), result)
    return result


def bench_folder(name: str) -> Path:
    """A bench's own folder, kept between runs: ``.kho/bench-<name>`` in the checkout."""
    return PROJECT_ROOT / ".kho" / f"bench-{name}"


def catalogue_copy(
    folder: Path,
    dataset: str,
    topic: str,
    *,
    others: Literal["keep", "rename", "drop"] = "keep",
) -> Path:
    """The shipped catalogue written into ``folder`` with ``dataset`` on ``topic``, so that a
    run never shares a topic, a schema subject or a checkpoint with another. The other
    datasets keep their topics, move to ``<topic>.<their id>`` (rename), or are left out
    (drop)."""
    raw = yaml.safe_load((CATALOGUE_DIR / "datasets.yaml").read_text("utf-8"))
    datasets = []
    for entry in raw["datasets"]:
        if entry["id"] == dataset:
            datasets.append({**entry, "topic": topic})
        elif others == "rename":
            datasets.append({**entry, "topic": f"{topic}.{entry['id']}"})
        elif others == "keep":
            datasets.append(entry)
    path = folder / "datasets.yaml"
    path.write_text(yaml.safe_dump({**raw, "datasets": datasets}, allow_unicode=True), "utf-8")
    return path


@contextlib.contextmanager
def services(names: list[str], console: Console) -> Iterator[None]:
    """Start the services that are down (scripts/services.sh), stop those again at the end."""
    started = []
    for name in names:
        status = subprocess.run(  # noqa: S603 - our own scripts
            ["bash", str(PROJECT_ROOT / "scripts" / "services" / f"{name}.sh"), "status"],  # noqa: S607
            capture_output=True,
            check=False,
        )
        if status.returncode != 0:
            started.append(name)
    services_sh = str(PROJECT_ROOT / "scripts" / "services.sh")
    if started:
        console.print(f"starting {', '.join(started)}")
        subprocess.run(["bash", services_sh, "start", *started], check=True)  # noqa: S603, S607
    try:
        yield
    finally:
        if started:
            subprocess.run(["bash", services_sh, "stop", *started], check=False)  # noqa: S603, S607


class UvicornServer:
    """The hub's real app under uvicorn in a process of its own, as ``kho serve`` runs it, for
    the benchmarks that measure the HTTP path. ``with UvicornServer(settings) as base_url:``
    starts it on a free port, waits for /healthz and stops it at the end."""

    def __init__(
        self,
        settings: KhoSettings,
        app: str = "hub.app.api.main:create_app",
        workers: int = 1,
        *,
        plain: bool = False,
    ) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        env = {
            **os.environ,
            "KHO_BUS_URL": settings.bus_url,
            "KHO_DATABASE_URL": settings.database_url,
            "KHO_CATALOGUE_PATH": str(settings.catalogue_path),
            "KHO_DATA_DIR": str(settings.data_dir),
        }
        command = [sys.executable, "-m", "uvicorn", "--factory", app]
        command += ["--port", str(self.port), "--log-level", "warning", "--no-access-log"]
        # uvicorn closes a connection idle for 5 s; a client pool keeps many open, and a slow
        # tail at the end of a warm-up leaves most of them idle that long.
        command += ["--timeout-keep-alive", "300", "--workers", str(workers)]
        if plain:  # asyncio's own loop and h11, as without uvloop and httptools, to compare
            command += ["--loop", "asyncio", "--http", "h11"]
        # the server's own log (one JSON line per request) goes to a file beside the bench's
        # data, not between the figures the bench prints
        self.log_path = Path(settings.data_dir) / "uvicorn.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603
            command, env=env, cwd=PROJECT_ROOT, stdout=self._log, stderr=subprocess.STDOUT
        )

    def __enter__(self) -> str:
        base_url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(base_url + "/healthz").status_code == 200:
                    return base_url
            except httpx.TransportError:
                time.sleep(0.2)
        self.process.kill()
        self._log.close()
        raise SystemExit(f"uvicorn did not start (its log: {self.log_path})")

    def cpu_seconds(self) -> float:
        """The server's CPU time so far, user and system: the process it was started as and,
        with several workers, each worker process uvicorn started under it."""
        server = psutil.Process(self.process.pid)
        total = 0.0
        for process in (server, *server.children(recursive=True)):
            with contextlib.suppress(psutil.NoSuchProcess):
                times = process.cpu_times()
                total += times.user + times.system
        return total

    def wait_until_settled(self, timeout_s: float = 30.0) -> None:
        """Waits for the server's start-up work in the background (the province tables loaded,
        the heap collected and frozen, ``hub.app.api.heap``: about a second of CPU) to end, as
        it has in a server that has been running: until it spends under 20 ms of CPU in half a
        second. Measured requests sent before then wait behind that work (one full collection
        of the start-up heap: about 100 ms)."""
        deadline = time.monotonic() + timeout_s
        spent = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = self.cpu_seconds()
            if now - spent < 0.02:
                return
            spent = now

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=15)
        self._log.close()


def default_admin_url() -> str:
    """The development cluster's superuser on its Unix socket (trusted; scripts/services)."""
    sock = SERVICES_DIR / "postgres" / "run"
    if len(str(sock)) + 20 > 100:
        sock = Path(f"/tmp/kho-pg-{PG_PORT}")  # noqa: S108
    return f"postgresql://postgres@/postgres?host={sock}&port={PG_PORT}"


def libpq_url(url: str) -> str:
    """The URL as psycopg takes it: without SQLAlchemy's ``+driver``."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme.split('+')[0]}{sep}{rest}"


def ensure_database(dsn: str, console: Console, admin_url: str | None = None) -> None:
    """Create a bench's own database, owned by its user, when it does not exist yet."""
    try:
        psycopg.connect(dsn, connect_timeout=10).close()
        return
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise SystemExit(f"cannot reach the bench database: {exc}") from exc
    info = psycopg.conninfo.conninfo_to_dict(dsn)
    name, owner = str(info["dbname"]), str(info["user"])
    console.print(f"creating database {name} owned by {owner}")
    with psycopg.connect(admin_url or default_admin_url(), autocommit=True) as admin:
        admin.execute(
            psycopg.sql.SQL(
                "CREATE DATABASE {} OWNER {} ENCODING 'UTF8' TEMPLATE template0"
            ).format(psycopg.sql.Identifier(name), psycopg.sql.Identifier(owner))
        )


def fresh_index_tables(database_url: str) -> None:
    """The 766 index's tables made anew in a bench's own database: a run never meets the
    tables of an older version of the index, and the worker indexes from the start."""
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        tables = [t for name, t in metadata.tables.items() if name.startswith("index766_")]
        metadata.drop_all(engine, tables=tables)
        metadata.create_all(engine, tables=tables)
    finally:
        engine.dispose()
