"""The k-anonymity check: every combination of quasi-identifier values that a published table
shows must occur in at least k of its rows, or the publication is blocked."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from opendata.errors import PublishBlocked
from opendata.table import Table

_SHOWN_GROUPS = 5


@dataclass(frozen=True)
class SmallGroup:
    values: dict[str, Any]
    rows: int

    def describe(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in self.values.items())
        return f"{shown}: {self.rows} bản ghi"


def small_groups(table: Table, quasi_identifiers: Sequence[str], k: int) -> list[SmallGroup]:
    """The quasi-identifier groups of fewer than k rows, smallest first. Quasi-identifiers that
    the table does not show cannot single anyone out in it, so only shown ones count."""
    shown = [name for name in quasi_identifiers if name in table.names]
    if not shown:
        return []
    positions = [table.names.index(name) for name in shown]
    counts = Counter(tuple(row[p] for p in positions) for row in table.rows)
    small = sorted(
        ((values, n) for values, n in counts.items() if n < k),
        key=lambda item: (item[1], tuple(str(v) for v in item[0])),
    )
    return [SmallGroup(dict(zip(shown, values, strict=True)), n) for values, n in small]


def require_k_anonymity(table: Table, quasi_identifiers: Sequence[str], k: int) -> None:
    groups = small_groups(table, quasi_identifiers, k)
    if groups:
        examples = "; ".join(g.describe() for g in groups[:_SHOWN_GROUPS])
        more = f" và {len(groups) - _SHOWN_GROUPS} nhóm khác" if len(groups) > _SHOWN_GROUPS else ""
        raise PublishBlocked(
            f"không đạt k-ẩn danh (k={k}) trên {', '.join(quasi_identifiers)}:"
            f" {len(groups)} nhóm có ít hơn {k} bản ghi — {examples}{more}",
            groups=groups,
        )
