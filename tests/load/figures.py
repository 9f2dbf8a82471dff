"""The load run's figures: latency percentiles per path, memory growth per process, the rows
of the tables that hold expiring state, and the targets; printed as tables, kept as JSON."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

MIB = 1024 * 1024
GROWTH_LIMIT = 0.10
RATE_SHARE = 0.98
"""The share of the offered records/s the hub must accept for the rate target."""
HUB_PROCESS_PREFIXES = ("api-", "masker", "index")
"""The hub's processes, which the memory target covers (not the generator: it keeps every
latency it measured)."""


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of values sorted ascending."""
    rank = math.ceil(q / 100 * len(sorted_values))
    return sorted_values[min(len(sorted_values) - 1, max(0, rank - 1))]


@dataclass(frozen=True)
class PathFigures:
    path: str
    count: int
    per_s: float
    p50_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    errors: int


def path_figures(results: dict[str, Any]) -> list[PathFigures]:
    load_s = results["load_s"]
    figures = []
    for path, latencies in results["latencies_ms"].items():
        values = sorted(latencies)
        errors = sum(n for kind, n in results["errors"].items() if kind.split(":")[0] == path)
        figures.append(
            PathFigures(
                path=path,
                count=len(values),
                per_s=len(values) / load_s,
                p50_ms=percentile(values, 50) if values else None,
                p99_ms=percentile(values, 99) if values else None,
                max_ms=values[-1] if values else None,
                errors=errors,
            )
        )
    return figures


@dataclass(frozen=True)
class Growth:
    process: str
    after_warm_up_mib: float
    at_end_mib: float

    @property
    def growth(self) -> float:
        return self.at_end_mib / self.after_warm_up_mib - 1

    @property
    def covered(self) -> bool:
        return self.process.startswith(HUB_PROCESS_PREFIXES)


def memory_growth(samples: list[dict[str, Any]], warm_up_ends: float) -> list[Growth]:
    """Per process, the median of the first three samples after the warm-up against the median
    of the last three (single samples jump with the garbage collector and the allocator)."""
    after = [s for s in samples if s["at"] >= warm_up_ends]
    names = sorted({name for s in after for name in s["rss"]})
    found = []
    for name in names:
        values = [s["rss"][name] for s in after if name in s["rss"]]
        if len(values) < 2:
            continue
        window = min(3, len(values) // 2)
        first = statistics.median(values[:window]) / MIB
        last = statistics.median(values[-window:]) / MIB
        found.append(Growth(name, first, last))
    return found


def cpu_shares(samples: list[dict[str, Any]]) -> dict[str, float]:
    """Per process, the CPU it used between the first and the last sample, as a share of one
    core's time (the load generator's too: its CPU is not hidden in the hub's)."""
    shares = {}
    for name in sorted({name for s in samples for name in s["cpu_s"]}):
        seen = [s for s in samples if name in s["cpu_s"]]
        wall = seen[-1]["at"] - seen[0]["at"]
        if wall > 0:
            shares[name] = (seen[-1]["cpu_s"][name] - seen[0]["cpu_s"][name]) / wall
    return shares


@dataclass(frozen=True)
class TableRows:
    """How many rows a table held over the run, and how many it may hold at the end."""

    table: str
    at_start: int | None
    at_end: int | None
    most: int | None
    bound: int | None

    @property
    def within_bound(self) -> bool:
        return self.bound is None or (self.at_end is not None and self.at_end <= self.bound)


def table_rows(samples: list[dict[str, Any]], bounds: dict[str, int | None]) -> list[TableRows]:
    rows = []
    for table, bound in bounds.items():
        counts = [s["rows"].get(table) for s in samples]
        known = [c for c in counts if c is not None]
        rows.append(
            TableRows(
                table=table,
                at_start=counts[0] if counts else None,
                at_end=counts[-1] if counts else None,
                most=max(known) if known else None,
                bound=bound,
            )
        )
    return rows


def missed_targets(
    paths: list[PathFigures],
    errors: dict[str, int],
    growth: list[Growth],
    tables: list[TableRows],
    *,
    check_memory: bool,
    accepted_per_s: float | None = None,
    offered_per_s: float | None = None,
) -> list[str]:
    """The targets missed. ``accepted_per_s`` and ``offered_per_s`` given: the records the hub
    accepted must keep up with the producers' pace (RATE_SHARE of it; pacing is not exact)."""
    missed = []
    if accepted_per_s is not None and offered_per_s is not None:
        if accepted_per_s < RATE_SHARE * offered_per_s:
            missed.append(
                f"{accepted_per_s:,.0f} records/s accepted, under the {offered_per_s:,.0f} offered"
            )
    if errors:
        missed.append(f"{sum(errors.values())} errors: {errors}")
    for p in paths:
        if p.count == 0:
            missed.append(f"no {p.path} answered")
    if check_memory:
        for g in growth:
            if g.covered and g.growth >= GROWTH_LIMIT:
                missed.append(f"{g.process}: resident memory grew {g.growth:.1%} after warm-up")
    for t in tables:
        if not t.within_bound:
            missed.append(f"{t.table}: {t.at_end} rows at the end, more than {t.bound}")
    return missed


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def print_report(
    console: Console,
    title: str,
    paths: list[PathFigures],
    errors: dict[str, int],
    growth: list[Growth],
    tables: list[TableRows],
    notes: list[str],
) -> None:
    table = Table(title=title)
    for column in ("what", "count", "per s", "p50 ms", "p99 ms", "max ms", "errors"):
        table.add_column(column, justify="right" if column != "what" else "left")
    for p in paths:
        table.add_row(
            p.path,
            f"{p.count:,}",
            f"{p.per_s:,.1f}",
            _ms(p.p50_ms),
            _ms(p.p99_ms),
            _ms(p.max_ms),
            str(p.errors),
        )
    table.add_section()
    for g in growth:
        table.add_row(
            f"RSS {g.process}",
            "",
            "",
            f"{g.after_warm_up_mib:,.0f} MiB",
            f"{g.at_end_mib:,.0f} MiB",
            f"{g.growth:+.1%}",
            "" if g.covered else "(not a target)",
        )
    table.add_section()
    for t in tables:
        table.add_row(
            f"rows {t.table}",
            f"{t.at_start}",
            "",
            f"max {t.most}",
            f"end {t.at_end}",
            "" if t.bound is None else f"≤ {t.bound}",
            "" if t.within_bound else "OVER",
        )
    console.print(table)
    for kind, count in sorted(errors.items()):
        console.print(f"error {kind}: {count}")
    for note in notes:
        console.print(note)
