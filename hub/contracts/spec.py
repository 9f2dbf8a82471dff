"""A contract rule as this package needs it: the catalogue declares rules
(hub.catalogue.models.ContractRule) and satisfies this shape, so contracts never import the
catalogue, which sits on the floor above."""

from __future__ import annotations

from typing import Protocol


class RuleSpec(Protocol):
    """One declared rule: its name, the field it guards, its CEL expression, its guard and the
    message a violation carries. Hashable, so compiled contracts can be cached by their rules."""

    @property
    def rule(self) -> str: ...

    @property
    def field(self) -> str: ...

    @property
    def expr(self) -> str: ...

    @property
    def when(self) -> str | None: ...

    @property
    def message(self) -> str: ...

    def __hash__(self) -> int: ...
