"""The index's answer, in exactly the JSON shape the API publishes, and how it is assembled
from each indicator's numerator and denominator. Points are computed exactly (fractions) and
turned into floats once, at the end: nothing is rounded before multiplying."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import pydantic

from hub.index766.method import IndexMethod, exact
from hub.index766.periods import Period, Unit


class _Answer(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)


class IndicatorFigure(_Answer):
    """One indicator. Not hub data: computed false, numbers null, 0 points. Denominator 0:
    no_data true, ratio null, full points."""

    id: str
    title: str
    numerator: int | None
    denominator: int | None
    ratio: float | None
    points: float
    max_points: float
    computed: bool
    no_data: bool


class GroupFigure(_Answer):
    id: str
    title: str
    points: float
    max_points: float
    indicators: list[IndicatorFigure]


class IndexFigures(_Answer):
    """A unit's index for a period, judged at `as_of`; `score` = points ÷ computed_max × 100."""

    unit: str
    period: str
    as_of: dt.datetime
    method_version: str
    points: float
    max_points: float
    computed_max: float
    score: float
    groups: list[GroupFigure]


class BehindItem(_Answer):
    """A record counted for or against an indicator: ids and times, nothing personal."""

    kind: Literal["dossier", "feedback", "procedure"]
    id: str
    procedure_code: str | None = None
    received_at: dt.datetime | None = None
    due_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Count:
    """An indicator's numerator and denominator."""

    numerator: int
    denominator: int


def assemble(
    method: IndexMethod,
    counts: Mapping[str, Count],
    unit: Unit,
    period: Period,
    as_of: dt.datetime,
) -> IndexFigures:
    """The figures from each computed indicator's count (an indicator missing from `counts`
    counts 0/0: no data). The parts are built without validation (``model_construct``): every
    value is computed here, and a ranking assembles hundreds of them."""
    groups: list[GroupFigure] = []
    total = Fraction(0)
    for group in method.groups:
        figures: list[IndicatorFigure] = []
        group_points = Fraction(0)
        for spec in group.indicators:
            if not spec.computed:
                figures.append(
                    IndicatorFigure.model_construct(
                        id=spec.id,
                        title=spec.title_vi,
                        numerator=None,
                        denominator=None,
                        ratio=None,
                        points=0.0,
                        max_points=spec.max_points,
                        computed=False,
                        no_data=False,
                    )
                )
                continue
            count = counts.get(spec.id, Count(0, 0))
            if count.denominator == 0:
                ratio: Fraction | None = None
                points = exact(spec.max_points)
            else:
                ratio = Fraction(count.numerator, count.denominator)
                points = spec.points(ratio)
            group_points += points
            figures.append(
                IndicatorFigure.model_construct(
                    id=spec.id,
                    title=spec.title_vi,
                    numerator=count.numerator,
                    denominator=count.denominator,
                    ratio=None if ratio is None else float(ratio),
                    points=float(points),
                    max_points=spec.max_points,
                    computed=True,
                    no_data=ratio is None,
                )
            )
        total += group_points
        groups.append(
            GroupFigure.model_construct(
                id=group.id,
                title=group.title_vi,
                points=float(group_points),
                max_points=group.max_points,
                indicators=figures,
            )
        )
    computed_max = method.computed_max_exact
    return IndexFigures(
        unit=unit.key,
        period=period.key,
        as_of=as_of,
        method_version=method.version,
        points=float(total),
        max_points=float(method.max_points_exact),
        computed_max=float(computed_max),
        score=float(total / computed_max * 100) if computed_max else 0.0,
        groups=groups,
    )
