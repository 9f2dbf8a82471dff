"""The source port: a batch source yields records in the order of their positions.

A position is a JSON value that grows as the source is read (a file's row number, a SQL or REST
cursor). ``records(after=p)`` resumes just past ``p``; the runner saves ``p`` in the checkpoint
once the bus has acknowledged everything up to it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


# Not frozen: one is made for every record, and a frozen dataclass's __init__ costs 4x.
@dataclass(slots=True)
class SourceRecord:
    position: Any
    cells: Mapping[str, Any]
    original: bytes
    problem: str | None = None
    """Set when the source itself could not make sense of the record (an API item that is not
    an object): the record goes to the DLQ with this reason and its original bytes."""


class BatchSource(Protocol):
    @property
    def kind(self) -> str:
        """'csv', 'xlsx', 'sql', 'rest'."""
        ...

    @property
    def stream(self) -> str:
        """What is read, for the checkpoint: a file's name and content digest, a table."""
        ...

    @property
    def name(self) -> str:
        """Short, for people and dead letters: the file name, the table."""
        ...

    def estimated_total(self, after: Any) -> int | None:
        """About how many records are left past ``after``, for a progress bar; None: unknown."""
        ...

    def records(self, after: Any) -> Iterator[SourceRecord]: ...
