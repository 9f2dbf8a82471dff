"""The hub a load run drives: a PostgreSQL schema and Kafka topics of the run's own, seeded
citizens and tokens, and the ``kho`` processes, each logging to a file of its own."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import sqlalchemy as sa
import yaml

from hub.app.wiring import Hub, build_hub
from hub.audit.entry import Actor
from hub.auth.tokens import Role
from hub.db import create_engine
from hub.provide_once.evidence import EvidenceInput
from hub.settings import KhoSettings
from tests.paths import CATALOGUE_DIR

DOSSIERS = "tthc.dossiers"
SALINITY = "salinity.readings"
PROCEDURE = "1.003614"
"""so-yt reuses its criminal record certificate (phieu-ly-lich-tu-phap) by law, no consent."""
PREFILL_AGENCY = "so-yt"
EVIDENCE_TYPE = "phieu-ly-lich-tu-phap"
PARTITIONS = 4
CLEANUP_TABLES = ("ingest_idempotency", "dlq_replay_claims", "audit_log")
"""Counted every sample: keys and claims must stay bounded; the audit log grows by design."""


def catalogue_for(run: str, folder: Path) -> Path:
    """The shipped catalogue with every topic under ``load.<run>.``."""
    raw = yaml.safe_load((CATALOGUE_DIR / "datasets.yaml").read_text("utf-8"))
    for dataset in raw["datasets"]:
        dataset["topic"] = f"load.{run}.{dataset['topic']}"
    path = folder / "datasets.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    return path


@contextmanager
def run_schema(postgres_url: str, run: str) -> Iterator[str]:
    """A PostgreSQL schema of the run's own, dropped at the end."""
    schema = f"load_{run}"
    admin = create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def settings_for(
    folder: Path, kafka_url: str, postgres_url: str, schema: str, run: str
) -> KhoSettings:
    separator = "&" if "?" in postgres_url else "?"
    return KhoSettings(
        data_dir=folder / "kho",
        bus_url=kafka_url,
        database_url=f"{postgres_url}{separator}options=-csearch_path%3D{schema}",
        portal_url=f"folder:{folder / 'opendata'}",
        catalogue_path=catalogue_for(run, folder),
    )


def make_topics(hub: Hub) -> None:
    """The topics the workers, the readers and the producers need, before any starts."""
    hub.bus.ensure_topic(hub.catalogue.entry(DOSSIERS).topic, PARTITIONS)
    hub.bus.ensure_topic(hub.catalogue.entry(SALINITY).topic)


def seed_citizens(hub: Hub, subjects: int) -> list[str]:
    """``subjects`` citizens each holding the evidence the prefill finds; their CCCD numbers."""
    issued = dt.date.today() - dt.timedelta(days=10)
    issuer = Actor("token:load-seed", "vp-ubnd")
    numbers = []
    for n in range(subjects):
        number = f"0820950{n:05d}"
        hub.provide_once.record(
            EvidenceInput(
                evidence_id=f"LLTP-{number}",
                subject_id=number,
                evidence_type=EVIDENCE_TYPE,
                issuing_agency="vp-ubnd",
                issued_on=issued,
                attributes={"so": f"{n}/LD"},
            ),
            actor=issuer,
        )
        numbers.append(number)
    hub.evidence_outbox.drain()
    return numbers


def tokens(hub: Hub) -> tuple[str, str, str]:
    """The dossier producer's, the salinity station's and the prefilling agency's tokens."""
    catalogue = hub.catalogue
    producer = hub.tokens.create(catalogue.entry(DOSSIERS).owner, frozenset({Role.PRODUCER}))
    sensor = hub.tokens.create(catalogue.entry(SALINITY).owner, frozenset({Role.PRODUCER}))
    consumer = hub.tokens.create(PREFILL_AGENCY, frozenset({Role.CONSUMER}))
    return producer.plaintext, sensor.plaintext, consumer.plaintext


def row_counts(engine: sa.Engine) -> dict[str, int | None]:
    counts: dict[str, int | None] = {}
    with engine.connect() as conn:
        for table in CLEANUP_TABLES:
            try:
                counts[table] = conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            except sa.exc.ProgrammingError:
                conn.rollback()
                counts[table] = None  # not made yet
    return counts


class Processes:
    """The run's ``kho`` processes and its generator; all stopped at the end."""

    def __init__(self, settings: KhoSettings, logs: Path, environment: dict[str, str]) -> None:
        self._env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
        self._env.update(
            COLUMNS="200",
            KHO_DATA_DIR=str(settings.data_dir),
            KHO_BUS_URL=settings.bus_url,
            KHO_DATABASE_URL=settings.database_url,
            KHO_PORTAL_URL=settings.portal_url,
            KHO_CATALOGUE_PATH=str(settings.catalogue_path),
            **environment,
        )
        self._logs = logs
        logs.mkdir(parents=True, exist_ok=True)
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, command: list[str], cwd: Path | None = None) -> None:
        with (self._logs / f"{name}.log").open("ab") as out:
            self.running[name] = subprocess.Popen(  # noqa: S603 - our own programs
                [sys.executable, *command],
                env=self._env,
                cwd=cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kho(self, name: str, args: list[str]) -> None:
        self.start(name, ["-m", "hub.app", *args])

    def log(self, name: str) -> str:
        return (self._logs / f"{name}.log").read_text("utf-8", errors="replace")[-3000:]

    def exited(self) -> list[str]:
        return [name for name, p in self.running.items() if p.poll() is not None]

    def stop_all(self) -> dict[str, int]:
        """SIGTERM to every process still running; their exit codes."""
        for process in self.running.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = {}
        for name, process in self.running.items():
            try:
                codes[name] = process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[name] = process.wait()
        return codes


def wait_healthy(urls: list[str], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    for url in urls:
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).is_success:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} not healthy after {timeout_s:.0f} s")
            time.sleep(0.2)


def build(settings: KhoSettings) -> Hub:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return build_hub(settings)
