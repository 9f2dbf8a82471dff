"""How far an indicator is from its full points, counted in records: "25 more of the 32 late
dossiers would have had to be on time". Exact (fractions), from the method's own formula
points = min(cap, scale × ratio ÷ target)."""

from __future__ import annotations

import math
from fractions import Fraction

from hub.index766.method import IndicatorSpec, exact


def full_points(spec: IndicatorSpec) -> Fraction:
    """The most points the indicator can earn: its cap, or its maximum."""
    return exact(spec.cap) if spec.cap is not None else exact(spec.max_points)


def records_to_full_points(spec: IndicatorSpec, numerator: int, denominator: int) -> int | None:
    """How many of the denominator's records counted against the indicator would have to be
    counted for it to earn its full points (0 when it already does); None when the indicator is
    not computed, has no data, or cannot reach full points even with every record."""
    if not spec.computed or spec.scale is None or denominator <= 0:
        return None
    needed_ratio = full_points(spec) * exact(spec.target) / exact(spec.scale)
    if needed_ratio > 1:
        return None
    needed = math.ceil(needed_ratio * denominator)
    return max(0, needed - numerator)
