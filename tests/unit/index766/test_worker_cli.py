"""``kho index run`` and ``kho index show`` as a user runs them, and the demo running the index:
the figures as a Vietnamese table, a bad unit or period as one line naming it."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from hub.app.demo import run_demo
from hub.app.wiring import Hub
from hub.index766.periods import PROVINCE, parse_period
from hub.provide_once.dossier_evidence import EVIDENCE_ID_PREFIX
from hub.provide_once.tables import evidence_table
from tests.unit.index766.index_records import DOSSIERS, dossier, publish
from tests.unit.test_cli import kho


def test_index_run_once_then_show(tmp_path: Path, cli_hub: Hub) -> None:
    """After ``kho index run --once`` the agency's August table shows 1 of 2 on time."""
    publish(
        cli_hub,
        DOSSIERS,
        [dossier("HS-1", finished="2025-08-05 10:00"), dossier("HS-2")],
    )
    ran = kho(["index", "run", "--once"], tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert "Chỉ số 766" in ran.stdout

    shown = kho(["index", "show", "agency:so-tp", "2025-08"], tmp_path)
    assert shown.returncode == 0, shown.stderr
    line = next(x for x in shown.stdout.splitlines() if "progress.on_time" in x)
    assert "│     1 │" in line and "│      2 │" in line and "50,00%" in line
    assert "Tiến độ giải quyết" in shown.stdout and "điểm quy đổi" in shown.stdout


def test_a_bad_unit_or_period_is_one_line_naming_it(tmp_path: Path) -> None:
    """No traceback: ``Lỗi:`` and the value that does not parse."""
    for args, named in (
        (["index", "show", "tinh", "2025-08"], "'tinh'"),
        (["index", "show", "province", "2025-8"], "'2025-8'"),
        (["index", "show", "agency:khong-co", "2025-08"], "agency:khong-co"),
    ):
        shown = kho(args, tmp_path)
        assert shown.returncode == 1
        (line,) = shown.stderr.strip().splitlines()
        assert line.startswith("Lỗi:") and named in line


def test_the_demo_runs_the_index(embedded_hub: Hub) -> None:
    """Every dossier the connector accepted is in the index, and the province has a score."""
    summary = run_demo(embedded_hub, rows=40, seed=9)
    assert summary.index.dossiers == summary.ingest.accepted > 0
    figures = summary.province_index
    assert figures is not None and figures.unit == "province"
    assert 0 < figures.score <= 100


def test_the_demo_counts_the_results_its_feed_stored(embedded_hub: Hub) -> None:
    """The results the evidence feed stored during the demo count in
    ``digitisation.data_store``: the index looks for them after the feed."""
    run_demo(embedded_hub, rows=120, seed=9)
    with embedded_hub.engine.connect() as conn:
        stored = conn.scalar(
            sa.select(sa.func.count())
            .select_from(evidence_table)
            .where(evidence_table.c.evidence_id.startswith(EVIDENCE_ID_PREFIX))
        )
    year = embedded_hub.index_reader.figures(
        PROVINCE, parse_period("2025"), dt.datetime.now(dt.UTC)
    )
    data_store = next(
        i for g in year.groups for i in g.indicators if i.id == "digitisation.data_store"
    )
    assert stored and data_store.numerator == stored


def test_sigterm_stops_after_the_batch_in_hand(tmp_path: Path, cli_hub: Hub) -> None:
    """``kho index run`` on SIGTERM commits what it read, says so and exits 0."""
    publish(cli_hub, DOSSIERS, [dossier(f"HS-{i}") for i in range(50)])
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "hub.app", "index", "run", "--batch", "10"],
        cwd=tmp_path,
        env={**env, "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while cli_hub.index_store.counts()[0] < 50 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "Đã dừng sau khi cam kết lô cuối." in out
    assert cli_hub.index_store.counts() == (50, 0)
