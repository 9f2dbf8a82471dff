"""Verification never fails on what is stored: a row of the audit table tampered into a value no
append writes (a time that does not parse, NULL, a value of another type, details that are not
JSON, a hash that is not one) is reported as the first bad entry, with the column named."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from hub.app.cli.audit import audit_app
from hub.app.wiring import Hub
from hub.audit import Actor, AuditLog, Problem, actions
from hub.audit.stored import stored_entries
from hub.db import create_engine, create_tables
from hub.settings import KhoSettings

AGENCY = Actor("token:0123456789ab", "so-yt")


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'audit.sqlite3'}")
    create_tables(engine)
    yield engine
    engine.dispose()


def _fill(log: AuditLog, count: int) -> None:
    for n in range(count):
        log.append(actions.RECORDS_WRITE, actor=AGENCY, dataset="yt.visits", details={"n": n})


def _sql(engine: sa.Engine, *statements: str, **params: Any) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement), params)


def _loosen(engine: sa.Engine) -> None:
    """Rebuild the table without its NOT NULL constraints, as someone with the database file
    can, so that NULL can be stored where an append never writes it."""
    _sql(
        engine,
        "CREATE TABLE audit_loose AS SELECT * FROM audit_log",
        "DROP TABLE audit_log",
        "ALTER TABLE audit_loose RENAME TO audit_log",
    )


TAMPERED = [
    pytest.param("at", "'not a time'", "thời điểm (at) chứa 'not a time'", id="time-unparseable"),
    pytest.param("at", "'2025-13-45 99:00:00'", "thời điểm (at)", id="time-out-of-range"),
    pytest.param("at", "12345", "thời điểm (at) chứa số 12345", id="time-a-number"),
    pytest.param("at", "X'00ff'", "thời điểm (at) chứa dữ liệu nhị phân", id="time-bytes"),
    pytest.param("at", "NULL", "thời điểm (at) để trống (NULL)", id="time-null"),
    pytest.param(
        "details",
        "'{\"n\": '",
        "chi tiết (details) chứa '{\"n\": ', không phải JSON",
        id="details-bad-json",
    ),
    pytest.param("details", "'[1, 2]'", "không phải một đối tượng JSON", id="details-array"),
    pytest.param("details", "NULL", "chi tiết (details) để trống (NULL)", id="details-null"),
    pytest.param(
        "details", "X'7b7d'", "chi tiết (details) chứa dữ liệu nhị phân", id="details-bytes"
    ),
    pytest.param("actor", "NULL", "người thực hiện (actor) để trống (NULL)", id="actor-null"),
    pytest.param(
        "actor", "X'00'", "người thực hiện (actor) chứa dữ liệu nhị phân", id="actor-bytes"
    ),
    pytest.param(
        "dataset", "X'01'", "bộ dữ liệu (dataset) chứa dữ liệu nhị phân", id="dataset-bytes"
    ),
    pytest.param("hash", "NULL", "băm (hash) để trống (NULL)", id="hash-null"),
    pytest.param(
        "prev_hash", "'xyz'", "băm của mục trước (prev_hash) chứa 'xyz'", id="prev-hash-not-hex"
    ),
]


@pytest.mark.parametrize(("column", "value", "said"), TAMPERED)
def test_a_tampered_value_names_its_entry(
    engine: sa.Engine, column: str, value: str, said: str
) -> None:
    """Entry 3 tampered with one stored value: verify names entry 3 and the column, and keeps
    entries 1 and 2 as intact."""
    log = AuditLog(engine)
    _fill(log, 5)
    if value == "NULL":
        _loosen(engine)
    _sql(engine, f"UPDATE audit_log SET {column} = {value} WHERE seq = 3")  # noqa: S608
    report = log.verify()
    assert report.breach is not None
    assert (report.breach.seq, report.breach.problem, report.checked) == (3, Problem.MODIFIED, 2)
    assert report.breach.message.startswith("Mục 3 đã bị sửa: cột ")
    assert said in report.breach.message
    assert str(report.head).startswith("2:")


def test_a_seq_that_is_not_a_number_leaves_a_gap(engine: sa.Engine) -> None:
    """A seq turned into text sorts after every number: its place reads as deleted."""
    log = AuditLog(engine)
    _fill(log, 5)
    _sql(engine, "UPDATE audit_log SET seq = 'ba' WHERE seq = 3")
    report = log.verify()
    assert report.breach is not None
    assert (report.breach.seq, report.breach.problem) == (3, Problem.DELETED)


def test_a_null_seq_is_named_by_its_position(engine: sa.Engine) -> None:
    """A NULL seq sorts first: the entry at position 1 is named, with the column."""
    log = AuditLog(engine)
    _fill(log, 3)
    _loosen(engine)
    _sql(engine, "UPDATE audit_log SET seq = NULL WHERE seq = 2")
    report = log.verify()
    assert report.breach is not None
    assert (report.breach.seq, report.checked) == (1, 0)
    assert "vị trí 1" in report.breach.message and "số thứ tự (seq)" in report.breach.message


def test_an_untouched_log_still_verifies_across_pages(engine: sa.Engine) -> None:
    """Reading raw values changes nothing for an intact log, across several pages."""
    log = AuditLog(engine)
    _fill(log, 7)
    assert len(list(stored_entries(engine, page=3))) == 7
    report = log.verify()
    assert report.ok and report.checked == 7


@pytest.fixture
def cli_env(embedded_settings: KhoSettings) -> dict[str, str]:
    return {
        "KHO_DATA_DIR": str(embedded_settings.data_dir),
        "KHO_BUS_URL": embedded_settings.bus_url,
        "KHO_DATABASE_URL": embedded_settings.database_url,
        "KHO_PORTAL_URL": embedded_settings.portal_url,
        "COLUMNS": "250",
    }


def test_cli_names_an_unparseable_time_without_a_traceback(
    embedded_hub: Hub, cli_env: dict[str, str]
) -> None:
    """The defect of issue 23: `kho audit verify` on a time that no longer parses exits 1
    naming the entry, with no traceback."""
    _fill(embedded_hub.audit, 4)
    _sql(embedded_hub.engine, "UPDATE audit_log SET at = 'hôm qua' WHERE seq = 2")
    result = CliRunner().invoke(audit_app, ["verify"], env=cli_env)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "mục 2 (modified)" in result.stderr
    assert "thời điểm (at) chứa 'hôm qua'" in result.stderr
    assert "Traceback" not in result.output
