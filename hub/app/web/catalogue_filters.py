"""The catalogue page's filters (sector, agency, class, licence, update frequency) as pure
functions over each dataset's facets: reading them from the query string, keeping the datasets
that pass, and the choices a form offers with how many datasets each would show.

A filter's value must be one the catalogue holds (a choice of the form); anything else is a
``FilterError`` naming the filter, so a hand-edited URL gets a clear message, not an empty page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from hub.app.web.catalogue_search import fold

T = TypeVar("T")

MAX_VALUE_CHARS = 100


@dataclass(frozen=True, slots=True)
class Facet:
    """A filter: its query parameter and its name on the page."""

    param: str
    name: str


FACETS = (
    Facet("sector", "Lĩnh vực"),
    Facet("agency", "Cơ quan chủ quản"),
    Facet("class", "Phân loại dữ liệu"),
    Facet("licence", "Giấy phép"),
    Facet("frequency", "Tần suất cập nhật"),
)


@dataclass(frozen=True, slots=True)
class FacetValue:
    """A dataset's value for one facet: the code (in the URL) and its label (on the page)."""

    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Faceted(Generic[T]):
    """An item with its value for each facet, by parameter."""

    item: T
    facets: Mapping[str, FacetValue]


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True, slots=True)
class FacetChoices:
    facet: Facet
    choices: tuple[Choice, ...]


class FilterError(ValueError):
    """A filter value the catalogue does not hold; names the filter for the message."""

    def __init__(self, facet: Facet, value: str) -> None:
        super().__init__(f"{facet.param}={value!r} is not a choice")
        self.facet = facet
        self.value = value


def read_filters(params: Mapping[str, str], items: Sequence[Faceted[T]]) -> dict[str, str]:
    """The filters the query string sets, by parameter (an empty value sets none). Raises
    FilterError for a value no item has."""
    chosen: dict[str, str] = {}
    for facet in FACETS:
        value = params.get(facet.param, "").strip()
        if not value:
            continue
        known = {f.facets[facet.param].value for f in items}
        if value not in known:
            raise FilterError(facet, value[:MAX_VALUE_CHARS])
        chosen[facet.param] = value
    return chosen


def passes(filters: Mapping[str, str], item: Faceted[T], *, ignoring: str | None = None) -> bool:
    """Whether the item has every chosen value (leaving the facet ``ignoring`` out)."""
    return all(
        item.facets[param].value == value for param, value in filters.items() if param != ignoring
    )


def apply_filters(filters: Mapping[str, str], items: Sequence[Faceted[T]]) -> list[T]:
    """The items passing every filter, in the order given."""
    return [f.item for f in items if passes(filters, f)]


def facet_choices(
    filters: Mapping[str, str],
    items: Sequence[Faceted[T]],
    matched: Sequence[Faceted[T]] | None = None,
) -> tuple[FacetChoices, ...]:
    """Each facet's choices (every value among ``items``), sorted by label, with how many of
    the ``matched`` items (default: all) would remain if it were chosen instead, the other
    filters kept; the chosen one is marked ``selected``."""
    counted = items if matched is None else matched
    result = []
    for facet in FACETS:
        labels = {f.facets[facet.param].value: f.facets[facet.param].label for f in items}
        counts = dict.fromkeys(labels, 0)
        for faceted in counted:
            if passes(filters, faceted, ignoring=facet.param):
                counts[faceted.facets[facet.param].value] += 1
        choices = tuple(
            Choice(value, labels[value], counts[value], filters.get(facet.param) == value)
            for value in sorted(labels, key=lambda v: (fold(labels[v]), v))
        )
        result.append(FacetChoices(facet, choices))
    return tuple(result)
