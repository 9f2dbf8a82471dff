"""Every kind of tampering with the audit table, as someone holding the database can do it, and
what ``kho audit verify`` must name for each: shared by the SQLite tests and the PostgreSQL
integration tests.

The log holds ``ENTRIES`` entries, each anchored (``KHO_AUDIT_ANCHOR_EVERY=1``), so the anchors
pin a truncated or recomputed chain to the exact entry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from hub.app.cli.audit import audit_app
from hub.app.cli.shell import Shell
from hub.app.wiring import Hub
from hub.audit import Actor, Problem, actions
from hub.audit.chain import Content
from hub.audit.table import audit_subjects_table, audit_table

ENTRIES = 6
ACTOR = Actor("token:0123456789ab", "so-yt")


@dataclass(frozen=True)
class Tampering:
    tamper: Callable[[sa.Connection], None]
    seq: int
    problem: Problem
    said: str
    """Words the report must hold."""


def _sql(*statements: str) -> Callable[[sa.Connection], None]:
    def run(conn: sa.Connection) -> None:
        for statement in statements:
            conn.exec_driver_sql(statement)

    return run


def _unparseable_time(conn: sa.Connection) -> None:
    if conn.dialect.name == "postgresql":  # a time column holds only times: make it text first
        conn.execute(sa.text("ALTER TABLE audit_log ALTER COLUMN at TYPE text"))
    conn.execute(sa.text("UPDATE audit_log SET at = 'hôm qua' WHERE seq = 3"))


def _rows(conn: sa.Connection) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(audit_table).order_by(audit_table.c.seq)).all()
    return [dict(row._mapping) for row in rows]


def _digest(row: dict[str, Any], prev_hash: str) -> str:
    content = Content(
        seq=row["seq"],
        at=row["at"],
        actor=row["actor"],
        actor_agency=row["actor_agency"],
        action=row["action"],
        dataset=row["dataset"],
        details=row["details"],
    )
    return content.digest(prev_hash)


def insert_after_third(conn: sa.Connection) -> None:
    """A made-up entry slipped in after entry 3, chained to it, the later ones renumbered."""
    conn.execute(sa.text("UPDATE audit_log SET seq = seq + 100 WHERE seq >= 4"))
    conn.execute(sa.text("UPDATE audit_log SET seq = seq - 99 WHERE seq >= 100"))
    third = _rows(conn)[2]
    made_up = {**third, "seq": 4, "details": '{"n":42}', "prev_hash": third["hash"]}
    made_up["hash"] = _digest(made_up, third["hash"])
    conn.execute(sa.insert(audit_table), made_up)


def recompute_from_third(conn: sa.Connection) -> None:
    """Entry 3 edited, then every hash from it on recomputed: a chain valid in itself."""
    conn.exec_driver_sql("""UPDATE audit_log SET details = '{"n":99}' WHERE seq = 3""")
    rows = _rows(conn)
    prev_hash = rows[1]["hash"]
    for row in rows[2:]:
        digest = _digest(row, prev_hash)
        conn.execute(
            sa.update(audit_table)
            .where(audit_table.c.seq == row["seq"])
            .values(prev_hash=prev_hash, hash=digest)
        )
        prev_hash = digest


TAMPERINGS = [
    pytest.param(
        Tampering(
            _sql("""UPDATE audit_log SET details = '{"n":99}' WHERE seq = 3"""),
            3,
            Problem.MODIFIED,
            "Mục 3 đã bị sửa",
        ),
        id="field-edit",
    ),
    pytest.param(
        Tampering(_unparseable_time, 3, Problem.MODIFIED, "thời điểm (at) chứa 'hôm qua'"),
        id="value-no-longer-parses",
    ),
    pytest.param(
        Tampering(_sql("DELETE FROM audit_log WHERE seq = 3"), 3, Problem.DELETED, "Mục 3"),
        id="deleted-row",
    ),
    pytest.param(
        Tampering(
            _sql(
                "UPDATE audit_log SET seq = 103 WHERE seq = 3",
                "UPDATE audit_log SET seq = 3 WHERE seq = 4",
                "UPDATE audit_log SET seq = 4 WHERE seq = 103",
            ),
            3,
            Problem.REORDERED,
            "mục nối tiếp đúng đang ở vị trí 4",
        ),
        id="reordered-rows",
    ),
    pytest.param(
        Tampering(insert_after_third, 4, Problem.INSERTED, "Mục 4 đã bị chèn thêm"),
        id="inserted-row",
    ),
    pytest.param(
        Tampering(
            _sql("DELETE FROM audit_log WHERE seq >= 5"),
            5,
            Problem.TRUNCATED,
            "các mục 5 đến 6 đã bị cắt khỏi cuối",
        ),
        id="truncated-tail",
    ),
    pytest.param(
        Tampering(recompute_from_third, 3, Problem.DIVERGED, "mục 3 đã bị sửa rồi tính lại băm"),
        id="recomputed-chain",
    ),
]


def reset(hub: Hub) -> None:
    """An empty log and no anchors, for the next case."""
    with hub.engine.begin() as conn:
        conn.execute(sa.delete(audit_subjects_table))
        conn.execute(sa.delete(audit_table))
    anchors = hub.settings.data_dir / "audit-anchors.jsonl"
    anchors.unlink(missing_ok=True)


def fill(hub: Hub) -> None:
    for n in range(ENTRIES):
        hub.audit.append(actions.RECORDS_WRITE, actor=ACTOR, dataset="yt.visits", details={"n": n})


def cli(hub: Hub, *args: str) -> Any:
    """``kho audit ARGS`` on ``hub`` (built once for many cases, not once per command)."""
    opened = Shell(hub.settings)
    opened._hub = hub
    return CliRunner().invoke(audit_app, list(args), obj=opened)


def verify_cli(hub: Hub, *args: str) -> Any:
    return cli(hub, "verify", *args)


def check_named(hub: Hub, case: Tampering) -> None:
    """Fill, verify clean, tamper, and check both the report and the CLI name the entry."""
    fill(hub)
    assert verify_cli(hub).exit_code == 0
    with hub.engine.begin() as conn:
        case.tamper(conn)
    report = hub.audit.verify()
    assert report.breach is not None
    assert (report.breach.seq, report.breach.problem) == (case.seq, case.problem)
    assert case.said in report.breach.message
    result = verify_cli(hub)
    assert result.exit_code == 1, result.output
    assert f"mục {case.seq} ({case.problem.value})" in result.stderr
    assert case.said in " ".join(result.stderr.split())
    assert "Traceback" not in result.output
