"""The fuzz runs print how many requests they made, per caller and in total."""

from __future__ import annotations

import pytest

from tests.fuzz.fuzzing import EXAMPLES, REQUESTS_MADE, STATUSES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not REQUESTS_MADE:
        return
    write = terminalreporter.write_line
    terminalreporter.section("fuzz requests made")
    write(f"examples per operation and caller: {EXAMPLES}")
    for name, count in sorted(REQUESTS_MADE.items()):
        write(f"{name:<32} {count:>8}")
    for run in sorted({name.split("/")[0] for name in REQUESTS_MADE}):
        total = sum(c for n, c in REQUESTS_MADE.items() if n.startswith(f"{run}/"))
        write(f"{run + ' total':<32} {total:>8}")
    write(f"{'total':<32} {sum(REQUESTS_MADE.values()):>8}")
    for run in sorted({name.split("/")[0] for name in STATUSES}):
        counts = sorted((n.split("/")[1], c) for n, c in STATUSES.items() if n.startswith(run))
        write(f"{run} statuses: " + ", ".join(f"{status}: {count}" for status, count in counts))
