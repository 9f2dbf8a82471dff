"""What the corpus tried on each write path and what became of it: every input sent is
accepted (found on the topic or in the store), refused (a 4xx or a CLI error naming the rule)
or dead-lettered (found in ``.dlq`` with its reason and original bytes); nothing else."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

Outcome = Literal["accepted", "refused", "dead_lettered"]
OUTCOMES: tuple[Outcome, ...] = ("accepted", "refused", "dead_lettered")


@dataclass
class PathTally:
    """One write path's count: inputs sent, and the outcome each one met."""

    path: str
    sent: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)

    def sent_one(self, outcome: Outcome) -> None:
        self.sent += 1
        self.outcomes[outcome] += 1

    def adds_up(self) -> bool:
        return self.sent == sum(self.outcomes[o] for o in OUTCOMES) and self.sent > 0

    def line(self) -> str:
        figures = "  ".join(f"{o} {self.outcomes[o]:>3}" for o in OUTCOMES)
        return f"{self.path:<34} sent {self.sent:>3}  {figures}"


@dataclass
class Tally:
    paths: dict[str, PathTally] = field(default_factory=dict)

    def path(self, name: str) -> PathTally:
        return self.paths.setdefault(name, PathTally(name))

    def summary(self) -> str:
        lines = [tally.line() for tally in self.paths.values()]
        total = sum(t.sent for t in self.paths.values())
        return "\n".join(
            ["bad-input corpus: inputs tried per write path", *lines, f"total {total}"]
        )
