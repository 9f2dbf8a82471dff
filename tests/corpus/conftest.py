"""The corpus's fixtures: one tally for the session, printed at its end (``pytest -s``), and
a check that no request or run left a traceback in the logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.corpus.tally import Tally

# The real engines' fixtures, for the corpus's integration tests (test_real_engines, test_mqtt)
from tests.integration.conftest import (  # noqa: F401
    department,
    isolated_catalogue,
    kafka_hub,
    pg_schema,
    run_id,
)
from tests.integration.test_mqtt_connector_real import broker, store  # noqa: F401

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
