"""A batch run's progress bar on the terminal: records done, records per second, time left."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("— bản ghi/s" if speed is None else f"{speed:,.0f} bản ghi/s")


class RichProgress:
    """A RunObserver that draws a bar; without a known total it counts and shows the rate."""

    def __init__(self, console: Console, description: str) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            _RateColumn(),
            TimeElapsedColumn(),
            TextColumn("còn"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._description = description
        self._task: TaskID | None = None

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def started(self, total: int | None) -> None:
        self._task = self._progress.add_task(self._description, total=total)

    def advanced(self, records: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, records)
