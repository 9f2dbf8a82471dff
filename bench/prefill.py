"""Prefill latency at 200 requests in flight over a seeded PostgreSQL, with a bare-SQL reference.

The data (seeded once into its own database, reused by later runs with the same counts):
100,000 citizens (CCCD numbers), 1,000,000 evidence items of the citizen types in
hub/defaults/catalogue/procedures.yaml (5 % of them corrected once, so ``current_version`` is 2),
and consents: 30 % of the citizens let so-yt reuse what procedure 1.003614 needs, 5 % revoked that
consent, 5 % let it expire, 20 % consented to vp-ubnd for another procedure. Each request is a
prefill of a random citizen for procedure 1.003614 by so-yt: one type is covered by the legal
basis for every citizen, the other two only where an active consent covers them, so both paths
are taken.

In one run, on the same sequence of citizens, ``--concurrency`` requests in flight:

  (a) sql      the same lookup as one bare SQL statement (the current versions of the required
               types that the legal basis or an active consent covers), psycopg async, a pool of
               15 connections: the hub's engine has SQLAlchemy's default pool (5 + 10 overflow)
  (b) http     GET /api/v1/subjects/{id}/prefill through uvicorn running the real app in its own
               process: the token, the subject check, consents and current evidence in one
               statement (psycopg's async pool), one hash-chained audit entry and its
               audit_subjects row (group-committed with the entries of concurrent requests,
               under the log's advisory lock) before the answer leaves, JSON; the client is a
               bare HTTP/1.1 keep-alive connection per request in flight
  (c) hub      the same calls in this process without HTTP (read_ahead with the token, the
               token's checks, prefill_async, the answer's dict) on this process's event loop:
               what HTTP costs on top

It prints requests/s and p50/p95/p99 of each, the ratios b/a, and whether the aim (b's p99
under 20 ms, p99 ratio b/a under 3) was met.

Read the latencies with Little's law: with N requests always in flight, mean latency is N over
throughput. 200 in flight with a p99 under 20 ms needs at least 10,000 requests/s. Here the
client, the server and PostgreSQL share one machine (2 cores on the development box), so at
this concurrency latency is mostly time spent queueing for a core, a pooled connection or the
audit lock, and the throughput figure says more than the latency.

    python bench/prefill.py [--subjects 100000] [--evidence 1000000] [--requests 10000]
        [--concurrency 200] [--database-url postgresql://kho:kho@127.0.0.1:15432/kho_bench_prefill]
        [--workers 1] [--app hub.app.api.main:create_app]

``--app`` serves another app factory in (b), to try a change to the hub without committing it;
``--workers`` runs several uvicorn processes. A smoke test:
``--subjects 2000 --evidence 20000 --requests 2000``.

A missing database is created through the PostgreSQL superuser on the development cluster's
Unix socket (``--admin-url``). The seeding time is printed; it is not part of the measurement.

Machines are noisy: compare the ratios, not the absolute figures.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import io
import json
import math
import random
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import httpx
import psycopg
import sqlalchemy as sa
from harness import (
    PG_PORT,
    UvicornServer,
    default_admin_url,
    ensure_database,
    libpq_url,
    record_result,
)
from rich.console import Console
from rich.table import Table

from hub.app.wiring import Hub, build_hub
from hub.audit.entry import token_actor
from hub.auth.tokens import Role, credential_from_row, split_token
from hub.catalogue.loader import load_catalogue
from hub.db import create_engine, create_tables, metadata
from hub.identifiers.admin_units import legacy_province_codes
from hub.identifiers.cccd import cccd_problem
from hub.provide_once import tables as _provide_once_tables  # noqa: F401 - on the metadata
from hub.provide_once.procedures import ProcedureCatalogue, SubjectKind, load_procedures
from hub.settings import KhoSettings

AGENCY = "so-yt"
PROCEDURE = "1.003614"  # Cấp giấy phép hành nghề KCB: one type by law, two by consent
OTHER = ("vp-ubnd", "1.000656")  # consents to another agency, for another procedure
POOL_SIZE = 15  # SQLAlchemy's QueuePool default: pool_size 5 + max_overflow 10
SEED = 2025
SEED_LAYOUT = 1  # bump when the seeded data changes shape: older seeds are then rebuilt
console = Console(width=110)
T = TypeVar("T")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--evidence", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=10_000, help="measured, per path")
    parser.add_argument("--concurrency", type=int, default=200, help="requests in flight")
    parser.add_argument(
        "--database-url",
        default=f"postgresql://kho:kho@127.0.0.1:{PG_PORT}/kho_bench_prefill",
        help="the bench's own database (its tables are dropped and reseeded)",
    )
    parser.add_argument(
        "--admin-url", default=default_admin_url(), help="creates the database when missing"
    )
    parser.add_argument("--skip-in-process", action="store_true", help="leave out (c)")
    parser.add_argument(
        "--app",
        default="hub.app.api.main:create_app",
        help="the app factory uvicorn serves in (b), e.g. a variant under trial",
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes in (b)")
    args = parser.parse_args()
    if not 0 < args.subjects <= 1_000_000 or args.evidence < args.subjects:
        parser.error("--subjects must be 1..1,000,000 and --evidence at least --subjects")

    dsn = libpq_url(args.database_url)
    ensure_database(dsn, console, args.admin_url)
    workdir = Path(tempfile.mkdtemp(prefix="kho-bench-prefill-"))
    settings = KhoSettings(
        data_dir=workdir,
        bus_url=f"embedded:{workdir / 'bus.sqlite3'}",
        database_url=args.database_url,
    )
    _seed(settings, args.subjects, args.evidence)
    hub = build_hub(settings)
    try:
        _reset_run_state(hub.engine)
        token = hub.tokens.create(AGENCY, frozenset({Role.CONSUMER})).plaintext
        with hub.engine.connect() as conn:
            ids = list(conn.execute(sa.text("SELECT subject_id FROM subjects")).scalars())
        rng = random.Random(SEED + 1)
        warm_up = [rng.choice(ids) for _ in range(min(2_000, max(200, args.requests // 10)))]
        measured = [rng.choice(ids) for _ in range(args.requests)]
        reference = ReferenceQuery.of(hub.procedures)
        _check_same_answers(hub, token, reference, dsn, measured[:200])
        console.print(
            f"{args.requests:,} prefills of {PROCEDURE} by {AGENCY}, {args.concurrency} in flight,"
            f" {len(warm_up):,} more to warm up each path; (a) and (c) use {POOL_SIZE}"
            " connections, as the hub engine's default pool (5 + 10 overflow)"
        )
        runs = [asyncio.run(_sql_path(dsn, reference, warm_up, measured, args.concurrency))]
        server = UvicornServer(settings, args.app, args.workers)
        with server as base_url:
            cpu_started = server.cpu_seconds()
            runs.append(asyncio.run(_http_path(base_url, token, warm_up, measured, args)))
            cpu_ms = (server.cpu_seconds() - cpu_started) * 1000 / (len(warm_up) + args.requests)
            console.print(
                f"  (b)'s server: {cpu_ms:.2f} ms of CPU a request ({args.workers} processes)"
            )
        if not args.skip_in_process:
            runs.append(asyncio.run(_in_process(hub, token, warm_up, measured, args.concurrency)))
    finally:
        hub.close()
        shutil.rmtree(workdir, ignore_errors=True)
    _report(runs, args)


# --- the database -------------------------------------------------------------------------


_MARKER = "bench_prefill_seed"


def _seed(settings: KhoSettings, subjects: int, evidence: int) -> None:
    """Reseed unless the marker row says this database already holds these counts."""
    engine = create_engine(settings.database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    f"CREATE TABLE IF NOT EXISTS {_MARKER} (layout int, subjects int, evidence int,"
                    " seconds double precision, seeded_at timestamptz)"
                )
            )
            seeded = conn.execute(
                sa.text(
                    f"SELECT seconds, seeded_at FROM {_MARKER}"
                    " WHERE layout = :l AND subjects = :s AND evidence = :e"
                ),
                {"l": SEED_LAYOUT, "s": subjects, "e": evidence},
            ).first()
        if seeded is not None:
            console.print(
                f"reusing the seed of {seeded.seeded_at:%Y-%m-%d %H:%M} ({subjects:,} subjects,"
                f" {evidence:,} evidence; seeding took {seeded.seconds:.1f} s)"
            )
            return
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(sa.text(f"DELETE FROM {_MARKER}"))
        metadata.drop_all(engine)
        create_tables(engine)
        catalogue = load_catalogue(settings.catalogue_path, settings.schemas_dir).catalogue
        procedures = load_procedures(settings.procedures_path, catalogue)
        counts = _load(libpq_url(settings.database_url), procedures, subjects, evidence)
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(sa.text("VACUUM ANALYZE"))
        seconds = time.perf_counter() - started
        with engine.begin() as conn:
            conn.execute(
                sa.text(f"INSERT INTO {_MARKER} VALUES (:l, :s, :e, :t, now())"),
                {"l": SEED_LAYOUT, "s": subjects, "e": evidence, "t": seconds},
            )
        console.print(
            f"seeded {subjects:,} subjects, {evidence:,} evidence ({counts['versions']:,}"
            f" versions), {counts['consents']:,} consents in {seconds:.1f} s (not measured)"
        )
    finally:
        engine.dispose()


def _citizens(count: int, rng: random.Random) -> list[str]:
    """Distinct valid CCCD numbers: '0' + old province code, gender/century, year, serial."""
    provinces = sorted(legacy_province_codes())
    this_year = dt.date.today().year % 100
    numbers = []
    for serial in rng.sample(range(1_000_000), count):
        century = rng.choice("0123")
        year = rng.randrange(40, 100) if century in "01" else rng.randrange(0, this_year - 17)
        numbers.append(f"0{rng.choice(provinces)}{century}{year:02d}{serial:06d}")
    return numbers


def _load(dsn: str, procedures: ProcedureCatalogue, subjects: int, evidence: int) -> dict[str, int]:
    rng = random.Random(SEED)
    citizens = _citizens(subjects, rng)
    for number in citizens[:1000]:
        problem = cccd_problem(number)
        if problem:
            raise SystemExit(f"bench generated a bad CCCD {number}: {problem}")
    kinds = [t for t in procedures.evidence_types if SubjectKind.CITIZEN in t.subjects]
    today = dt.date.today()
    first_day = dt.date(2016, 1, 1).toordinal()
    at = "2025-01-01 00:00:00+00"
    recorded_by = "token:bench-seed"

    subjects_rows = io.StringIO()
    for number in citizens:
        subjects_rows.write(f"{number}\tcitizen\t{at}\n")

    # Evidence arrives over years, interleaved across subjects: rows are stored shuffled.
    order = list(range(evidence))
    rng.shuffle(order)
    evidence_rows = io.StringIO()
    version_rows = io.StringIO()
    versions = 0
    for i in order:
        subject = citizens[i % subjects]
        kind = kinds[rng.randrange(len(kinds))]
        evidence_id = f"bench-{i:07d}"
        corrected = rng.random() < 0.05
        current = 2 if corrected else 1
        evidence_rows.write(
            f"{evidence_id}\t{subject}\t{kind.code}\t{kind.issuer}\t{current}\t{at}\t{at}\n"
        )
        issued_on = dt.date.fromordinal(rng.randrange(first_day, today.toordinal()))
        valid_until = kind.default_valid_until(issued_on)
        until = valid_until.isoformat() if valid_until else "\\N"
        attributes = json.dumps({"so": f"{i:07d}", "noi_cap": kind.issuer})
        for version in range(1, current + 1):
            reason = "Đính chính sai sót khi nhập" if version > 1 else "\\N"
            content = hashlib.sha256(f"{evidence_id}/{version}".encode()).hexdigest()
            version_rows.write(
                f"{evidence_id}\t{version}\t{issued_on.isoformat()}\t{until}\t{attributes}\t"
                f"bench:{i}\t\\N\t\\N\t{content}\t{at}\t{recorded_by}\t{reason}\n"
            )
            versions += 1

    now = dt.datetime.now(dt.UTC)
    procedure = procedures.procedure(PROCEDURE)
    other = procedures.procedure(OTHER[1])
    assert procedure is not None and other is not None  # noqa: S101 (catalogue data)
    by_consent = ",".join(sorted(set(procedure.requires) - set(procedure.reuse_without_consent)))
    other_types = ",".join(sorted(other.requires))
    consent_rows = io.StringIO()
    consents = 0
    for number in citizens:
        draw = rng.random()
        expires, revoked = now + dt.timedelta(days=730), "\\N"
        if draw < 0.40:
            if draw >= 0.35:
                expires = now - dt.timedelta(days=rng.randrange(1, 365))
            elif draw >= 0.30:
                revoked = (now - dt.timedelta(days=rng.randrange(1, 365))).isoformat()
            consent_rows.write(
                f"cs_{rng.getrandbits(64):016x}\t{number}\t{AGENCY}\t{PROCEDURE}\t{by_consent}\t"
                f"{(now - dt.timedelta(days=800)).isoformat()}\t{expires.isoformat()}\t{revoked}\n"
            )
            consents += 1
        if rng.random() < 0.20:
            consent_rows.write(
                f"cs_{rng.getrandbits(64):016x}\t{number}\t{OTHER[0]}\t{OTHER[1]}\t{other_types}\t"
                f"{now.isoformat()}\t{(now + dt.timedelta(days=365)).isoformat()}\t\\N\n"
            )
            consents += 1

    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        for table, columns, rows in (
            ("subjects", "subject_id, kind, first_seen_at", subjects_rows),
            (
                "evidence",
                "evidence_id, subject_id, evidence_type, issuer, current_version, created_at,"
                " updated_at",
                evidence_rows,
            ),
            (
                "evidence_versions",
                "evidence_id, version, issued_on, valid_until, attributes, source_ref, file_uri,"
                " file_sha256, content_sha256, recorded_at, recorded_by, correction_reason",
                version_rows,
            ),
            (
                "consents",
                "consent_id, subject_id, agency, purpose, evidence_types, granted_at,"
                " expires_at, revoked_at",
                consent_rows,
            ),
        ):
            started = time.perf_counter()
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                data = rows.getvalue().encode("utf-8")
                for start in range(0, len(data), 1 << 20):
                    copy.write(data[start : start + (1 << 20)])
            console.print(f"  COPY {table}: {time.perf_counter() - started:.1f} s")
    return {"versions": versions, "consents": consents}


def _reset_run_state(engine: sa.Engine) -> None:
    """Each run starts with an empty audit log and no tokens, so runs compare."""
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE audit_log, audit_subjects, api_tokens"))


# --- the reference: one SQL statement ----------------------------------------------------


@dataclass(frozen=True)
class ReferenceQuery:
    """The prefill lookup as one statement. Which types the procedure requires and which the
    law covers for this agency are catalogue data, worked out once, as the hub holds them."""

    required: list[str]
    by_law: list[str]

    SQL = """
        SELECT e.evidence_id, e.subject_id, e.evidence_type, e.issuer, v.version, v.issued_on,
               v.valid_until, v.attributes, v.source_ref, v.file_uri, v.file_sha256,
               v.recorded_at, v.recorded_by, v.correction_reason
        FROM evidence e
        JOIN evidence_versions v
          ON v.evidence_id = e.evidence_id AND v.version = e.current_version
        WHERE e.subject_id = %(subject)s
          AND e.evidence_type = ANY(%(required)s)
          AND (e.evidence_type = ANY(%(by_law)s)
               OR EXISTS (SELECT 1 FROM consents c
                          WHERE c.subject_id = e.subject_id AND c.agency = %(agency)s
                            AND c.purpose = %(procedure)s AND c.revoked_at IS NULL
                            AND c.expires_at > now()
                            AND e.evidence_type = ANY(string_to_array(c.evidence_types, ','))))
        ORDER BY e.evidence_type, v.issued_on DESC, e.evidence_id
    """

    @classmethod
    def of(cls, procedures: ProcedureCatalogue) -> ReferenceQuery:
        procedure = procedures.procedure(PROCEDURE)
        assert procedure is not None  # noqa: S101 (catalogue data)
        required = [
            code
            for code in procedure.requires
            if (kind := procedures.evidence_type(code)) and SubjectKind.CITIZEN in kind.subjects
        ]
        by_law = list(procedure.reuse_without_consent) if AGENCY in procedure.handled_by else []
        return cls(required, by_law)

    def params(self, subject: str) -> dict[str, Any]:
        return {
            "subject": subject,
            "required": self.required,
            "by_law": self.by_law,
            "agency": AGENCY,
            "procedure": PROCEDURE,
        }


def _check_same_answers(
    hub: Hub, token: str, reference: ReferenceQuery, dsn: str, subjects: list[str]
) -> None:
    """The reference is the same lookup: it finds the evidence the hub's prefill returns."""
    credential = hub.tokens.authenticate(token)
    actor = token_actor(credential.token_id, credential.agency)
    consented = 0
    with psycopg.connect(dsn) as conn:
        for subject in subjects:
            answer = hub.provide_once.prefill(subject, PROCEDURE, actor=actor)
            ours = [(e.evidence_id, e.version) for e in answer.evidence]
            rows = conn.execute(reference.SQL, reference.params(subject)).fetchall()
            if ours != [(row[0], row[4]) for row in rows]:
                raise SystemExit(f"reference and hub disagree on {subject}: {ours} vs {rows}")
            consented += any(c.basis == "consent" for c in answer.coverage)
    console.print(
        f"reference query and hub agree on {len(subjects)} subjects"
        f" ({consented} with consent-covered types)"
    )


# --- driving the three paths --------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    label: str
    latencies_ms: list[float]  # sorted
    seconds: float

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.seconds

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile."""
        values = self.latencies_ms
        return values[min(len(values) - 1, max(0, math.ceil(q / 100 * len(values)) - 1))]


async def _drive(
    label: str,
    call: Callable[[str], Awaitable[None]],
    warm_up: list[str],
    measured: list[str],
    concurrency: int,
) -> Run:
    """``concurrency`` workers, each sending its next request as soon as the last answered."""

    async def worker(subjects: Iterator[str], latencies: list[float]) -> None:
        for subject in subjects:  # shared iterator: no await between two next() calls
            started = time.perf_counter()
            await call(subject)
            latencies.append((time.perf_counter() - started) * 1000)

    for batch in (warm_up, measured):
        latencies: list[float] = []
        shared = iter(batch)
        started = time.perf_counter()
        await asyncio.gather(*(worker(shared, latencies) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    run = Run(label, sorted(latencies), elapsed)
    console.print(
        f"  {label}: {run.throughput:,.0f} req/s, p50 {run.percentile(50):.1f} ms,"
        f" p99 {run.percentile(99):.1f} ms"
    )
    return run


async def _sql_path(
    dsn: str, reference: ReferenceQuery, warm_up: list[str], measured: list[str], concurrency: int
) -> Run:
    """(a) the bare statement, psycopg async, a pool as large as the hub engine's."""
    connections = [
        await psycopg.AsyncConnection.connect(dsn, autocommit=True) for _ in range(POOL_SIZE)
    ]
    pool = _FairPool(connections)

    async def call(subject: str) -> None:
        conn = await pool.acquire()
        try:
            cursor = await conn.execute(reference.SQL, reference.params(subject))
            await cursor.fetchall()
        finally:
            pool.release(conn)

    try:
        return await _drive("(a) bare SQL", call, warm_up, measured, concurrency)
    finally:
        for conn in connections:
            await conn.close()


class _FairPool(Generic[T]):
    """Connections handed out first come, first served. (An asyncio.Queue lets a task that
    just gave a connection back take it again before the tasks already waiting: a few of
    those then wait for most of the run, which is no pool's behaviour.)"""

    def __init__(self, connections: list[T]) -> None:
        self._free = deque(connections)
        self._waiting: deque[asyncio.Future[T]] = deque()

    async def acquire(self) -> T:
        if self._free and not self._waiting:
            return self._free.popleft()
        turn: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        return await turn

    def release(self, conn: T) -> None:
        if self._waiting:
            self._waiting.popleft().set_result(conn)
        else:
            self._free.append(conn)


async def _http_path(
    base_url: str, token: str, warm_up: list[str], measured: list[str], args: argparse.Namespace
) -> Run:
    """(b) HTTP prefill through uvicorn, one keep-alive connection per request in flight."""
    url = httpx.URL(base_url)
    connections = [
        await _HttpConnection.open(url.host, url.port or 80, token) for _ in range(args.concurrency)
    ]
    pool = _FairPool(connections)

    async def call(subject: str) -> None:
        conn = await pool.acquire()
        try:
            status, body = await conn.get(
                f"/api/v1/subjects/{subject}/prefill?procedure={PROCEDURE}"
            )
        finally:
            pool.release(conn)
        if status != 200:
            raise SystemExit(f"prefill answered {status}: {body[:300]!r}")

    try:
        return await _drive("(b) HTTP via uvicorn", call, warm_up, measured, args.concurrency)
    finally:
        for conn in connections:
            conn.close()


class _HttpConnection:
    """A minimal HTTP/1.1 keep-alive client, so that the client costs little next to the
    server: httpx's pool looks at every connection for every request, and with 200 of them
    the client took more CPU than the hub."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, token: str
    ) -> None:
        self._reader, self._writer = reader, writer
        self._headers = f"Host: {host}\r\nAuthorization: Bearer {token}\r\n\r\n"

    @classmethod
    async def open(cls, host: str, port: int, token: str) -> _HttpConnection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer, host, token)

    async def get(self, target: str) -> tuple[int, bytes]:
        self._writer.write(f"GET {target} HTTP/1.1\r\n{self._headers}".encode("ascii"))
        await self._writer.drain()
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        length = None
        for line in header_lines:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if length is None:
            raise SystemExit(f"answer without Content-Length: {head!r}")
        return int(status_line.split()[1]), await self._reader.readexactly(length)

    def close(self) -> None:
        self._writer.close()


async def _in_process(
    hub: Hub, token: str, warm_up: list[str], measured: list[str], concurrency: int
) -> Run:
    """(c) what the endpoint does, without HTTP: the same calls on this process's loop."""

    token_id, secret = split_token(token)

    async def call(subject: str) -> None:
        ahead = await hub.provide_once.read_ahead((token_id, secret), subject, PROCEDURE)
        if ahead is None:  # not on PostgreSQL
            raise SystemExit("the prefill reads ahead on PostgreSQL only")
        credential = credential_from_row(token_id, secret, ahead.token)
        actor = token_actor(credential.token_id, credential.agency)
        answer = await hub.provide_once.prefill_async(subject, PROCEDURE, actor=actor, ahead=ahead)
        json.dumps(answer.as_dict(), ensure_ascii=False)

    try:
        return await _drive("(c) hub in-process", call, warm_up, measured, concurrency)
    finally:
        if hub.async_postgres is not None:
            await hub.async_postgres.close()


# --- the report ---------------------------------------------------------------------------


def _report(runs: list[Run], args: argparse.Namespace) -> None:
    sql, http = runs[0], runs[1]
    table = Table(
        title=f"Prefill, {args.subjects:,} subjects, {args.evidence:,} evidence,"
        f" {args.concurrency} in flight"
    )
    for column in ("path", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "p99 / (a)"):
        table.add_column(column, justify="right")
    for run in runs:
        table.add_row(
            run.label,
            f"{len(run.latencies_ms):,}",
            f"{run.throughput:,.0f}",
            f"{run.percentile(50):.1f}",
            f"{run.percentile(95):.1f}",
            f"{run.percentile(99):.1f}",
            f"{run.percentile(99) / sql.percentile(99):.2f}",
        )
    console.print(table)
    p50_ratio = http.percentile(50) / sql.percentile(50)
    p99_ratio = http.percentile(99) / sql.percentile(99)
    console.print(
        f"b/a: p50 {p50_ratio:.2f}, p99 {p99_ratio:.2f},"
        f" throughput {http.throughput / sql.throughput:.2f}"
    )
    console.print(
        f"Little's law: {args.concurrency} in flight at {http.throughput:,.0f} req/s is"
        f" {args.concurrency / http.throughput * 1000:.1f} ms mean; a p99 under 20 ms needs"
        f" ≥ {args.concurrency / 0.020:,.0f} req/s"
    )
    p99_met = http.percentile(99) < 20
    ratio_met = p99_ratio < 3
    console.print(
        f"aim p99 < 20 ms: {'met' if p99_met else 'NOT met'} ({http.percentile(99):.1f} ms);"
        f" aim p99 ratio b/a < 3: {'met' if ratio_met else 'NOT met'} ({p99_ratio:.2f})"
    )
    figures: dict[str, float | int | str] = {
        "subjects": args.subjects,
        "requests": args.requests,
        "concurrency": args.concurrency,
    }
    for run in runs:
        key = run.label.split()[0].strip("()")
        figures |= {
            f"{key}_req_per_s": run.throughput,
            f"{key}_p50_ms": run.percentile(50),
            f"{key}_p99_ms": run.percentile(99),
        }
    for name, value, aim, unit in (
        ("prefill p99 b/a (HTTP / bare SQL)", p99_ratio, 3.0, "ratio"),
        ("prefill p99 (HTTP)", http.percentile(99), 20.0, "ms"),
    ):
        record_result(
            "prefill",
            name,
            value=value,
            aim=("<", aim),
            unit=unit,
            size=args.evidence,
            size_unit="evidence",
            cost=http.percentile(99),
            cost_unit="ms",
            per="request",
            figures=figures,
        )


if __name__ == "__main__":
    main()
