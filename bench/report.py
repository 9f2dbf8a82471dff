"""One report for a run of every benchmark: the table, the run's JSON file, two runs compared.

Each bench records its results through ``harness.record_result``: when ``KHO_BENCH_RECORDS``
names a file (scripts/bench.sh sets it), one JSON line per result is appended to it. A result is a
benchmark's figure against its aim (a ratio to a reference, or a time the issue bounds), at
one size of work, with the cost that work took, so that two sizes show how cost grows.

    python bench/report.py build RECORDS.jsonl RUN.json [--failed NAME ...] [--started ISO]
    python bench/report.py show RUN.json
    python bench/report.py compare [A.json B.json]     (default: the two newest in .bench/)

``build`` turns the lines of one run into RUN.json and prints the table: per benchmark, the
figure and the aim at the small and the large size, whether the aim is met at the large size,
the cost per unit of work at each size, and how cost grew against work. Cost growing faster
than work (cost ∝ work^k with k above 1.15, noise allowed for) is flagged "WORSE than linear".
``compare`` prints per benchmark and size the figure of run A, of run B, the change and
whether each met its aim.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from rich.console import Console
from rich.table import Table

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RUNS_DIR = PROJECT_ROOT / ".bench"
RECORDS_ENV = "KHO_BENCH_RECORDS"
WORSE_THAN_LINEAR = 1.15  # exponent k of cost ∝ work^k above which growth is flagged
LINEAR_FROM = 0.85  # k from here to WORSE_THAN_LINEAR reads as linear

Op = Literal[">=", ">", "<=", "<"]
_OPS: tuple[Op, ...] = (">=", ">", "<=", "<")
_OP_TEXT = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}


@dataclass(frozen=True)
class Aim:
    """What the issue asks of a figure: ``value <op> target``."""

    op: Op
    target: float

    @classmethod
    def of(cls, op: str, target: float) -> Aim:
        """The aim ``op target``; op is one of >=, >, <=, <."""
        for known in _OPS:
            if op == known:
                return cls(known, float(target))
        raise ValueError(f"an aim's operator is one of {', '.join(_OPS)}, not {op!r}")

    def met(self, value: float) -> bool:
        return {
            ">=": value >= self.target,
            ">": value > self.target,
            "<=": value <= self.target,
            "<": value < self.target,
        }[self.op]

    @property
    def higher_is_better(self) -> bool:
        return self.op in (">=", ">")

    def text(self, unit: str) -> str:
        return f"{_OP_TEXT[self.op]} {_number(self.target)}{_unit_suffix(unit)}"


@dataclass(frozen=True)
class Result:
    """One benchmark's figure at one size of work.

    ``value`` is what the aim judges (``unit`` "ratio", or "ms", "s", "KB"). ``cost`` is what
    the work took in ``cost_unit``: with ``per`` "all", the cost of all ``size`` units of work
    (seconds for 100,000 records); otherwise the cost of one ``per`` ("request", "run") against
    data of that size. ``figures`` holds the bench's raw measurements."""

    bench: str
    name: str
    value: float
    unit: str
    aim: Aim | None
    met: bool | None
    size: int
    size_unit: str
    cost: float
    cost_unit: str
    per: str
    figures: dict[str, float | int | str] = field(default_factory=dict)
    recorded_at: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Result:
        aim = raw.get("aim")
        return cls(**{**raw, "aim": Aim.of(aim["op"], aim["target"]) if aim else None})

    def value_text(self) -> str:
        return f"{_number(self.value)}{_unit_suffix(self.unit)}"

    def per_unit_text(self) -> str:
        """Cost per unit of work: per record for a cost of all the work, else per operation."""
        if self.per != "all":
            return f"{_number(self.cost)} {self.cost_unit}/{self.per}"
        seconds = self.cost * {"s": 1.0, "ms": 1e-3}.get(self.cost_unit, 1.0)
        each = seconds / max(self.size, 1)
        if each >= 1e-3:
            return f"{_number(each * 1e3)} ms/{self.size_unit}"
        return f"{_number(each * 1e6)} µs/{self.size_unit}"


@dataclass(frozen=True)
class Growth:
    """How the cost of a benchmark grew from its small to its large size."""

    work: float  # size large / size small
    cost: float  # cost large / cost small

    @property
    def exponent(self) -> float:
        """k in cost ∝ work^k: 1 is linear, 0 flat."""
        return math.log(self.cost) / math.log(self.work)

    @property
    def worse_than_linear(self) -> bool:
        return self.exponent > WORSE_THAN_LINEAR

    @property
    def verdict(self) -> str:
        k = self.exponent
        if self.worse_than_linear:
            return "WORSE than linear"
        if k >= LINEAR_FROM:
            return "linear"
        return "flat" if k < 0.15 else "sublinear"


@dataclass(frozen=True)
class Row:
    """A benchmark's line in the table: its results at each size, smallest first."""

    name: str
    results: list[Result]

    @property
    def small(self) -> Result:
        return self.results[0]

    @property
    def large(self) -> Result:
        return self.results[-1]

    @property
    def growth(self) -> Growth | None:
        small, large = self.small, self.large
        if large.size <= small.size or small.cost <= 0 or large.cost <= 0:
            return None
        return Growth(large.size / small.size, large.cost / small.cost)


@dataclass(frozen=True)
class Run:
    """A run of ``make bench`` as written to .bench/<timestamp>.json."""

    started_at: str
    finished_at: str
    host: dict[str, Any]
    failed: list[str]
    results: list[Result]

    def rows(self) -> list[Row]:
        by_name: dict[str, list[Result]] = {}
        for result in self.results:
            by_name.setdefault(result.name, []).append(result)
        return [Row(name, sorted(rs, key=lambda r: r.size)) for name, rs in by_name.items()]

    def to_json(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "host": self.host,
            "failed": self.failed,
            "results": [r.to_json() for r in self.results],
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Run:
        return cls(
            raw["started_at"],
            raw["finished_at"],
            raw.get("host", {}),
            list(raw.get("failed", [])),
            [Result.from_json(r) for r in raw["results"]],
        )

    @classmethod
    def load(cls, path: Path) -> Run:
        try:
            return cls.from_json(json.loads(path.read_text("utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SystemExit(f"{path} is not a bench run: {exc}") from exc


# --- writing results (harness.record_result) and building a run -----------------------------


def append_result(path: Path, result: Result) -> None:
    """One JSON line for ``result`` at the end of the records file ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")


def read_results(path: Path) -> list[Result]:
    """The results appended to ``path``; none when no bench recorded one."""
    if not path.exists():
        return []
    results = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if line.strip():
            try:
                results.append(Result.from_json(json.loads(line)))
            except (ValueError, KeyError, TypeError) as exc:
                raise SystemExit(f"{path}:{number}: not a bench result: {exc}") from exc
    return results


def host() -> dict[str, Any]:
    """Where the run ran: CPUs, Python, the commit."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "commit": commit or None,
    }


def build(records: Path, out: Path, *, started_at: str, failed: Sequence[str] = ()) -> Run:
    """The run of ``records`` written to ``out`` as one JSON document."""
    run = Run(
        started_at,
        dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        host(),
        list(failed),
        read_results(records),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(run.to_json(), ensure_ascii=False, indent=2) + "\n", "utf-8")
    return run


# --- the tables -----------------------------------------------------------------------------


def run_table(run: Run) -> Table:
    """Per benchmark: the aim; at the small and at the large size the work, the figure, whether
    it meets the aim and the cost per unit of work; then how work and cost grew, and k."""
    table = Table(title=f"Benchmarks, run of {run.started_at} ({run.host.get('cpus')} CPUs)")
    table.add_column("benchmark", no_wrap=True)
    table.add_column("aim", justify="right", no_wrap=True)
    for size in ("small", "large"):
        table.add_column(size, justify="right", no_wrap=True)
        for column in ("figure", "met", "cost/unit"):
            table.add_column(column, justify="right", no_wrap=True)
    for column in ("work ×", "cost ×", "k", "scaling"):
        table.add_column(column, justify="right", no_wrap=True)
    for row in run.rows():
        small, large = row.small, row.large
        growth = row.growth
        table.add_row(
            row.name,
            large.aim.text(large.unit) if large.aim else "–",
            *(("", "", "", "") if len(row.results) == 1 else _size_cells(small)),
            *_size_cells(large),
            f"{growth.work:,.1f}" if growth else "–",
            f"{growth.cost:,.2f}" if growth else "–",
            f"{growth.exponent:.2f}" if growth else "–",
            growth.verdict if growth else "–",
            style="red" if growth and growth.worse_than_linear else None,
        )
    return table


def _size_cells(result: Result) -> tuple[str, str, str, str]:
    return (
        f"{result.size:,}",
        result.value_text(),
        _met_text(result.met),
        result.per_unit_text(),
    )


def _met_text(met: bool | None) -> str:
    return "–" if met is None else ("met" if met else "NOT met")


def compare_table(a: Run, b: Run, a_name: str, b_name: str) -> Table:
    """Per benchmark and size (by rank: small, large), run A against run B."""
    table = Table(title=f"A = {a_name}, B = {b_name}")
    for column in ("benchmark", "size", "aim", "A", "B", "change", "met A", "met B"):
        table.add_column(column, justify="left" if column == "benchmark" else "right")
    a_rows = {row.name: row for row in a.rows()}
    b_rows = {row.name: row for row in b.rows()}
    for name in [*a_rows, *(n for n in b_rows if n not in a_rows)]:
        for rank in ("small", "large"):
            ra = _at(a_rows.get(name), rank)
            rb = _at(b_rows.get(name), rank)
            if ra is None and rb is None:
                continue
            either = rb or ra
            assert either is not None  # noqa: S101
            sizes = {f"{r.size:,}" for r in (ra, rb) if r is not None}
            table.add_row(
                name,
                f"{rank} {' / '.join(sorted(sizes))}",
                either.aim.text(either.unit) if either.aim else "–",
                ra.value_text() if ra else "–",
                rb.value_text() if rb else "–",
                change(ra, rb),
                _met_text(ra.met) if ra else "–",
                _met_text(rb.met) if rb else "–",
            )
    return table


def _at(row: Row | None, rank: str) -> Result | None:
    if row is None or (rank == "small" and len(row.results) == 1):
        return None
    return row.small if rank == "small" else row.large


def change(a: Result | None, b: Result | None) -> str:
    """B against A in per cent, and whether that is better or worse for the aim."""
    if a is None or b is None or a.value == 0:
        return "–"
    moved = (b.value - a.value) / abs(a.value)
    text = f"{moved:+.0%}"
    if a.aim is None or abs(moved) < 0.005:
        return text
    better = (moved > 0) == a.aim.higher_is_better
    return f"{text} {'better' if better else 'worse'}"


# --- formatting -------------------------------------------------------------------------------


def _number(value: float) -> str:
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _unit_suffix(unit: str) -> str:
    return "" if unit == "ratio" else f" {unit}"


# --- the command line ---------------------------------------------------------------------------


def newest_runs(folder: Path, count: int) -> list[Path]:
    runs = sorted(folder.glob("*.json"))
    if len(runs) < count:
        raise SystemExit(f"{folder} holds {len(runs)} runs; name the runs to compare (A B)")
    return runs[-count:]


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="a run's records into its JSON, and its table")
    build_cmd.add_argument("records", type=Path)
    build_cmd.add_argument("out", type=Path)
    build_cmd.add_argument("--started", default=None, help="when the run started (ISO 8601)")
    build_cmd.add_argument("--failed", action="append", default=[], help="a bench that failed")
    show_cmd = commands.add_parser("show", help="the table of a run's JSON")
    show_cmd.add_argument("run", type=Path)
    compare_cmd = commands.add_parser("compare", help="two runs' JSON, A then B")
    compare_cmd.add_argument("runs", type=Path, nargs="*", help="A B (default: the newest two)")
    args = parser.parse_args(None if argv is None else list(argv))
    console = Console(width=230)  # the run's table whatever the terminal

    if args.command == "build":
        started = args.started or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        run = build(args.records, args.out, started_at=started, failed=args.failed)
        _print_run(console, run)
        console.print(f"written {args.out}")
    elif args.command == "show":
        _print_run(console, Run.load(args.run))
    else:
        if len(args.runs) not in (0, 2):
            parser.error("compare takes two runs, A and B, or none for the newest two")
        paths = args.runs or newest_runs(RUNS_DIR, 2)
        a, b = (Run.load(p) for p in paths)
        console.print(compare_table(a, b, paths[0].name, paths[1].name))


def _print_run(console: Console, run: Run) -> None:
    console.print(run_table(run))
    worse = [row.name for row in run.rows() if row.growth and row.growth.worse_than_linear]
    if worse:
        console.print(f"cost grew faster than work: {', '.join(worse)}")
    if run.failed:
        console.print(f"[red]failed, no figures: {', '.join(run.failed)}[/red]")
    if not run.results:
        console.print("[red]no bench recorded a result[/red]")


if __name__ == "__main__":
    main()
