"""The report of ``make bench`` (bench/report.py): results recorded by the benches through
``harness.record_result`` become one run's JSON and table, with growth between two sizes, and
two runs compare. Real files in tmp_path, written by the harness function; no server."""

from __future__ import annotations

import importlib
import io
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from rich.console import Console

from tests.paths import PROJECT_ROOT

BENCH = PROJECT_ROOT / "bench"


@pytest.fixture
def bench_modules(monkeypatch: pytest.MonkeyPatch) -> tuple[ModuleType, ModuleType]:
    """harness and report imported as the benches import them: bench/ first on sys.path."""
    monkeypatch.syspath_prepend(str(BENCH))
    return importlib.import_module("harness"), importlib.import_module("report")


def _record_two_sizes(harness: ModuleType, connector_cost_large: float) -> None:
    """Two benches at two sizes: a ratio whose cost per row is steady, a latency that is flat."""
    for size, cost, ratio in ((10_000, 1.0, 0.65), (100_000, connector_cost_large, 0.72)):
        harness.record_result(
            "connector_batch",
            "connector b/a",
            value=ratio,
            aim=(">=", 0.7),
            size=size,
            size_unit="row",
            cost=cost,
            figures={"reference_s": cost * ratio},
        )
    for size, p99 in ((100_000, 12.0), (1_000_000, 13.0)):
        harness.record_result(
            "prefill",
            "prefill p99",
            value=p99,
            aim=("<", 20),
            unit="ms",
            size=size,
            size_unit="evidence",
            cost=p99,
            cost_unit="ms",
            per="request",
        )


def _text(table: object) -> str:
    console = Console(file=io.StringIO(), width=250, record=True)
    console.print(table)
    return console.export_text()


def _cells(text: str, name: str) -> list[str]:
    """The cells of the table row of benchmark ``name``."""
    line = next(line for line in text.splitlines() if name in line)
    return [cell.strip() for cell in line.strip("│ ").split("│")]


def test_recorded_results_make_a_run_with_met_aims_and_growth(
    bench_modules: tuple[ModuleType, ModuleType], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness, report = bench_modules
    records = tmp_path / "run.jsonl"
    monkeypatch.setenv(report.RECORDS_ENV, str(records))
    _record_two_sizes(harness, connector_cost_large=30.0)  # 10× the rows, 30× the time

    assert len(records.read_text("utf-8").splitlines()) == 4
    run = report.build(records, tmp_path / "run.json", started_at="2026-01-01T00:00:00+00:00")
    loaded = report.Run.load(tmp_path / "run.json")
    assert loaded == run

    rows = {row.name: row for row in loaded.rows()}
    connector, prefill = rows["connector b/a"], rows["prefill p99"]
    assert [r.met for r in connector.results] == [False, True]
    assert connector.growth is not None and connector.growth.worse_than_linear
    assert connector.growth.exponent == pytest.approx(1.477, abs=0.01)
    assert prefill.growth is not None and prefill.growth.verdict == "flat"

    text = _text(report.run_table(loaded))
    # benchmark, aim, then size, figure, met, cost/unit at each size, work ×, cost ×, k, scaling
    assert _cells(text, "connector b/a") == [
        "connector b/a",
        "≥ 0.70",
        *("10,000", "0.65", "NOT met", "100 µs/row"),  # 1 s / 10,000 rows
        *("100,000", "0.72", "met", "300 µs/row"),  # 30 s / 100,000 rows
        *("10.0", "30.00", "1.48", "WORSE than linear"),
    ]
    prefill_cells = _cells(text, "prefill p99")
    assert prefill_cells[5] == "12.0 ms/request"  # one request's p99 against 100,000 items
    assert prefill_cells[-1] == "flat"


def test_cost_growing_with_work_reads_linear(
    bench_modules: tuple[ModuleType, ModuleType], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness, report = bench_modules
    monkeypatch.setenv(report.RECORDS_ENV, str(tmp_path / "run.jsonl"))
    _record_two_sizes(harness, connector_cost_large=10.5)
    run = report.build(tmp_path / "run.jsonl", tmp_path / "run.json", started_at="x")
    growth = next(row for row in run.rows() if row.name == "connector b/a").growth
    assert growth is not None
    assert growth.verdict == "linear"
    assert "WORSE" not in _text(report.run_table(run))


def test_a_bench_run_alone_records_nothing(
    bench_modules: tuple[ModuleType, ModuleType], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness, report = bench_modules
    monkeypatch.delenv(report.RECORDS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    result = harness.record_result(
        "ingest", "ingest b/a", value=0.5, aim=(">=", 0.7), size=10, size_unit="record", cost=1
    )
    assert result.met is False
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_aim_operator_is_refused(bench_modules: tuple[ModuleType, ModuleType]) -> None:
    harness, _ = bench_modules
    with pytest.raises(ValueError, match="not '=>'"):
        harness.record_result(
            "ingest", "ingest b/a", value=0.5, aim=("=>", 0.7), size=10, size_unit="r", cost=1
        )


def test_a_damaged_records_file_names_its_line(
    bench_modules: tuple[ModuleType, ModuleType], tmp_path: Path
) -> None:
    _, report = bench_modules
    records = tmp_path / "run.jsonl"
    records.write_text('{"bench": "ingest"}\n', "utf-8")
    with pytest.raises(SystemExit, match=r"run.jsonl:1: not a bench result"):
        report.read_results(records)


def test_compare_prints_both_runs_the_change_and_the_aims(
    bench_modules: tuple[ModuleType, ModuleType], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness, report = bench_modules
    for name, cost in (("a", 30.0), ("b", 10.0)):
        monkeypatch.setenv(report.RECORDS_ENV, str(tmp_path / f"{name}.jsonl"))
        _record_two_sizes(harness, connector_cost_large=cost)
        if name == "b":  # run B: the connector's ratio at the large size up, 0.72 → 0.90
            records = tmp_path / "b.jsonl"
            lines = records.read_text("utf-8").splitlines()
            raw = json.loads(lines[1])
            lines[1] = json.dumps({**raw, "value": 0.9})
            records.write_text("\n".join(lines) + "\n", "utf-8")
        report.build(tmp_path / f"{name}.jsonl", tmp_path / f"{name}.json", started_at=name)

    a, b = report.Run.load(tmp_path / "a.json"), report.Run.load(tmp_path / "b.json")
    text = _text(report.compare_table(a, b, "a.json", "b.json"))
    large = next(line for line in text.splitlines() if "connector b/a" in line and "large" in line)
    assert "0.72" in large and "0.90" in large and "+25% better" in large
    small = next(line for line in text.splitlines() if "prefill p99" in line and "small" in line)
    assert "12.0 ms" in small and "met" in small and "better" not in small


def test_the_command_line_builds_shows_and_compares(
    bench_modules: tuple[ModuleType, ModuleType], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What scripts/bench.sh and `make bench-compare` run, as a process from another folder."""
    harness, report = bench_modules
    monkeypatch.setenv(report.RECORDS_ENV, str(tmp_path / "run.jsonl"))
    _record_two_sizes(harness, connector_cost_large=10.0)
    script = str(BENCH / "report.py")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, script, *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=60,
            check=False,
        )

    built = run("build", "run.jsonl", "run.json", "--failed", "pages at 2000")
    assert built.returncode == 0, built.stderr
    assert "connector b/a" in built.stdout and "failed, no figures: pages at 2000" in built.stdout
    assert json.loads((tmp_path / "run.json").read_text("utf-8"))["failed"] == ["pages at 2000"]
    assert "prefill p99" in run("show", "run.json").stdout
    compared = run("compare", "run.json", "run.json")
    assert compared.returncode == 0, compared.stderr
    assert "connector b/a" in compared.stdout and "+0%" in compared.stdout
    missing = run("compare", "run.json", "nothing.json")
    assert missing.returncode == 1
    assert "nothing.json is not a bench run" in missing.stderr
