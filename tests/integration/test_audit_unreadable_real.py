"""On a real PostgreSQL, verification never fails on a stored value either: a table altered so
that it holds what no append writes (a time column turned to text and given a word, NULL in a
required column, details that are not JSON) is reported at the tampered entry, column named.

Each test works in a schema of its own, so runs never share a chain."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub.audit import Actor, AuditLog, Problem, actions
from hub.audit.table import audit_table
from tests.integration.conftest import schema_engine

pytestmark = pytest.mark.integration

TAMPERING = [
    pytest.param(
        [
            "ALTER TABLE {t} ALTER COLUMN at TYPE text",
            "UPDATE {t} SET at = 'hôm qua' WHERE seq = 3",
        ],
        "thời điểm (at) chứa 'hôm qua'",
        id="time-as-text",
    ),
    pytest.param(
        ["ALTER TABLE {t} ALTER COLUMN at DROP NOT NULL", "UPDATE {t} SET at = NULL WHERE seq = 3"],
        "thời điểm (at) để trống (NULL)",
        id="time-null",
    ),
    pytest.param(
        ["UPDATE {t} SET details = '{{\"n\": ' WHERE seq = 3"],
        "chi tiết (details) chứa '{\"n\": ', không phải JSON",
        id="details-bad-json",
    ),
    pytest.param(
        [
            "ALTER TABLE {t} ALTER COLUMN details DROP NOT NULL",
            "UPDATE {t} SET details = NULL WHERE seq = 3",
        ],
        "chi tiết (details) để trống (NULL)",
        id="details-null",
    ),
    pytest.param(
        ["ALTER TABLE {t} ALTER COLUMN hash TYPE integer USING 7", "SELECT 1"],
        "băm (hash) chứa số 7",
        id="hash-a-number",
    ),
]


@pytest.mark.parametrize(("statements", "said"), TAMPERING)
def test_a_tampered_value_is_named_on_postgresql(
    pg_schema: str, statements: list[str], said: str
) -> None:
    """Entry 3 of 5 tampered through the database: verify names entry 3 and the column."""
    engine = schema_engine(pg_schema)
    with engine.begin() as conn:
        audit_table.create(conn)
    log = AuditLog(engine)
    for n in range(5):
        log.append(actions.DATASET_PUBLISH, actor=Actor("cli"), details={"n": n})
    assert log.verify().ok
    table = f'"{pg_schema}".audit_log'
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement.format(t=table)))
    report = log.verify()
    assert report.breach is not None
    if "hash TYPE integer" in statements[0]:  # every hash changed: the first entry is named
        assert (report.breach.seq, report.checked) == (1, 0)
    else:
        assert (report.breach.seq, report.breach.problem, report.checked) == (
            3,
            Problem.MODIFIED,
            2,
        )
    assert said in report.breach.message
    engine.dispose()
