"""The audit log on a real PostgreSQL: concurrent appenders from several engines (as separate
processes would be) and threads give one unbroken chain, and tampering is named there too.

Each test works in a schema of its own, so runs never share a chain."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from hub.audit import Actor, AuditLog, Problem, actions
from hub.audit.table import audit_table
from tests.integration.conftest import schema_engine

ENGINES = 4
THREADS_PER_ENGINE = 3
APPENDS_PER_THREAD = 20


def test_concurrent_appends_form_one_chain(pg_schema: str) -> None:
    """Twelve writers on four engines append at once: every seq from 1 to 240 is handed out
    exactly once and the chain verifies. Without the advisory lock taken before the head is
    read, two writers would read the same head and one would fail on the duplicate seq."""
    engines = [schema_engine(pg_schema) for _ in range(ENGINES)]
    with engines[0].begin() as conn:
        audit_table.create(conn)
    results: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(ENGINES * THREADS_PER_ENGINE)

    def writer(engine: sa.Engine, name: str) -> None:
        log = AuditLog(engine)
        start.wait()
        try:
            for n in range(APPENDS_PER_THREAD):
                seq = log.append(
                    actions.RECORDS_WRITE, actor=Actor(name, "vp-ubnd"), details={"n": n}
                )
                with lock:
                    results.append(seq)
        except BaseException as exc:  # collected so the test can show it
            errors.append(exc)

    threads = [
        threading.Thread(target=writer, args=(engine, f"system:w{i}-{j}"))
        for i, engine in enumerate(engines)
        for j in range(THREADS_PER_ENGINE)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = ENGINES * THREADS_PER_ENGINE * APPENDS_PER_THREAD
    assert errors == []
    assert sorted(results) == list(range(1, total + 1))
    report = AuditLog(engines[0]).verify()
    assert report.ok, report.breach
    assert report.checked == total and report.head is not None and report.head.seq == total
    for engine in engines:
        engine.dispose()


def test_tampering_is_named_on_postgresql(pg_schema: str) -> None:
    """A row changed in place on PostgreSQL is named, with the entries before it intact."""
    engine = schema_engine(pg_schema)
    with engine.begin() as conn:
        audit_table.create(conn)
    log = AuditLog(engine)
    for n in range(5):
        log.append(actions.DATASET_PUBLISH, actor=Actor("cli"), details={"n": n, "tên": "Ấp"})
    assert log.verify().ok
    with engine.begin() as conn:
        conn.execute(
            sa.update(audit_table).where(audit_table.c.seq == 3).values(details='{"n":30}')
        )
    report = log.verify()
    assert report.breach is not None
    assert (report.breach.seq, report.breach.problem, report.checked) == (3, Problem.MODIFIED, 2)
    engine.dispose()
