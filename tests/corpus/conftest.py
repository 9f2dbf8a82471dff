"""The corpus's fixtures: one tally for the session, printed at its end (``pytest -s``), and
a check that no request or run left a traceback in the logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.corpus.tally import Tally

_TALLY = Tally()


@pytest.fixture(scope="session")
def tally() -> Iterator[Tally]:
    yield _TALLY
    if _TALLY.paths:
        print("\n" + _TALLY.summary())


@pytest.fixture
def no_tracebacks(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fails the test if anything was logged with a traceback (an unhandled error)."""
    caplog.set_level(logging.WARNING)
    yield
    with_traceback = [r for r in caplog.records if r.exc_info or r.exc_text]
    assert not with_traceback, [f"{r.name}: {r.getMessage()}" for r in with_traceback]
