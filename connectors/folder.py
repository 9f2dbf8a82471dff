"""A watched folder: each file dropped in is read once, then moved to ``done/``, or to
``failed/`` with a ``.ly-do.txt`` beside it saying why (legacy encoding, truncated workbook,
renamed column).

A file is taken once its size and modification time have stopped changing for ``settle_s``
(a department's export may still be copying). A file that was cut off by a crash stays in the
folder and resumes from its checkpoint; the same file dropped again finds its checkpoint
finished and goes straight to ``done/``. A bus that cannot be reached leaves the file where it
is for the next round.
"""

from __future__ import annotations

import datetime as dt
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from connectors.config import ConnectorConfig, FolderSource
from connectors.errors import ConnectorError
from connectors.events import log_event
from connectors.runner import RunSummary
from connectors.sources.files import FileSource

DONE = "done"
FAILED = "failed"
REASON_SUFFIX = ".ly-do.txt"

RunFile = Callable[[FileSource], RunSummary]


@dataclass(frozen=True, slots=True)
class FileOutcome:
    path: Path  # where the file is now
    summary: RunSummary | None  # None: the file failed
    reason: str | None = None


def take_folder(
    config: ConnectorConfig, source: FolderSource, run_file: RunFile, *, settle_s: float = 1.0
) -> list[FileOutcome]:
    """Process every settled file in the folder once, in name order."""
    outcomes = []
    for path in sorted(source.path.glob(source.pattern)):
        if not path.is_file() or not _settled(path, settle_s):
            continue
        try:
            summary = run_file(FileSource(config, path))
        except ConnectorError as exc:
            moved = _move(path, source.path / FAILED)
            moved.with_name(moved.name + REASON_SUFFIX).write_text(f"{exc}\n", encoding="utf-8")
            log_event(
                "connector.file_failed", connector=config.name, file=path.name, error=str(exc)
            )
            outcomes.append(FileOutcome(moved, None, str(exc)))
            continue
        moved = _move(path, source.path / DONE)
        log_event(
            "connector.file_done",
            connector=config.name,
            file=path.name,
            accepted=summary.report.accepted,
            rejected=summary.report.rejected,
        )
        outcomes.append(FileOutcome(moved, summary))
    return outcomes


def watch_folder(
    config: ConnectorConfig,
    source: FolderSource,
    run_file: RunFile,
    *,
    stop: threading.Event,
    settle_s: float = 1.0,
) -> list[FileOutcome]:
    """Take the folder's files every ``poll_interval_s`` until told to stop."""
    outcomes: list[FileOutcome] = []
    while not stop.is_set():
        outcomes.extend(take_folder(config, source, run_file, settle_s=settle_s))
        stop.wait(source.poll_interval_s)
    return outcomes


def _settled(path: Path, settle_s: float) -> bool:
    stat = path.stat()
    return time.time() - stat.st_mtime >= settle_s


def _move(path: Path, folder: Path) -> Path:
    """Into the folder, keeping the name; an earlier file of that name is not overwritten."""
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    if target.exists():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        target = folder / f"{path.stem}.{stamp}{path.suffix}"
    return Path(shutil.move(path, target))
