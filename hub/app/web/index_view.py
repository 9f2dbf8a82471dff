"""A unit's 766 figures as the pages show them: each indicator with its sentence, the records
counted against it (the drill-down), and what full points would take; the weakest indicators;
a month "has data" when any computed indicator counted a record."""

from __future__ import annotations

from dataclasses import dataclass

from hub.app.web.index_gap import records_to_full_points
from hub.app.web.index_words import OutcomeWords, outcome_words
from hub.index766.errors import IndexInputError
from hub.index766.figures import IndexFigures, IndicatorFigure
from hub.index766.indicators import outcomes_of
from hub.index766.method import IndexMethod

FULL_POINTS_SLACK = 1e-9
"""Points are exact fractions turned into floats once: within this of the maximum is full."""


@dataclass(frozen=True, slots=True)
class IndicatorView:
    figure: IndicatorFigure
    group_title: str
    explain: str | None
    words: OutcomeWords
    counted_outcome: str | None
    against_outcome: str | None
    needed: int | None
    """Records counted against it that would have to count for full points."""

    @property
    def against_count(self) -> int | None:
        f = self.figure
        if f.numerator is None or f.denominator is None:
            return None
        return f.denominator - f.numerator

    @property
    def lost_points(self) -> float:
        return max(0.0, self.figure.max_points - self.figure.points)

    @property
    def is_weak(self) -> bool:
        """Computed, with data, and short of its full points."""
        f = self.figure
        return f.computed and not f.no_data and self.lost_points > FULL_POINTS_SLACK


@dataclass(frozen=True, slots=True)
class GroupView:
    id: str
    title: str
    points: float
    max_points: float
    indicators: list[IndicatorView]


def indicator_views(figures: IndexFigures, method: IndexMethod) -> list[GroupView]:
    groups = []
    for group in figures.groups:
        views = []
        for figure in group.indicators:
            spec = method.indicator(figure.id)
            counted: str | None = None
            against: str | None = None
            try:
                counted, against = outcomes_of(figure.id)
            except IndexInputError:  # not computed by the hub
                pass
            needed = None
            if spec is not None and figure.numerator is not None and figure.denominator:
                needed = records_to_full_points(spec, figure.numerator, figure.denominator)
            views.append(
                IndicatorView(
                    figure=figure,
                    group_title=group.title,
                    explain=spec.explain_vi if spec is not None else None,
                    words=outcome_words(figure.id),
                    counted_outcome=counted,
                    against_outcome=against,
                    needed=needed,
                )
            )
        groups.append(GroupView(group.id, group.title, group.points, group.max_points, views))
    return groups


def weakest(groups: list[GroupView], count: int = 3) -> list[IndicatorView]:
    """The weak indicators that lose the most points, most first."""
    weak = [view for group in groups for view in group.indicators if view.is_weak]
    return sorted(weak, key=lambda view: -view.lost_points)[:count]


DOSSIER_COUNT = "progress.on_time"
"""The indicator whose denominator is every dossier received in the period (INDEX-766)."""


def has_data(figures: IndexFigures) -> bool:
    """Whether the unit received any dossier in the period. A month with only feedback does not
    count: its dossier indicators, without data, would show as full points."""
    return any(
        i.id == DOSSIER_COUNT and bool(i.denominator) for g in figures.groups for i in g.indicators
    )
