"""One page of a list sorted by a name: ``?sau=<name>`` shows the items after that name, at most
a page's worth, and says which name the next page starts after (None on the last page)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from starlette.requests import Request

CURSOR = "sau"
"""The query parameter: the name the page starts after."""

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class NamedPage(Generic[_T]):
    items: list[_T]
    after: str | None
    """The name this page started after (None: the first page)."""
    next_after: str | None
    """The name the next page starts after (None: this is the last page)."""
    total: int


def named_page(
    request: Request, items: Sequence[_T], name: Callable[[_T], str], size: int
) -> NamedPage[_T]:
    """The page of ``items`` (sorted by ``name``) the request's ``?sau=`` asks for."""
    after = request.query_params.get(CURSOR) or None
    ordered = sorted(items, key=name)
    rest = [item for item in ordered if after is None or name(item) > after]
    shown = rest[:size]
    next_after = name(shown[-1]) if len(rest) > size else None
    return NamedPage(shown, after, next_after, len(ordered))
