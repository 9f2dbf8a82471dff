"""The benchmarks run as scripts (``python bench/<name>.py``, as scripts/bench.sh runs them):
each one imports, and no module in bench/ hides a package the benchmarks import."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import PROJECT_ROOT

BENCH = PROJECT_ROOT / "bench"
SCRIPTS = sorted(p for p in BENCH.glob("*.py") if p.stem != "harness")


def test_no_bench_module_hides_an_importable_one() -> None:
    """Run as a script, bench/ comes first on sys.path: a bench module named like an installed
    module or package (``connectors``, ``hub``...) would hide it."""
    found = {p.name: importlib.util.find_spec(p.stem) for p in BENCH.glob("*.py")}
    # a test that imports bench modules by their bare names puts bench/ itself on sys.path
    shadowing = [
        name
        for name, spec in found.items()
        if spec is not None and Path(spec.origin or "").parent != BENCH
    ]
    assert shadowing == []


def test_scripts_bench_sh_runs_every_bench() -> None:
    """Each bench script is run by `make bench`."""
    runner = (PROJECT_ROOT / "scripts" / "bench.sh").read_text(encoding="utf-8")
    assert SCRIPTS
    assert [p.name for p in SCRIPTS if f"bench/{p.name}" not in runner] == []


@pytest.mark.parametrize("script", [p for p in SCRIPTS if p.stem != "report"], ids=lambda p: p.stem)
def test_each_bench_records_its_results_for_the_report(script: Path) -> None:
    """Each bench hands its figures to the table `make bench` ends with (bench/report.py)."""
    source = script.read_text(encoding="utf-8")
    assert "record_result(" in source


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_each_bench_imports_and_answers_help_as_a_script(script: Path, tmp_path: Path) -> None:
    """``python bench/<name>.py --help`` from another directory exits 0 with its usage."""
    result = subprocess.run(
        [sys.executable, str(script), "--help"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout


def test_the_harness_imports_as_a_package_too() -> None:
    """tests/integration and scripts/stack.sh import ``bench.harness`` from the project's root,
    where bench/ is not on ``sys.path``: its own imports must resolve that way as well."""
    done = subprocess.run(
        [sys.executable, "-c", "import bench.harness"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-1500:]
