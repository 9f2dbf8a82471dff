"""Where a hung test was stuck, in its failure report and at the end of the run's output.

pytest-timeout fails a test that runs past its timeout and prints every thread's stack at that
moment, in the middle of the output, which a CI log's excerpt cuts. This plugin asks the
interpreter's own watchdog (``faulthandler``, which writes even while a thread holds the GIL)
to dump every thread's stack into a file ``DUMP_AHEAD_S`` seconds before the timeout. If the
test then fails, its report gets the dump as a section, and the run's terminal summary, near
its last lines, the innermost frames of each thread.
"""

from __future__ import annotations

import faulthandler
import re
import tempfile
from collections.abc import Generator
from typing import IO

import pytest

DUMP_AHEAD_S = 30
INNERMOST = 5
"""Frames of each thread in the terminal summary."""
HUNG = pytest.StashKey[list[tuple[str, str]]]()
_DUMP = pytest.StashKey[IO[bytes]]()
_MACHINERY = re.compile(
    r"/_pytest/|/pluggy/|<frozen runpy>|/pytest/__main__\.py"
    r"|/threading\.py\", line \d+ in (_bootstrap|_bootstrap_inner|run)$"
)


def _timeout_s(item: pytest.Item) -> float:
    """The test's pytest-timeout: its marker's, else the command line's, else the ini's."""
    marker = item.get_closest_marker("timeout")
    if marker is not None and marker.args:
        return float(marker.args[0])
    given = item.config.getoption("timeout", None)
    return float(given if given is not None else item.config.getini("timeout") or 0)


def threads_in_short(dump: str) -> str:
    """Each thread's header and its innermost frames, test machinery left out."""
    lines: list[str] = []
    for block in dump.split("\n\n"):
        header, *frames = block.strip().splitlines() or [""]
        ours = [f for f in frames if not _MACHINERY.search(f)]
        if header:
            lines += [header, *ours[:INNERMOST]]
    return "\n".join(lines) + "\n"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    delay = _timeout_s(item) - DUMP_AHEAD_S
    if delay <= 0:
        yield
        return
    with tempfile.TemporaryFile() as dump:
        faulthandler.dump_traceback_later(delay, file=dump)
        item.stash[_DUMP] = dump
        try:
            yield
        finally:
            faulthandler.cancel_dump_traceback_later()
            del item.stash[_DUMP]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, pytest.TestReport, None]:
    outcome = yield
    dump = item.stash.get(_DUMP, None)
    if dump is None or not dump.tell():
        return
    dump.seek(0)
    text = dump.read().decode("utf-8", errors="replace")
    dump.seek(0)
    dump.truncate()
    report = outcome.get_result()
    if not report.failed:  # slow, but it finished in time: no hang to report
        return
    report.sections.append((f"threads {DUMP_AHEAD_S} s before the timeout", text))
    item.config.stash.setdefault(HUNG, []).append((item.nodeid, threads_in_short(text)))


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for nodeid, text in terminalreporter.config.stash.get(HUNG, []):
        terminalreporter.section(f"{nodeid} hung; its threads, innermost frames first")
        terminalreporter.write(text)
